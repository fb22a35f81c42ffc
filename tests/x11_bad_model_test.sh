#!/bin/sh
# x11_bad_model_test.sh — `attnscope app --model /nonexistent` under a real X
# server (Xvfb): the window opens (it shows the error and a way out), the
# terminal gets exactly one stderr line naming the path, with a HINT, and
# closing the window ends the app without a crash (issue 8, §6).
# SKIPs like x11_keyboard_test.sh when the build predates issue 8.
. "$(dirname "$0")/x11_lib.sh"
x11_setup x11-bad-model
x11_feature_check
x11_start

BAD=/nonexistent/attnscope-model
cd "$TMP/cwd" || exit 1
"$BIN" app --fresh --model "$BAD" > "$TMP/out" 2> "$TMP/err" < /dev/null &
APP_PID=$!
wid=$(x11_window "$APP_PID")
if [ -z "$wid" ]; then
    if kill -0 "$APP_PID" 2>/dev/null; then
        fail "window" "no window within 30 s"
    else
        wait "$APP_PID"; rc=$?
        fail "window" "the app exited ($rc) instead of showing the error in its window; stderr: $(head -n 3 "$TMP/err" | tr '\n' '|')"
        APP_PID=""
    fi
    x11_finish
fi
pass "a window opens despite the bad model"
sleep 1.5 # the load fails and the message is drawn
kill -0 "$APP_PID" 2>/dev/null && pass "still running 1.5 s later (no crash)" ||
    fail "running" "the app ended on its own"
x11_close "$wid" || fail "close" "could not send WM_DELETE_WINDOW to window $wid"
if ! x11_wait "$APP_PID" 20; then
    fail "close" "the app is still running 20 s after its window was closed"
    x11_finish
fi
if [ "$APP_RC" -ge 128 ]; then
    fail "exit" "killed by signal $((APP_RC - 128))"
else
    pass "closing the window exits without a signal (exit $APP_RC)"
fi

lines=$(wc -l < "$TMP/err" | tr -d ' ')
[ -s "$TMP/err" ] && [ "$(tail -c 1 "$TMP/err" | od -An -c | tr -d ' ')" != '\n' ] && lines=$((lines + 1))
line=$(head -n 1 "$TMP/err")
if [ "$lines" -ne 1 ]; then
    fail "one stderr line" "stderr has $lines lines, want exactly 1: $(head -n 5 "$TMP/err" | tr '\n' '|')"
else
    pass "exactly one stderr line"
    printf '%s\n' "$line" | grep -qF -- "$BAD" && pass "the line names the path" ||
        fail "names the path" "$line"
    printf '%s\n' "$line" | grep -q 'HINT' && pass "the line has a HINT" ||
        fail "HINT" "$line"
fi
x11_finish
