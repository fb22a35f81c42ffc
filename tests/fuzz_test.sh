#!/bin/sh
# fuzz_test.sh — the fuzzers as a regression test: every libFuzzer target
# (build/fuzz/*_fuzzer, `make fuzz-build`) first replays its crash
# reproducers (tests/fuzz/crashes/TARGET/*, each once), then fuzzes for
# $FUZZ_TEST_SECONDS (default 20) from a scratch copy of its committed seeds
# (tests/fuzz/corpus/TARGET/). One pass or fail per reproducer and per
# target run. Skips, saying so, when clang could not be installed.
# Prints "N passed, N failed[, N skipped]".
cd "$(dirname "$0")/.." || exit 1
S=${FUZZ_TEST_SECONDS:-20}
passed=0
failed=0
skipped=0
TMP=${TMPDIR:-/tmp}/attnscope-fuzz-test.$$
trap 'rm -rf "$TMP"' EXIT INT TERM
targets=$(ls tests/fuzz/*_fuzzer.c | sed 's|tests/fuzz/||; s|_fuzzer.c||')
if ! command -v clang > /dev/null 2>&1; then
    echo "SKIP clang is not installed (make deps-fuzz installs it): no fuzzing"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
for t in $targets; do
    bin=build/fuzz/${t}_fuzzer
    if [ ! -x "$bin" ] || [ "tests/fuzz/${t}_fuzzer.c" -nt "$bin" ]; then
        make --no-print-directory "$bin" > "$TMP.build" 2>&1 || true
    fi
    if [ ! -x "$bin" ]; then
        failed=$((failed + 1)); echo "FAIL $t: $bin does not build: $(tail -n 3 "$TMP.build" 2>/dev/null)"
        continue
    fi
    for r in tests/fuzz/crashes/$t/*; do
        [ -f "$r" ] || continue
        if "$bin" "$r" > "$TMP.log" 2>&1; then passed=$((passed + 1)); echo "ok   $t reproducer $(basename "$r")"
        else failed=$((failed + 1)); echo "FAIL $t reproducer $r: $(grep -m 2 -E 'ERROR|fuzz:' "$TMP.log")"; fi
    done
    mkdir -p "$TMP/$t" "$TMP/art-$t"
    cp tests/fuzz/corpus/$t/* "$TMP/$t/"
    if nice -n 15 "$bin" -max_total_time="$S" -print_final_stats=1 -timeout=20 -rss_limit_mb=2560 \
           -artifact_prefix="$TMP/art-$t/" "$TMP/$t" > "$TMP.log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$TMP.log" | tail -1)
        passed=$((passed + 1)); echo "ok   $t: ${S} s, $execs execs, no crash"
    else
        mkdir -p build/fuzz/crashes/$t
        cp "$TMP/art-$t/"* build/fuzz/crashes/$t/ 2>/dev/null
        failed=$((failed + 1)); echo "FAIL $t: crashed (input kept in build/fuzz/crashes/$t/): $(grep -m 3 -E 'ERROR|fuzz:|SUMMARY' "$TMP.log" | tr '\n' ' ')"
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
