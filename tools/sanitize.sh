#!/bin/sh
# sanitize.sh tsan|valgrind — the runs behind `make tsan` and `make valgrind`
# (the Makefile builds first). Prints one line per run and "N passed,
# N failed" last; exits non-zero on any failure.
#
# tsan:     every $BUILD/tests/test_app_* (the app tests and the storm, at
#           STORM_EVENTS, default 100,000) built with -fsanitize=thread. A run
#           fails on a failed check, a non-zero exit or any ThreadSanitizer
#           report. OpenBLAS runs on one thread (OPENBLAS_NUM_THREADS=1): its
#           own thread pool is not instrumented and would be reported.
# valgrind: the CLI (info, tokenize, dump, generate, export, bad input) on a
#           GPT-2 and a Llama checkpoint, and the headless app (test_app_ui,
#           and the storm at STORM_EVENTS, default 1,000: valgrind is ~50x
#           slower), under memcheck. A run fails on any error or any bytes
#           definitely lost (leaks inside system libraries are not ours and
#           are not "definitely lost" from our pointers).
MODE=${1:?usage: sanitize.sh tsan|valgrind}
BUILD=${BUILD:-build}
export BUILD
cd "$(dirname "$0")/.." || exit 1
passed=0
failed=0
log="$BUILD/$MODE-logs"
mkdir -p "$log"
export OPENBLAS_NUM_THREADS=1

# The numpy oracle checkpoints the tests read.
for gen in tests/oracle/*.py; do
    /usr/bin/python3 "$gen" "$BUILD/oracle" > "$log/oracle-$(basename "$gen" .py).log" 2>&1 ||
        { echo "FAIL oracle $gen: see $log"; failed=$((failed + 1)); }
done

# judge NAME LOG RC: a test binary's own count, plus the sanitizer's verdict.
judge() {
    name=$1; out=$2; rc=$3
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    why=""
    [ "$rc" != 0 ] && why="exit $rc"
    if [ "$MODE" = tsan ]; then
        n=$(grep -c 'WARNING: ThreadSanitizer' "$out")
        [ "$n" != 0 ] && why="$why; $n ThreadSanitizer reports: $(grep -m1 '^SUMMARY: ThreadSanitizer' "$out")"
    else
        errs=$(sed -nE 's/.*ERROR SUMMARY: ([0-9]+) errors.*/\1/p' "$out" | tail -n 1)
        lost=$(sed -nE 's/.*definitely lost: ([0-9,]+) bytes.*/\1/p' "$out" | tail -n 1 | tr -d ,)
        [ -z "$errs" ] && why="$why; no valgrind summary"
        [ "${errs:-0}" != 0 ] && why="$why; $errs valgrind errors"
        [ "${lost:-0}" != 0 ] && why="$why; $lost bytes definitely lost"
        line="$line${line:+; }errors ${errs:-?}, definitely lost ${lost:-0} bytes"
    fi
    if [ -n "$why" ]; then
        failed=$((failed + 1))
        echo "FAIL $name:${why#;} (log: $out)"
        grep -E '^FAIL' "$out" | head -n 5
    else
        passed=$((passed + 1))
    fi
    printf '%-34s %s\n' "$name" "${line:-no count}"
}

if [ "$MODE" = tsan ]; then
    export STORM_EVENTS=${STORM_EVENTS:-100000}
    export TSAN_OPTIONS=${TSAN_OPTIONS:-second_deadlock_stack=1}
    for t in "$BUILD"/tests/test_app_*; do
        [ -x "$t" ] || continue
        n=$(basename "$t")
        "$t" > "$log/$n.log" 2>&1
        judge "$n" "$log/$n.log" $?
    done
elif [ "$MODE" = valgrind ]; then
    export STORM_EVENTS=${STORM_EVENTS:-1000}
    BIN=$BUILD/attnscope
    VG="valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --track-origins=yes"
    G=$BUILD/oracle/gpt2_f32
    L=$BUILD/oracle/llama/gqa_tied/model.bin
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/attnscope-valgrind.XXXXXX") || exit 1
    trap 'rm -rf "$TMP"' EXIT
    i=0
    # vg NAME ARGS...: the CLI under memcheck. Bad input must fail cleanly,
    # so only memcheck's own exit code (99) and its summary count here.
    vg() {
        name=$1; shift
        i=$((i + 1))
        $VG "$BIN" "$@" > "$log/cli-$i.out" 2> "$log/cli-$i.log" < /dev/null
        rc=$?
        [ "$rc" != 99 ] && rc=0
        judge "cli $name" "$log/cli-$i.log" $rc
    }
    vg "info gpt2" info --model "$G"
    vg "tokenize gpt2" tokenize --model "$G" --text "the cat é 中"
    vg "dump gpt2 --vectors" dump --model "$G" --text "the cat sat on the mat" --vectors \
        --scale temp:0.5 --mask window:3 --ablate 0.1
    vg "generate gpt2" generate --model "$G" --text "the" -n 4
    vg "export gpt2" export --model "$G" --text "the cat sat" --layer 0 --head 1 --out "$TMP/h.png"
    vg "export grid llama" export --model "$L" --text "the cat sat" --layer 0 --head 0 --grid \
        --out "$TMP/g.png"
    vg "dump llama" dump --model "$L" --text "once upon a time" --vectors
    vg "bad: missing model" info --model /nonexistent
    vg "bad: truncated" dump --model "$BUILD/oracle/bad/truncated" --text "a"
    vg "bad: invalid utf-8" dump --model "$G" --text "$(printf 'a\377b')"
    for n in test_app_ui test_app_storm; do
        t=$BUILD/tests/$n
        [ -x "$t" ] || { echo "FAIL $t is missing"; failed=$((failed + 1)); continue; }
        $VG "$t" > "$log/$n.log" 2>&1
        judge "$n" "$log/$n.log" $?
    done
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
