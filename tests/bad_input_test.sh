#!/bin/sh
# bad_input_test.sh — every kind of bad model folder and bad text gets one
# clear line from the CLI, a non-zero exit, and no crash.
#
# Runs $ATTNSCOPE_BIN (default build/attnscope) on the corrupted checkpoints
# tests/oracle/gpt2_oracle.py writes into $BUILD/oracle/bad/ (run_all.sh runs
# the oracle first). One case per defect; a case passes when the CLI keeps
# the one-line error contract of tests/errline.sh and the line names the file
# or field at fault (fixed strings per case, space-separated, all required).
# A control run on the good checkpoint must succeed, so a CLI that fails on
# everything cannot pass. Prints "N passed, N failed".
BUILD=${BUILD:-build}
BIN=${ATTNSCOPE_BIN:-$BUILD/attnscope}
ORACLE=$BUILD/oracle
GOOD=$ORACLE/gpt2_f32
BAD=$ORACLE/bad
TMP=${TMPDIR:-/tmp}/attnscope-bad-input.$$
mkdir -p "$TMP" || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
. "$(dirname "$0")/errline.sh"

if [ ! -x "$BIN" ]; then
    echo "FAIL $BIN is missing; HINT: make all"
    echo "0 passed, 1 failed"
    exit 1
fi
if [ ! -d "$GOOD" ] || [ ! -d "$BAD" ]; then
    echo "FAIL $GOOD or $BAD is missing; HINT: /usr/bin/python3 tests/oracle/gpt2_oracle.py $ORACLE (make test does)"
    echo "0 passed, 1 failed"
    exit 1
fi
: > "$TMP/empty"
printf 'hello world' > "$TMP/hello"
printf 'ab\377cd' > "$TMP/bad_utf8"

# Control: the good checkpoint and good text work, so every failure below
# comes from the one defect.
if "$BIN" dump --model "$GOOD" --text 'hello world' > "$TMP/out" 2> "$TMP/err" && [ -s "$TMP/out" ]; then
    pass "control: good checkpoint and text"
else
    fail "control: good checkpoint and text" "exit $? stderr: $(head -n 2 "$TMP/err")"
fi
if "$BIN" dump --model "$GOOD" --text - < "$TMP/hello" > "$TMP/out" 2> "$TMP/err" && [ -s "$TMP/out" ]; then
    pass "control: good text on stdin"
else
    fail "control: good text on stdin" "stderr: $(head -n 2 "$TMP/err")"
fi

# Model folders: the pattern is the file or field the line must name.
expect_error "missing folder"            does_not_exist          "$TMP/empty" dump --model "$BAD/does_not_exist" --text hello
expect_error "missing config.json"       config.json             "$TMP/empty" dump --model "$BAD/no_config" --text hello
expect_error "missing model.safetensors" model.safetensors       "$TMP/empty" dump --model "$BAD/no_weights" --text hello
expect_error "missing vocab.json"        vocab.json              "$TMP/empty" dump --model "$BAD/no_vocab" --text hello
expect_error "config.json not JSON"      config.json             "$TMP/empty" dump --model "$BAD/config_not_json" --text hello
expect_error "config.json lacks n_head"  n_head                  "$TMP/empty" dump --model "$BAD/config_no_n_head" --text hello
expect_error "unknown model_type"        model_type              "$TMP/empty" dump --model "$BAD/config_model_type" --text hello
expect_error "n_embd not divisible by n_head" n_head            "$TMP/empty" dump --model "$BAD/config_head_split" --text hello
expect_error "n_layer not a number"      n_layer                 "$TMP/empty" dump --model "$BAD/config_n_layer_string" --text hello
expect_error "empty model.safetensors"   model.safetensors       "$TMP/empty" dump --model "$BAD/empty_weights" --text hello
expect_error "header not JSON"           model.safetensors       "$TMP/empty" dump --model "$BAD/header_not_json" --text hello
expect_error "missing tensor"            h.1.ln_2.bias           "$TMP/empty" dump --model "$BAD/missing_tensor" --text hello
expect_error "header length past EOF"    model.safetensors       "$TMP/empty" dump --model "$BAD/header_too_long" --text hello
expect_error "data_offsets out of range" "ln_f.bias data_offsets"               "$TMP/empty" dump --model "$BAD/offsets_out_of_range" --text hello
expect_error "data_offsets beyond 2^64"  "ln_f.bias data_offsets"               "$TMP/empty" dump --model "$BAD/offsets_huge" --text hello
expect_error "tensor name with a newline" model.safetensors     "$TMP/empty" dump --model "$BAD/name_newline" --text hello
expect_error "overlapping data_offsets"  ln_f.                   "$TMP/empty" dump --model "$BAD/offsets_overlap" --text hello
expect_error "wrong shape"               h.0.attn.c_attn.weight  "$TMP/empty" dump --model "$BAD/wrong_shape" --text hello
expect_error "wrong dtype (I32)"         wte.weight              "$TMP/empty" dump --model "$BAD/wrong_dtype" --text hello
expect_error "truncated model.safetensors" model.safetensors     "$TMP/empty" dump --model "$BAD/truncated" --text hello
expect_error "NaN in the weights"        h.1.mlp.c_fc.weight     "$TMP/empty" dump --model "$BAD/nan_weight" --text hello
expect_error "info on a truncated file"  model.safetensors       "$TMP/empty" info --model "$BAD/truncated"

# Text: errors name "text".
expect_error "empty text"                text                    "$TMP/empty" dump --model "$GOOD" --text ''
expect_error "empty text on stdin"       text                    "$TMP/empty" dump --model "$GOOD" --text -
expect_error "invalid UTF-8 text"        text                    "$TMP/bad_utf8" dump --model "$GOOD" --text -
expect_error "invalid UTF-8 (tokenize)"  text                    "$TMP/bad_utf8" tokenize --model "$GOOD" --text -
expect_error "unknown role (export)"     "role bogus"            "$TMP/empty" export --model "$GOOD" --text 'a b' --grid --role bogus --out "$TMP/r.png"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
