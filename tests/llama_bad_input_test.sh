#!/bin/sh
# llama_bad_input_test.sh — damaged Llama checkpoints and tokenizers get one
# clear line from the CLI, a non-zero exit, and no crash.
#
# Makes defective copies of the oracle's small llama2.c checkpoint
# ($BUILD/oracle/llama/gqa_tied: dim 32, hidden 48, 2 layers, 4 heads, 2 KV
# heads, vocab 331, seq_len 24; run_all.sh runs tests/oracle/llama_oracle.py
# first) and of its Hugging Face twin. A case passes when:
#   - the exit status is non-zero and below 128 (no signal, no abort);
#   - stderr is exactly one line, starting "attnscope: ";
#   - that line contains a fixed string naming the file or field at fault;
#   - that line contains "HINT".
# Each defect is tried with both `info` and `dump`. Control runs on the good
# files must succeed, so a CLI that fails on everything cannot pass.
BUILD=${BUILD:-build}
BIN=${ATTNSCOPE_BIN:-$BUILD/attnscope}
GOOD=$BUILD/oracle/llama/gqa_tied
TMP=${TMPDIR:-/tmp}/attnscope-llama-bad.$$
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }

if [ ! -x "$BIN" ]; then
    echo "FAIL $BIN is missing; HINT: make all"
    echo "0 passed, 1 failed"
    exit 1
fi
if [ ! -f "$GOOD/model.bin" ] || [ ! -d "$GOOD/hf" ]; then
    echo "FAIL $GOOD missing; HINT: /usr/bin/python3 tests/oracle/llama_oracle.py $BUILD/oracle"
    echo "0 passed, 1 failed"
    exit 1
fi
mkdir -p "$TMP" || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM

# expect_error NAME PATTERN ARGS...: the one-line error contract.
expect_error() {
    name=$1; pattern=$2; shift 2
    "$BIN" "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
    rc=$?
    lines=$(wc -l < "$TMP/err" | tr -d ' ')
    [ -s "$TMP/err" ] && [ "$(tail -c 1 "$TMP/err" | od -An -c | tr -d ' ')" != '\n' ] && lines=$((lines + 1))
    line=$(head -n 1 "$TMP/err")
    if [ "$rc" -eq 0 ]; then
        fail "$name" "exit status 0, want non-zero"
    elif [ "$rc" -ge 128 ]; then
        fail "$name" "exit status $rc: killed by a signal; stderr: $(head -n 3 "$TMP/err")"
    elif [ "$lines" -ne 1 ]; then
        fail "$name" "stderr has $lines lines, want 1: $(head -n 4 "$TMP/err" | tr '\n' '|')"
    elif ! printf '%s\n' "$line" | grep -q '^attnscope: '; then
        fail "$name" "line does not start with 'attnscope: ': $line"
    elif ! printf '%s\n' "$line" | grep -qF -- "$pattern"; then
        fail "$name" "line does not name '$pattern': $line"
    elif ! printf '%s\n' "$line" | grep -q 'HINT'; then
        fail "$name" "line has no HINT: $line"
    else
        pass "$name  ->  $line"
    fi
}

expect_ok() {
    name=$1; shift
    if "$BIN" "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null; then
        pass "$name"
    else
        fail "$name" "$(head -n 2 "$TMP/err")"
    fi
}

# Both commands that load a model.
both() {
    what=$1; want=$2; model=$3; shift 3
    expect_error "info: $what" "$want" info --model "$model" "$@"
    expect_error "dump: $what" "$want" dump --model "$model" --text "the cat" "$@"
}

# --- llama2.c .bin -----------------------------------------------------------
# Defective copies, each in its own folder with the good tokenizer beside it.
/usr/bin/python3 - "$GOOD" "$TMP" <<'EOF' || { echo "FAIL making bad files"; echo "0 passed, 1 failed"; exit 1; }
import os, shutil, struct, sys
good, tmp = sys.argv[1], sys.argv[2]
data = open(os.path.join(good, "model.bin"), "rb").read()
tok = open(os.path.join(good, "tokenizer.bin"), "rb").read()
hdr = list(struct.unpack_from("<7i", data, 0))

def case(name, body, tokenizer=tok):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    open(os.path.join(d, "model.bin"), "wb").write(body)
    if tokenizer is not None:
        open(os.path.join(d, "tokenizer.bin"), "wb").write(tokenizer)

def header(i, v):
    h = list(hdr)
    h[i] = v
    return struct.pack("<7i", *h) + data[28:]

case("dim_negative", header(0, -32))
case("dim_zero", header(0, 0))
case("layers_huge", header(2, 100000))
case("heads_not_dividing", header(3, 5))
case("kv_not_dividing", header(4, 3))
case("vocab_zero", header(5, 0))
case("vocab_huge", header(5, 1 << 30))
case("seq_negative", header(6, -1))
case("hidden_bigger", header(1, 64))                  # consistent fields, wrong size
case("truncated", data[:len(data) - 1000])
case("trailing", data + b"\0" * 64)
case("unshared_flag", header(5, -hdr[5]))             # claims a wcls that is not there
case("tiny", data[:10])
case("empty", b"")
case("magic_v1", struct.pack("<Ii", 0x616b3432, 1) + data[8:])
nan = bytearray(data)
dim, n_layers, vocab = hdr[0], hdr[2], hdr[5]
at = 28 + 4 * (vocab * dim + n_layers * dim + dim * dim + 5)   # wq, layer 1
nan[at:at + 4] = struct.pack("<f", float("nan"))
case("nan", bytes(nan))
case("no_tokenizer", data, tokenizer=None)
case("tok_truncated", data, tokenizer=tok[:len(tok) - 50])
case("tok_header_only", data, tokenizer=tok[:4])
case("tok_absurd_len", data, tokenizer=tok[:8] + struct.pack("<i", 1 << 30) + tok[12:])
case("tok_absurd_max", data, tokenizer=struct.pack("<i", -7) + tok[4:])
case("tok_extra", data, tokenizer=tok + tok[4:40])
EOF

B=$TMP
both "dim negative" "dim" "$B/dim_negative/model.bin"
both "dim zero" "dim" "$B/dim_zero/model.bin"
both "n_layers huge" "n_layers" "$B/layers_huge/model.bin"
both "n_heads does not divide dim" "n_heads" "$B/heads_not_dividing/model.bin"
both "n_kv_heads does not divide n_heads" "n_kv_heads" "$B/kv_not_dividing/model.bin"
both "vocab_size zero" "vocab_size" "$B/vocab_zero/model.bin"
both "vocab_size huge" "vocab_size" "$B/vocab_huge/model.bin"
both "seq_len negative" "seq_len" "$B/seq_negative/model.bin"
both "hidden_dim does not match the size" "truncated" "$B/hidden_bigger/model.bin"
both "truncated .bin" "truncated" "$B/truncated/model.bin"
both "trailing bytes" "implies exactly" "$B/trailing/model.bin"
both "negative vocab without wcls" "truncated" "$B/unshared_flag/model.bin"
both "shorter than the header" "28-byte" "$B/tiny/model.bin"
both "empty file" "28-byte" "$B/empty/model.bin"
both "llama2.c version 1 export" "version 0" "$B/magic_v1/model.bin"
both "NaN in wq" "wq (layer 1) holds NaN" "$B/nan/model.bin"
both "no tokenizer beside" "--tokenizer" "$B/no_tokenizer/model.bin"
both "truncated tokenizer.bin" "$B/tok_truncated/tokenizer.bin" "$B/tok_truncated/model.bin"
both "tokenizer.bin header only" "$B/tok_header_only/tokenizer.bin" "$B/tok_header_only/model.bin"
both "tokenizer token length absurd" "length" "$B/tok_absurd_len/model.bin"
both "tokenizer max_token_length absurd" "max_token_length" "$B/tok_absurd_max/model.bin"
both "tokenizer with extra tokens" "another model" "$B/tok_extra/model.bin"
both "--tokenizer missing" "$B/nowhere.bin" "$GOOD/model.bin" --tokenizer "$B/nowhere.bin"
SHARED=${ATTNSCOPE_SHARED:-../shared}
if [ -f "$SHARED/models/stories260K/tok512.bin" ]; then
    both "--tokenizer of another model" "another model" "$GOOD/model.bin" --tokenizer "$SHARED/models/stories260K/tok512.bin"
fi
expect_ok "control: info on the good .bin" info --model "$GOOD/model.bin"
expect_ok "control: dump on the good .bin" dump --model "$GOOD/model.bin" --text "the cat"

# --- Hugging Face folder ---------------------------------------------------------
/usr/bin/python3 - "$GOOD/hf" "$TMP" <<'EOF' || { echo "FAIL making bad folders"; echo "0 passed, 1 failed"; exit 1; }
import json, os, shutil, sys
good, tmp = sys.argv[1], sys.argv[2]
base = json.load(open(os.path.join(good, "config.json")))

def folder(name, edit=None, drop=None):
    d = os.path.join(tmp, "hf_" + name)
    shutil.copytree(good, d)
    cfg = dict(base)
    if edit:
        edit(cfg)
        json.dump(cfg, open(os.path.join(d, "config.json"), "w"))
    if drop:
        os.remove(os.path.join(d, drop))

folder("no_hidden_size", lambda c: c.pop("hidden_size"))
folder("kv_not_dividing", lambda c: c.update(num_key_value_heads=3))
folder("kv_wrong", lambda c: c.update(num_key_value_heads=4))     # k_proj shape mismatch
folder("untied", lambda c: c.update(tie_word_embeddings=False))   # lm_head.weight absent
folder("rope_scaling", lambda c: c.update(rope_scaling={"type": "linear", "factor": 2.0}))
folder("act", lambda c: c.update(hidden_act="gelu"))
folder("eps_negative", lambda c: c.update(rms_norm_eps=-1))
folder("no_weights", drop="model.safetensors")
folder("no_tokenizer", drop="tokenizer.json")
EOF
both "HF: config without hidden_size" "hidden_size" "$B/hf_no_hidden_size"
both "HF: num_key_value_heads does not divide" "num_key_value_heads" "$B/hf_kv_not_dividing"
both "HF: k_proj shape differs from config" "k_proj" "$B/hf_kv_wrong"
both "HF: untied without lm_head" "lm_head.weight" "$B/hf_untied"
both "HF: rope_scaling" "rope_scaling" "$B/hf_rope_scaling"
both "HF: hidden_act gelu" "hidden_act" "$B/hf_act"
both "HF: rms_norm_eps negative" "rms_norm_eps" "$B/hf_eps_negative"
both "HF: model.safetensors missing" "model.safetensors" "$B/hf_no_weights"
both "HF: no tokenizer" "tokenizer" "$B/hf_no_tokenizer"
expect_ok "control: info on the good HF folder" info --model "$GOOD/hf"
expect_ok "control: dump on the good HF folder" dump --model "$GOOD/hf" --text "the cat"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
