#!/bin/sh
# bench_keystroke_test.sh — `attnscope bench --keystroke` drives the app's
# worker headless (src/app/worker_bench.c): a text of N tokens, characters
# typed and erased at its end. Checks that it runs and reports both times
# with forward_ms still last, and that a text with no room to type in gets
# one error line naming the token count. No timing is asserted. Uses the
# oracle's gpt2_f32 (n_ctx 32). Prints "N passed, N failed".
BUILD=${BUILD:-build}
BIN=${ATTNSCOPE_BIN:-$BUILD/attnscope}
M=$BUILD/oracle/gpt2_f32
. "$(dirname "$0")/errline.sh"
errline_setup bench-keystroke "$M"

if "$BIN" bench --model "$M" --tokens 8 --keystroke > "$TMP/out" 2> "$TMP/err" < "$E"; then
    line=$(grep '^keystroke_attention_ms=' "$TMP/out")
    att=$(printf '%s\n' "$line" | sed -n 's/^keystroke_attention_ms=\([0-9.]*\) .*/\1/p')
    all=$(printf '%s\n' "$line" | sed -n 's/.* keystroke_predictions_ms=\([0-9.]*\) .*/\1/p')
    if [ -n "$att" ] && [ -n "$all" ] && awk -v a="$att" -v b="$all" 'BEGIN { exit !(a > 0 && b >= a) }'; then
        pass "keystroke times: attention $att ms, predictions $all ms"
    else
        fail "keystroke times" "want attention > 0 and predictions >= it: $(head -c 300 "$TMP/out")"
    fi
    case "$line" in *"20 keystrokes at 8 tokens"*) pass "20 keystrokes at 8 tokens" ;;
                    *) fail "keystroke count" "$line" ;; esac
    if tail -n 1 "$TMP/out" | grep -q '^forward_ms=[0-9.]*$'; then pass "forward_ms stays the last line"
    else fail "last line" "$(tail -n 1 "$TMP/out")"; fi
else
    fail "bench --keystroke" "exit $?: $(head -n 2 "$TMP/err")"
fi
# 31 of 32 tokens: no room for a character and its token
expect_error "bench --keystroke at the context" "31 tokens 1..30" "$E" bench --model "$M" --tokens 31 --keystroke

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
