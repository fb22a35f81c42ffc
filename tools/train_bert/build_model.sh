#!/bin/sh
# Rebuild models/pd-bert: a small BERT (4 layers x 4 heads x 128, the
# bert-base-uncased WordPiece vocabulary) trained with masked-language
# modelling on ../shared/corpus, end to end:
#
#   tools/train_bert/build_model.sh          (`make model-bert` calls it)
#   RESUME=1 tools/train_bert/build_model.sh (continue from work/ckpt.pt)
#   STEPS=4000 [STOP_AT=N] [MINUTES=M] tools/train_bert/build_model.sh
#
# Steps: tokenizer check against the reference cases, corpus -> ids, train
# (checkpoint every 500 steps; stops at STEPS, at STOP_AT or after MINUTES,
# whichever comes first), export the Hugging Face folder, verify it through attnscope against
# PyTorch, head roles, curves. About 70 minutes on one free core. Needs python3-torch
# and python3-numpy (make deps-model) and build/attnscope (make).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PY=${PY:-/usr/bin/python3}
T=tools/train_bert
WORK=${WORK:-$T/work}
OUT=${OUT:-models/pd-bert}
STEPS=${STEPS:-4000}
MINUTES=${MINUTES:-0}  # 0: no time cap, so a rebuild stops where the shipped run did
[ -x build/attnscope ] || { echo "build_model.sh: build/attnscope is missing; HINT: run make first" >&2; exit 1; }
echo "== 1/6 tokenizer check"
$PY $T/train_bert.py check
if [ -z "${RESUME:-}" ]; then
    rm -f "$WORK/ckpt.pt" "$WORK/log.jsonl"
    echo "== 2/6 prepare"
    $PY $T/train_bert.py prepare --work "$WORK"
fi
echo "== 3/6 train"
nice $PY $T/train_bert.py train --work "$WORK" --steps "$STEPS" --minutes "$MINUTES" --stop-at "${STOP_AT:-0}"
echo "== 4/6 export"
$PY $T/train_bert.py export --work "$WORK" --out "$OUT"
echo "== 5/6 verify through attnscope"
$PY $T/verify_export.py --work "$WORK" --out "$OUT"
echo "== 6/6 head roles"
$PY $T/bert_roles.py --model "$OUT" --work "$WORK" --json "$OUT/head_roles.json"
cp "$WORK/log.jsonl" "$OUT/train_log.jsonl"
$PY $T/curves.py --log "$WORK/log.jsonl" --out "$OUT/loss.png"
