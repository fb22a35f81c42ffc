#!/bin/sh
# llama_stories_test.sh — the real pretrained stories260K (llama2.c format,
# grouped-query attention) end to end through the CLI:
#   - `generate --text "" -n 40` (greedy from BOS, tokenizer tok512.bin found
#     beside the .bin) reproduces the published continuation;
#   - the same with --tokenizer given explicitly;
#   - `dump` of a sentence: BOS first, 5 x 8 attention maps of T x T whose
#     visible rows sum to 1, q/k/v vectors per query head (k/v shared by the
#     pairs of heads of one KV head), an ablated head changes the loss.
# Skips when ../shared (or $ATTNSCOPE_SHARED) lacks the model.
BUILD=${BUILD:-build}
BIN=${ATTNSCOPE_BIN:-$BUILD/attnscope}
SHARED=${ATTNSCOPE_SHARED:-../shared}
DIR=$SHARED/models/stories260K
MODEL=$DIR/stories260K.bin
EXPECT="Once upon a time, there was a little girl named Lily. She loved to play outside in the park."
TMP=${TMPDIR:-/tmp}/attnscope-stories.$$
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }

if [ ! -f "$MODEL" ]; then
    echo "SKIP: $MODEL absent; the stories260K end-to-end test needs ../shared"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
if [ ! -x "$BIN" ]; then
    echo "FAIL $BIN is missing; HINT: make all"
    echo "0 passed, 1 failed"
    exit 1
fi
mkdir -p "$TMP" || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM

# generate NAME ARGS...: greedy output must start with the published text.
generate() {
    name=$1; shift
    "$BIN" generate "$@" > "$TMP/gen" 2> "$TMP/err"
    rc=$?
    out=$(cat "$TMP/gen")
    case "$out" in
        "$EXPECT"*) [ "$rc" = 0 ] && pass "$name: $out" || fail "$name" "exit $rc";;
        *) fail "$name" "exit $rc, got '$out' $(head -n 2 "$TMP/err")";;
    esac
}
generate "generate from BOS, tok512.bin found beside" --model "$MODEL" --text "" -n 40
generate "generate with --tokenizer" --model "$MODEL" --tokenizer "$DIR/tok512.bin" --text "" -n 40

TEXT="Lily saw a big dog in the park."
if ! "$BIN" dump --model "$MODEL" --text "$TEXT" --vectors --out "$TMP/dump.json" 2> "$TMP/err"; then
    fail "dump" "$(head -n 2 "$TMP/err")"
elif ! "$BIN" dump --model "$MODEL" --text "$TEXT" --ablate 2.3 --out "$TMP/ablate.json" 2> "$TMP/err"; then
    fail "dump --ablate" "$(head -n 2 "$TMP/err")"
else
    /usr/bin/python3 - "$TMP/dump.json" "$TMP/ablate.json" "$TEXT" > "$TMP/py" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
a = json.load(open(sys.argv[2]))
text = sys.argv[3]
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
toks = d["tokens"]
T = len(toks)
check(toks[0]["id"] == 1, "dump: BOS (id 1) first")
check("".join(t["text"] for t in toks[1:]).lstrip(" ") == text, "dump: token texts rebuild the text")
check(d["n_layer"] == 5 and d["n_head"] == 8, "dump: 5 layers, 8 heads")
att = d["attention"]
check(len(att) == 5 and all(len(l) == 8 for l in att) and
      all(len(h) == T and all(len(r) == T for r in h) for l in att for h in l), "dump: attention is 5 x 8 x T x T")
sums = [sum(r) for l in att for h in l for r in h]
check(all(abs(s - 1) < 1e-4 for s in sums), "dump: attention rows sum to 1")
causal = all(att[l][h][i][j] == 0 for l in range(5) for h in range(8) for i in range(T) for j in range(i + 1, T))
check(causal, "dump: causal (no weight on future keys)")
q, k = d["q"], d["k"]
check(len(q) == 5 and len(q[0]) == 8 and len(q[0][0]) == T and len(q[0][0][0]) == 8, "dump: q is 5 x 8 x T x 8")
shared = all(k[l][2 * g] == k[l][2 * g + 1] for l in range(5) for g in range(4))
check(len(k[0]) == 8 and shared, "dump: k per query head; heads 2g, 2g+1 share KV head g")
check(abs(a["loss"] - d["loss"]) > 1e-6, "dump: ablating head 2.3 changes the loss (%.5f -> %.5f)" % (d["loss"], a["loss"]))
check(d["loss"] < 3.0, "dump: a TinyStories sentence has a low loss (%.3f nats)" % d["loss"])
EOF
    while IFS= read -r line; do
        case "$line" in
            "ok   "*) pass "${line#ok   }";;
            "FAIL "*) fail "${line#FAIL }" "see above";;
            *) echo "$line";;
        esac
    done < "$TMP/py"
    grep -q '^ok   ' "$TMP/py" || fail "dump checks" "python produced no result: $(head -n 3 "$TMP/py")"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
