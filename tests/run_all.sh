#!/bin/sh
# Runs the whole suite: builds the numpy oracle data, then every
# $BUILD/tests/test_* binary and every tests/*_test.sh script. Each prints its
# own "N passed, N failed"; this adds them up and prints the total last.
# A binary that crashes or exits non-zero without a count counts as 1 failed.
BUILD=${BUILD:-build}
export BUILD
export ATTNSCOPE_BIN="$BUILD/attnscope"
cd "$(dirname "$0")/.." || exit 1
total_pass=0
total_fail=0
total_skip=0
log="$BUILD/test-logs"
mkdir -p "$log"

run_one() {
    name=$1; shift
    out="$log/$name.log"
    "$@" > "$out" 2>&1
    rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
    if [ -z "$line" ]; then
        p=0; f=1; s=0
        echo "CRASH/NO COUNT $name (exit $rc); log: $out"; tail -5 "$out"
    else
        p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
        s=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p'); s=${s:-0}
        if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "nonzero exit $rc with no failure counted: $name"; fi
        [ "$f" != 0 ] && { grep -E '^FAIL' "$out" | head -20; }
        grep -E '^SKIP' "$out"
        printf '%-28s %s\n' "$name" "$line"
    fi
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
}

# Reference data from the numpy oracles (never committed: made here).
for gen in tests/oracle/*.py; do
    [ -f "$gen" ] || continue
    n=$(basename "$gen" .py)
    run_one "oracle:$n" /usr/bin/python3 "$gen" "$BUILD/oracle"
done

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done

for t in tests/*_test.sh; do
    [ -f "$t" ] || continue
    run_one "$(basename "$t" .sh)" sh "$t"
done

echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
