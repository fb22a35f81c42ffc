#!/bin/sh
# fuzz.sh TARGET... — runs each libFuzzer target (build/fuzz/TARGET_fuzzer)
# for $FUZZ_SECONDS (default 300) at nice 15, from the committed seeds
# tests/fuzz/corpus/TARGET/ plus what earlier runs found (build/fuzz/work/
# TARGET/, kept between runs, so fuzzing goes on where it stopped). Crash
# inputs land in build/fuzz/crashes/TARGET/; copy one into
# tests/fuzz/crashes/TARGET/ as a reproducer once it is fixed.
# Prints one line per target: execs, crashes; appends it to
# build/fuzz/history.tsv (the cumulative table in tests/fuzz/README.md is
# summed from it). Exits non-zero if any target crashed.
cd "$(dirname "$0")/.." || exit 1
S=${FUZZ_SECONDS:-300}
mkdir -p build/fuzz
hist=build/fuzz/history.tsv
[ -f "$hist" ] || printf 'date\ttarget\tseconds\texecs\tcrashes\n' > "$hist"
any=0
printf '%-12s %12s %8s\n' target execs crashes
for t in "$@"; do
    bin=build/fuzz/${t}_fuzzer
    work=build/fuzz/work/$t
    art=build/fuzz/crashes/$t
    mkdir -p "$work" "$art"
    before=$(ls "$art" | wc -l)
    nice -n 15 "$bin" -max_total_time="$S" -print_final_stats=1 -timeout=20 -rss_limit_mb=2560 \
        -artifact_prefix="$art/" "$work" "tests/fuzz/corpus/$t" > "build/fuzz/$t.log" 2>&1
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build/fuzz/$t.log" | tail -1)
    crashes=$(( $(ls "$art" | wc -l) - before ))
    [ "$crashes" -gt 0 ] && any=1
    printf '%-12s %12s %8s\n' "$t" "${execs:-0}" "$crashes"
    printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M)" "$t" "$S" "${execs:-0}" "$crashes" >> "$hist"
    [ "$crashes" -gt 0 ] && { echo "  crash inputs in $art/; log: build/fuzz/$t.log"; grep -m 3 -E 'ERROR|fuzz:|SUMMARY' "build/fuzz/$t.log" | sed 's/^/  /'; }
done
exit $any
