#!/bin/sh
# bert_cli_test.sh — the CLI on BERT folders: fill, dump (token_type, mask
# none by default), export, sentence pairs, truncation to
# max_position_embeddings, and bad input (missing/empty vocab.txt, vocab
# without [CLS]/[MASK], wrong shapes, an unknown hidden_act, a pair on a
# type_vocab_size 1 model, fill without [MASK] or without an MLM head,
# generate on an encoder). A bad-input case passes on a non-zero exit below
# 128 and exactly one stderr line "attnscope: ..." holding the expected
# words and a HINT. Uses the folders tests/oracle/bert_oracle.py writes.
BUILD=${BUILD:-build}
BIN=${ATTNSCOPE_BIN:-$BUILD/attnscope}
O=$BUILD/oracle
MLM=$O/bert_mlm
TMP=${TMPDIR:-/tmp}/attnscope-bert-cli.$$
mkdir -p "$TMP" || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
np=0
nf=0
ok() { np=$((np + 1)); echo "ok   $1"; }
bad() { nf=$((nf + 1)); echo "FAIL $1: $2" | LC_ALL=C tr -c '\11\12\40-\176' '?'; }

if [ ! -d "$MLM" ]; then
    echo "FAIL: $MLM is missing; run /usr/bin/python3 tests/oracle/bert_oracle.py $O"
    echo "0 passed, 1 failed"
    exit 1
fi

# refuse NAME WORDS ARGS... : one-line error naming every word in WORDS.
refuse() {
    name=$1; words=$2; shift 2
    "$BIN" "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
    rc=$?
    n=$(grep -c '' "$TMP/err")
    line=$(head -n 1 "$TMP/err")
    if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ]; then bad "$name" "exit $rc: $line"; return; fi
    if [ "$n" -ne 1 ]; then bad "$name" "$n stderr lines: $(tr '\n' '|' < "$TMP/err")"; return; fi
    case "$line" in "attnscope: "*HINT*) ;; *) bad "$name" "not 'attnscope: ... HINT': $line"; return ;; esac
    for w in $words; do
        printf '%s\n' "$line" | grep -qF -- "$w" || { bad "$name" "does not name '$w': $line"; return; }
    done
    ok "$name"
}

# succeed NAME WANT ARGS... : exit 0 and stdout holds WANT.
succeed() {
    name=$1; want=$2; shift 2
    "$BIN" "$@" > "$TMP/out" 2> "$TMP/err"
    rc=$?
    if [ "$rc" -ne 0 ]; then bad "$name" "exit $rc: $(head -n 2 "$TMP/err")"; return; fi
    grep -qF -- "$want" "$TMP/out" || { bad "$name" "stdout lacks '$want': $(head -c 300 "$TMP/out")"; return; }
    ok "$name"
}

succeed "info"                 "architecture: bert"  info --model "$MLM"
succeed "fill"                 "[MASK] at token 2"   fill --model "$MLM" --text "The [MASK] sat on the mat."
succeed "fill two masks"       "[MASK] at token 6"   fill --model "$MLM" --text "The [MASK] sat on the [MASK]."
succeed "fill --top 3"         "   3. "              fill --model "$MLM" --text "[MASK]" --top 3
"$BIN" fill --model "$MLM" --text "[MASK]" --top 3 > "$TMP/out"
[ "$(grep -c '^ *[0-9]*\. ' "$TMP/out")" = 3 ] && ok "fill --top 3 prints 3" || bad "fill --top 3 prints 3" "$(cat "$TMP/out")"
succeed "dump token_type"      '"text":"sat","token_type":1' dump --model "$MLM" --text "the cat ||| sat on"
succeed "dump default mask"    '"options":"scale=sqrt mask=none"' dump --model "$MLM" --text "the cat"
succeed "dump keys on none"    'mask=none masked_keys=1' dump --model "$MLM" --text "the cat" --mask keys:1
succeed "dump causal asked"    'mask=causal'        dump --model "$MLM" --text "the cat" --mask causal
succeed "tokenize pair"        '"token_type":1'     tokenize --model "$MLM" --text "a ||| b"
succeed "BertModel dump"       '"arch":"bert"'      dump --model "$O/bert_base" --text "the cat sat"
succeed "gamma/beta F16 dump"  '"arch":"bert"'      dump --model "$O/bert_gamma" --text "the cat sat"
# bert_gamma's tokenizer is its tokenizer.json (same vocabulary as bert_mlm's vocab.txt)
"$BIN" tokenize --model "$MLM" --text "Unaffable CAT ||| [MASK]s!" > "$TMP/a" 2>&1
"$BIN" tokenize --model "$O/bert_gamma" --text "Unaffable CAT ||| [MASK]s!" > "$TMP/b" 2>&1
if cmp -s "$TMP/a" "$TMP/b" && grep -q '"text":"##aff"' "$TMP/a"; then ok "tokenizer.json = vocab.txt"; else bad "tokenizer.json = vocab.txt" "$(cat "$TMP/a" "$TMP/b")"; fi
rm -f "$TMP/h.png"
if "$BIN" export --model "$MLM" --text "the cat ||| sat on" --layer 1 --head 3 --out "$TMP/h.png" 2>/dev/null &&
   [ "$(head -c 8 "$TMP/h.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then
    ok "export PNG"
else
    bad "export PNG" "no PNG written"
fi

# longer than max_position_embeddings (16): warn once, keep [CLS] .. [SEP]
long="the cat sat on the mat and the dog ran and it was happy and the cat was big and it ran"
"$BIN" dump --model "$MLM" --text "$long" > "$TMP/out" 2> "$TMP/err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(grep -c '' "$TMP/err")" = 1 ] && grep -q "max_position_embeddings 16" "$TMP/err" &&
   grep -q '"truncated":true' "$TMP/out" &&
   [ "$(grep -o '"id":[0-9]*,"text":"[^"]*","token_type"' "$TMP/out" | wc -l)" = 16 ] &&
   grep -q '"id":3,"text":"\[SEP\]","token_type":0}\]' "$TMP/out"; then
    ok "truncated to 16 with [SEP] last"
else
    bad "truncated to 16 with [SEP] last" "rc $rc: $(cat "$TMP/err") $(head -c 300 "$TMP/out")"
fi

refuse "vocab.txt missing"    "vocab.txt cannot"            dump --model "$O/bad_bert/no_vocab" --text hi
refuse "vocab.txt empty"      "vocab.txt empty"             dump --model "$O/bad_bert/empty_vocab" --text hi
refuse "vocab without [MASK]" "vocab.txt [MASK]"            dump --model "$O/bad_bert/no_mask" --text hi
refuse "vocab without [CLS]"  "vocab.txt [CLS]"             dump --model "$O/bad_bert/no_cls" --text hi
refuse "wrong shape"          "intermediate.dense.weight"   dump --model "$O/bad_bert/wrong_shape" --text hi
refuse "unknown hidden_act"   "config.json hidden_act"      dump --model "$O/bad_bert/bad_act" --text hi
refuse "pair, 1 token type"   "type_vocab_size |||"         dump --model "$O/bert_base" --text "a cat ||| a dog"
refuse "fill without [MASK]"  "[MASK]"                      fill --model "$MLM" --text "the cat sat"
refuse "fill on a BertModel"  "bert_base MLM"               fill --model "$O/bert_base" --text "the [MASK]"
refuse "fill on GPT-2"        "gpt2_f32 [MASK]"             fill --model "$O/gpt2_f32" --text "the [MASK]"
refuse "generate on BERT"     "fill"                        generate --model "$MLM" --text "the cat"
refuse "fill --top 0"         "--top"                       fill --model "$MLM" --text "[MASK]" --top 0
printf 'the c\377at [MASK]' > "$TMP/bad.txt"
"$BIN" fill --model "$MLM" --text - < "$TMP/bad.txt" > /dev/null 2> "$TMP/err"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && grep -q "invalid UTF-8 at byte offset 5" "$TMP/err"; then
    ok "invalid UTF-8 text"
else
    bad "invalid UTF-8 text" "rc $rc: $(cat "$TMP/err")"
fi

echo "$np passed, $nf failed"
[ "$nf" = 0 ]
