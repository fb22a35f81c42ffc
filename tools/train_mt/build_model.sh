#!/bin/sh
# Rebuild the Spanish->English Marian model (models/bible-es-en) from
# ../shared/corpus/parallel/bible_en_es.tsv: split (Ruth and Philemon held
# out), shared SentencePiece vocabulary, training with checkpoints, export,
# held-out evaluation through attnscope.
#
#   tools/train_mt/build_model.sh            (`make model-translate` calls it)
#   RESUME=1 tools/train_mt/build_model.sh   continue from tools/train_mt/work/ckpt.pt
#   SMOKE=1 tools/train_mt/build_model.sh    a few steps of a tiny model into
#                                            tools/train_mt/work/smoke-model: checks
#                                            the pipeline end to end in about a minute
#   STEPS=N, CORPUS=DIR, PY=python override the defaults.
# Fixed seeds throughout (see tools/train_mt/README.md).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
CORPUS=${CORPUS:-../shared/corpus}
WORK=tools/train_mt/work
OUT=models/bible-es-en
PY=${PY:-/usr/bin/python3}
STEPS=${STEPS:-2000}
TRAIN_ARGS=""
if [ -n "${SMOKE:-}" ]; then
    OUT=$WORK/smoke-model
    STEPS=${STEPS_SMOKE:-6}
    TRAIN_ARGS="--d-model 32 --layers 1 --heads 2 --ffn 64 --batch-tokens 800 --ckpt-every 3 --eval-every 3 --dtype F32"
fi
if [ ! -f "$CORPUS/parallel/bible_en_es.tsv" ]; then
    echo "build_model.sh: $CORPUS/parallel/bible_en_es.tsv not found; HINT: set CORPUS=/path/to/shared/corpus" >&2
    exit 1
fi
mkdir -p "$WORK" "$OUT"
if [ -z "${RESUME:-}" ]; then
    echo "== 1/3 split + SentencePiece + encode"
    $PY tools/train_mt/prepare.py --corpus "$CORPUS" --work "$WORK" --out "$OUT" \
        $( [ -n "${SMOKE:-}" ] && echo --vocab-size 1000 )
    rm -f "$WORK/ckpt.pt"
fi
echo "== 2/3 train ($STEPS steps) + export"
$PY tools/train_mt/train.py --work "$WORK" --out "$OUT" --steps "$STEPS" $TRAIN_ARGS ${RESUME:+--resume}
echo "== 3/3 held-out evaluation through attnscope"
make --no-print-directory all >/dev/null
$PY tools/train_mt/check_export.py --work "$WORK" --model "$OUT" --n 5
$PY tools/train_mt/evaluate.py --model "$OUT" --test "$WORK/test.tsv" --json "$WORK/eval.json" \
    $( [ -n "${SMOKE:-}" ] && echo --limit 5 )
[ -n "${SMOKE:-}" ] || { $PY tools/train_mt/curves.py --log "$WORK/train_log.csv" --out "$OUT/loss.png"; cp "$WORK/train_log.csv" "$WORK/eval.json" "$OUT/"; }
