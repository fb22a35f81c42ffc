# errline.sh — sourced by the shell tests that check the CLI's one-line error
# contract (bad_input_test.sh, cli_range_test.sh, harden_test.sh). Needs BIN
# and TMP set; keeps the counts in $passed and $failed.
#
# expect_error NAME PATTERN STDIN_FILE ARGS... runs $BIN ARGS (20 s at most)
# with stdin from STDIN_FILE; it passes when:
#   - the exit status is non-zero and below 124 (no hang, signal or abort);
#   - stderr is exactly one line, starting "attnscope: ", without a
#     stuttered prefix such as "text: text: ", and without raw control bytes;
#   - that line names every space-separated fixed string of PATTERN;
#   - that line contains "HINT".
passed=0
failed=0

# errline_setup NAME DIR: a scratch folder $TMP (removed on exit) with an
# empty file $E for stdin; fails the test at once if $BIN or DIR (the oracle
# data it needs) is missing.
errline_setup() {
    TMP=${TMPDIR:-/tmp}/attnscope-$1.$$
    mkdir -p "$TMP" || exit 1
    trap 'rm -rf "$TMP"' EXIT INT TERM
    E=$TMP/empty
    : > "$E"
    if [ ! -x "$BIN" ] || [ ! -d "$2" ]; then
        echo "FAIL $BIN or $2 is missing; HINT: make all, then /usr/bin/python3 tests/oracle/gpt2_oracle.py $BUILD/oracle"
        echo "0 passed, 1 failed"
        exit 1
    fi
}

# Output from the CLI is shown with bytes outside printable ASCII as '?', so
# the log stays text for run_all.sh's grep whatever the CLI wrote.
clean() { printf '%s\n' "$*" | LC_ALL=C tr -c '\11\12\40-\176' '?'; }
pass() { passed=$((passed + 1)); clean "ok   $1"; }
fail() { failed=$((failed + 1)); clean "FAIL $1: $2"; }

# names_all LINE WORD... : whether LINE contains every WORD (fixed strings).
names_all() {
    l=$1; shift
    for w in "$@"; do
        printf '%s\n' "$l" | grep -qF -- "$w" || return 1
    done
    return 0
}

# err_lines FILE: lines in FILE, counting a last line without a newline.
err_lines() {
    n=$(wc -l < "$1" | tr -d ' ')
    [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ] && n=$((n + 1))
    echo "$n"
}

expect_error() {
    name=$1; pattern=$2; input=$3; shift 3
    timeout -k 5 20 "$BIN" "$@" < "$input" > "$TMP/out" 2> "$TMP/err"
    rc=$?
    check_error_line "$name" "$pattern" "$rc" "$TMP/err"
}

# check_error_line NAME PATTERN EXIT_STATUS STDERR_FILE
check_error_line() {
    name=$1; pattern=$2; rc=$3; errf=$4
    lines=$(err_lines "$errf")
    line=$(head -n 1 "$errf")
    if [ "$rc" -eq 0 ]; then
        fail "$name" "exit status 0, want non-zero (stderr: $line)"
    elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        fail "$name" "hung: killed after 20 s"
    elif [ "$rc" -ge 124 ]; then
        fail "$name" "exit status $rc: killed by a signal (crash); stderr: $(head -n 3 "$errf")"
    elif [ "$lines" -ne 1 ]; then
        fail "$name" "stderr has $lines lines, want exactly 1: $(head -n 4 "$errf" | tr '\n' '|')"
    elif LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$errf"; then
        fail "$name" "stderr holds raw control bytes: $line"
    elif ! printf '%s\n' "$line" | grep -q '^attnscope: '; then
        fail "$name" "line does not start with 'attnscope: ': $line"
    elif printf '%s\n' "$line" | grep -q '\([A-Za-z_.][A-Za-z_.]*\): \1: '; then
        fail "$name" "line repeats its prefix: $line"
    elif ! names_all "$line" $pattern; then
        fail "$name" "line does not name all of '$pattern': $line"
    elif ! printf '%s\n' "$line" | grep -q 'HINT'; then
        fail "$name" "line has no HINT: $line"
    else
        pass "$name  ->  $line"
    fi
}
