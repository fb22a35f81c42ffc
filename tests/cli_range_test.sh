#!/bin/sh
# cli_range_test.sh — the CLI checks what it is given (issue 8 §7): a layer,
# head, ablated head or masked key the model or text lacks, a flag that does
# not exist, and a flag the subcommand does not take, each get one line
# naming the flag and the valid range, with a non-zero exit, in every
# subcommand. Uses the oracle's gpt2_f32 (2 layers of 4 heads) and, when
# present, the shipped models/pd-gpt2 (6 layers of 6 heads). Control runs
# with in-range values must succeed, so a CLI that rejects everything fails.
# Prints "N passed, N failed".
BUILD=${BUILD:-build}
BIN=${ATTNSCOPE_BIN:-$BUILD/attnscope}
M=$BUILD/oracle/gpt2_f32
. "$(dirname "$0")/errline.sh"
errline_setup cli-range "$M"

# control: in-range values in every subcommand that takes them
control() {
    name=$1; shift
    if "$BIN" "$@" > "$TMP/out" 2> "$TMP/err" < "$E"; then pass "control: $name"
    else fail "control: $name" "exit $?: $(head -n 2 "$TMP/err")"; fi
}
control "dump, last layer/head ablated, last key masked" dump --model "$M" --text 'hi there' --ablate 1.3 --mask keys:4
control "export --layer 1 --head 3" export --model "$M" --text 'hi there' --layer 1 --head 3 --out "$TMP/ok.png"
control "bench --tokens 4 --mask keys:3" bench --model "$M" --tokens 4 --mask keys:3 --ablate 0.0
control "generate --ablate 1.3" generate --model "$M" --text 'hi' -n 2 --ablate 1.3

# ablations the model lacks, in every subcommand that runs the model
for cmd in dump export generate; do
    out=""
    [ $cmd = export ] && out="--out $TMP/x.png"
    expect_error "$cmd --ablate 2.0 (layer)" "--ablate 2.0 0 to 1 0 to 3" "$E" $cmd --model "$M" --text 'hi there' --ablate 2.0 $out
    expect_error "$cmd --ablate 0.4 (head)"  "--ablate 0.4 0 to 1 0 to 3" "$E" $cmd --model "$M" --text 'hi there' --ablate 0.0,0.4 $out
done
expect_error "bench --ablate 9.9" "--ablate 9.9 0 to 1 0 to 3" "$E" bench --model "$M" --tokens 4 --ablate 9.9
expect_error "app --ablate 5.0" "--ablate 5.0 0 to 1" "$E" app --model "$M" --ablate 5.0
expect_error "--ablate 64.0 (past any model)" "--ablate 64.0" "$E" dump --model "$M" --text hi --ablate 64.0

# masked keys past the text
expect_error "dump --mask keys:99" "--mask keys:99 0 to 4" "$E" dump --model "$M" --text 'hi there' --mask keys:99
expect_error "dump --mask keys:5 (one past)" "--mask keys:5 0 to 4" "$E" dump --model "$M" --text 'hi there' --mask keys:0,5
expect_error "export --mask keys:7" "--mask keys:7 0 to 4" "$E" export --model "$M" --text 'hi there' --mask keys:7 --out "$TMP/x.png"
expect_error "bench --mask keys:4 on 4 tokens" "--mask keys:4 0 to 3" "$E" bench --model "$M" --tokens 4 --mask keys:4
expect_error "--mask keys:5000 (past any context)" "--mask keys:5000" "$E" dump --model "$M" --text hi --mask keys:5000

# layers and heads
expect_error "export --layer 2" "--layer 2 0 to 1" "$E" export --model "$M" --text hi --layer 2 --out "$TMP/x.png"
expect_error "export --head 4" "--head 4 0 to 3" "$E" export --model "$M" --text hi --head 4 --out "$TMP/x.png"
expect_error "export --layer -1" "--layer -1 0 to 63" "$E" export --model "$M" --text hi --layer -1 --out "$TMP/x.png"
expect_error "dump --layer 9 (not a dump flag)" "--layer dump" "$E" dump --model "$M" --text hi --layer 9
expect_error "dump --head 0 (not a dump flag)" "--head dump" "$E" dump --model "$M" --text hi --head 0
expect_error "info --text (not an info flag)" "--text info" "$E" info --model "$M" --text hi
expect_error "tokenize --ablate (not a tokenize flag)" "--ablate tokenize" "$E" tokenize --model "$M" --text hi --ablate 0.0
expect_error "bench --tokens 0" "--tokens 0 1 to 4096" "$E" bench --model "$M" --tokens 0
expect_error "bench --tokens over the context" "--tokens" "$E" bench --model "$M" --tokens 4000
expect_error "generate -n -1" "-n -1 0 to 100000" "$E" generate --model "$M" --text hi -n -1

# unknown flags and commands, missing values
for cmd in app info tokenize dump generate bench export roles fill translate; do
    expect_error "$cmd --frobnicate" "--frobnicate" "$E" $cmd --model "$M" --frobnicate
done
expect_error "unknown command" "frob" "$E" frob --model "$M"
expect_error "--model without a value" "--model" "$E" dump --model
expect_error "--scale temp:0 (range)" "temp:0 0.01 100" "$E" dump --model "$M" --text hi --scale temp:0
expect_error "--scale temp:1e-38 (range)" "temp:1e-38 0.01 100" "$E" dump --model "$M" --text hi --scale temp:1e-38
expect_error "--scale temp:1e9 (range)" "temp:1e9 0.01 100" "$E" dump --model "$M" --text hi --scale temp:1e9
expect_error "--mask window:0" "window:0" "$E" dump --model "$M" --text hi --mask window:0

# flags of the subcommands main added: roles, fill, translate, --top, --beam,
# --kind, --role, the app's --session/--fresh/--export-dir
control "roles --ablate 1.3 --out" roles --model "$M" --text 'hi there' --ablate 1.3 --out "$TMP/roles.json"
control "export --grid --role induction" export --model "$M" --text 'hi there' --grid --role induction --out "$TMP/r.png"
expect_error "roles --ablate 2.0 (layer)" "--ablate 2.0 0 to 1 0 to 3" "$E" roles --model "$M" --text 'hi there' --ablate 2.0
expect_error "roles --mask keys:9" "--mask keys:9 0 to 4" "$E" roles --model "$M" --text 'hi there' --mask keys:9
expect_error "roles --layer (not a roles flag)" "--layer roles" "$E" roles --model "$M" --text hi --layer 0
expect_error "export --role bogus" "--role bogus induction" "$E" export --model "$M" --text hi --grid --role bogus --out "$TMP/x.png"
expect_error "dump --role (not a dump flag)" "--role dump" "$E" dump --model "$M" --text hi --role induction
expect_error "fill --top 0" "--top 0 1 to 16" "$E" fill --model "$M" --text hi --top 0
expect_error "dump --top 17" "--top 17 1 to 16" "$E" dump --model "$M" --text hi --top 17
expect_error "generate --top (not a generate flag)" "--top generate" "$E" generate --model "$M" --text hi --top 3
expect_error "fill on GPT-2 (no MLM head)" "fill masked-language" "$E" fill --model "$M" --text hi
expect_error "translate --beam 0" "--beam 0 1 to 16" "$E" translate --model "$M" --text hi --beam 0
expect_error "translate --beam 17" "--beam 17 1 to 16" "$E" translate --model "$M" --text hi --beam 17
expect_error "dump --kind sideways" "--kind sideways cross encoder decoder" "$E" dump --model "$M" --text hi --kind sideways
expect_error "dump --kind cross on GPT-2" "--kind Marian" "$E" dump --model "$M" --text hi --kind cross
expect_error "dump --beam 2 on GPT-2" "--beam Marian" "$E" dump --model "$M" --text hi --beam 2
expect_error "export -n 3 on GPT-2" "-n Marian" "$E" export --model "$M" --text hi -n 3 --out "$TMP/x.png"
expect_error "info --kind (not an info flag)" "--kind info" "$E" info --model "$M" --kind cross
expect_error "translate on GPT-2" "model_type marian" "$E" translate --model "$M" --text hi
expect_error "dump --session (an app flag)" "--session dump" "$E" dump --model "$M" --text hi --session s.json
expect_error "tokenize --fresh (an app flag)" "--fresh tokenize" "$E" tokenize --model "$M" --text hi --fresh
expect_error "export --export-dir (an app flag)" "--export-dir export" "$E" export --model "$M" --text hi --export-dir . --out "$TMP/x.png"
expect_error "app --session without a value" "--session" "$E" app --model "$M" --session

# BERT (tests/oracle/bert_oracle.py: 2 layers of 4 heads) and Marian
# (tests/oracle/marian_oracle.py: 2 + 2 layers of 2 heads)
B=$BUILD/oracle/bert_mlm
if [ -d "$B" ]; then
    control "fill --top 2 --ablate 1.3" fill --model "$B" --text 'the [MASK] sat' --top 2 --ablate 1.3
    expect_error "fill --ablate 2.0" "--ablate 2.0 0 to 1 0 to 3" "$E" fill --model "$B" --text 'the [MASK]' --ablate 2.0
    expect_error "fill --mask keys:40" "--mask keys:40" "$E" fill --model "$B" --text 'the [MASK]' --mask keys:40
    expect_error "generate on BERT" "bidirectional fill" "$E" generate --model "$B" --text 'the cat' -n 2
else
    echo "SKIP $B is absent (tests/oracle/bert_oracle.py)"
fi
MT=$BUILD/oracle/marian_f32
if [ -d "$MT" ]; then
    control "translate --beam 2 -n 3" translate --model "$MT" --text 'a b' --beam 2 -n 3
    expect_error "translate --ablate 2.0 (decoder layers)" "--ablate 2.0 cross 0 to 1 0 to 1" "$E" translate --model "$MT" --text 'a b' --ablate 2.0
    expect_error "dump --kind encoder --ablate 0.2" "--ablate 0.2 encoder 0 to 1" "$E" dump --model "$MT" --text 'a b' --kind encoder --ablate 0.2 -n 2
    expect_error "export --kind decoder --layer 2" "--layer 2 decoder 0 to 1" "$E" export --model "$MT" --text 'a b' --kind decoder --layer 2 --head 0 --out "$TMP/x.png"
    expect_error "export --kind cross --head 2" "--head 2 cross 0 to 1" "$E" export --model "$MT" --text 'a b' --kind cross --layer 0 --head 2 --out "$TMP/x.png"
    expect_error "dump --kind cross --mask keys:30" "--mask keys:30 source" "$E" dump --model "$MT" --text 'a b' --kind cross --mask keys:30 -n 2
else
    echo "SKIP $MT is absent (tests/oracle/marian_oracle.py)"
fi

# The shipped model: the exact cases of issue 8.
P=models/pd-gpt2
if [ -f "$P/model.safetensors" ]; then
    expect_error "pd-gpt2: dump --ablate 7.1" "--ablate 7.1 0 to 5" "$E" dump --model "$P" --text 'The cat' --ablate 7.1
    expect_error "pd-gpt2: dump --mask keys:99 on 2 tokens" "--mask keys:99 0 to 1" "$E" dump --model "$P" --text 'The cat' --mask keys:99
    expect_error "pd-gpt2: dump --layer 9" "--layer dump" "$E" dump --model "$P" --text 'The cat' --layer 9
    expect_error "pd-gpt2: export --layer 9" "--layer 9 0 to 5" "$E" export --model "$P" --text 'The cat' --layer 9 --out "$TMP/x.png"
else
    echo "SKIP models/pd-gpt2 is absent"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
