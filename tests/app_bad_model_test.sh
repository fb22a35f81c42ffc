#!/bin/sh
# app_bad_model_test.sh — the window app on a model that cannot load: it
# opens anyway (the window shows the error and Ctrl+O), prints exactly one
# line on stderr naming the path, and exits cleanly. Uses SDL's dummy video
# driver and the screenshot mode to quit after the first frame.
BUILD=${BUILD:-build}
BIN=${ATTNSCOPE_BIN:-$BUILD/attnscope}
TMP=${TMPDIR:-/tmp}/attnscope-app-bad.$$
mkdir -p "$TMP" || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }

one() { # name model-path
    SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software ATTNSCOPE_SCREENSHOT="$TMP/$1.png" \
        ATTNSCOPE_AFTER_MS=0 "$BIN" app --model "$2" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    n=$(wc -l <"$TMP/err")
    line=$(head -1 "$TMP/err")
    if [ "$rc" -ne 0 ]; then fail "$1" "exit $rc; stderr: $(cat "$TMP/err")"; return; fi
    if [ "$n" -ne 1 ]; then fail "$1" "$n stderr lines: $(cat "$TMP/err")"; return; fi
    case "$line" in
        "attnscope: "*"$2"*HINT*) pass "$1: $line" ;;
        *) fail "$1" "stderr does not name $2 with a HINT: $line" ;;
    esac
    [ -s "$TMP/$1.png" ] && pass "$1: the window drew a frame" || fail "$1" "no frame saved"
}

one missing /nonexistent/model
mkdir -p "$TMP/empty"
one empty-folder "$TMP/empty"
printf 'not a model' >"$TMP/junk.bin"
one junk-bin "$TMP/junk.bin"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
