#!/bin/sh
# Rebuild models/pd-bert: a small BERT (4 layers x 4 heads x 128, our
# 8192-piece WordPiece vocabulary cut from bert-base-uncased's) trained with
# masked-language modelling on ../shared/corpus, end to end:
#
#   tools/train_bert/build_model.sh          (`make model-bert` calls it)
#   RESUME=1 tools/train_bert/build_model.sh (continue from work/ckpt.pt)
#   STEPS=14000 [STOP_AT=N] [MINUTES=M] tools/train_bert/build_model.sh
#
# Steps: tokenizer check against the reference cases, our vocabulary (piece
# counts of the corpus in bert-base-uncased's), corpus -> ids, train
# (evaluation and checkpoint every 250 steps; stops at STEPS, at STOP_AT or
# after MINUTES, whichever comes first), export the Hugging Face folder,
# verify it through attnscope against PyTorch, head roles, curves. About 75
# minutes on one core (0.3 s/step). Needs python3-torch and python3-numpy
# (make deps-model) and build/attnscope (make).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PY=${PY:-/usr/bin/python3}
T=tools/train_bert
WORK=${WORK:-$T/work}
OUT=${OUT:-models/pd-bert}
STEPS=${STEPS:-14000}
MINUTES=${MINUTES:-0}  # 0: no time cap, so a rebuild stops where the shipped run did
[ -x build/attnscope ] || { echo "build_model.sh: build/attnscope is missing; HINT: run make first" >&2; exit 1; }
echo "== 1/6 tokenizer check"
$PY $T/train_bert.py check
VOCAB="$WORK/vocab.txt"
if [ -z "${RESUME:-}" ]; then
    rm -f "$WORK/ckpt.pt" "$WORK/log.jsonl"
    echo "== 2/6 prepare: our 8192-piece vocabulary, then the corpus in it"
    $PY $T/train_bert.py prepare --work "$WORK/full"
    $PY $T/train_bert.py vocab --counts "$WORK/full/train.npy" --our-vocab "$VOCAB"
    $PY $T/train_bert.py prepare --work "$WORK" --vocab "$VOCAB"
fi
echo "== 3/6 train"
nice $PY $T/train_bert.py train --work "$WORK" --vocab "$VOCAB" --steps "$STEPS" --minutes "$MINUTES" --stop-at "${STOP_AT:-12500}"
echo "== 4/6 export"
$PY $T/train_bert.py export --work "$WORK" --vocab "$VOCAB" --out "$OUT"
echo "== 5/6 verify through attnscope"
$PY $T/verify_export.py --work "$WORK" --out "$OUT"
echo "== 6/6 head roles"
$PY $T/bert_roles.py --model "$OUT" --work "$WORK" --json "$OUT/head_roles.json"
cp "$WORK/log.jsonl" "$OUT/train_log.jsonl"
$PY $T/curves.py --log "$WORK/log.jsonl" --out "$OUT/loss.png"
