#!/bin/sh
# Rebuild models/pd-gpt2 from the public-domain corpus, end to end:
# tokenizer, data, model, export, reference data and model-card evidence.
#
#   tools/train/build_model.sh            (run from anywhere; `make model` calls it)
#   CORPUS=/path/to/corpus tools/train/build_model.sh
#   RESUME=1 tools/train/build_model.sh   (continue training from tools/train/work/ckpt.pt)
#   POST=1 tools/train/build_model.sh     (only steps 5-7, after a finished training run)
#
# Every step is seeded, so the same corpus and the same library versions give
# the same tokenizer and data byte for byte; the weights match up to
# floating-point nondeterminism across CPUs/BLAS builds. Takes about an hour
# on 2 cores (see tools/train/README.md). Needs the Debian packages
# python3-torch python3-numpy python3-regex python3-matplotlib.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
CORPUS=${CORPUS:-../shared/corpus}
WORK=tools/train/work
OUT=models/pd-gpt2
# The Debian interpreter: its dist-packages hold torch/numpy/regex; a pyenv
# or venv python3 earlier on PATH would not see them.
PY=${PY:-/usr/bin/python3}

if [ ! -f "$CORPUS/austen_emma.txt" ]; then
    echo "build_model.sh: corpus not found at $CORPUS; HINT: set CORPUS=/path/to/shared/corpus" >&2
    exit 1
fi
mkdir -p "$WORK" "$OUT"

if [ -n "${POST:-}" ]; then
    echo "== 1-4/7 skipped (POST=1)"
elif [ -z "${RESUME:-}" ]; then
    echo "== 1/7 data mix (text)"
    rm -rf "$WORK/text"
    $PY tools/train/prepare.py text --corpus "$CORPUS" --work "$WORK"
    echo "== 2/7 tokenizer"
    $PY tools/bpe/train_bpe.py --vocab-size 6000 --out "$OUT" --input "$WORK"/text/*.train.txt
    echo "== 3/7 encode"
    $PY tools/train/prepare.py encode --work "$WORK" --tokenizer "$OUT"
    echo "== 4/7 train + export (about an hour)"
    rm -f "$WORK/ckpt.pt"
    $PY tools/train/train.py --work "$WORK" --out "$OUT"
else
    echo "== 4/7 resume training + export"
    $PY tools/train/train.py --work "$WORK" --out "$OUT" --resume
fi
echo "== 5/7 loss curve and baselines"
$PY tools/train/report.py --work "$WORK" --model "$OUT"
cp "$WORK/train_log.csv" "$OUT/train_log.csv"
echo "== 6/7 C test reference data"
$PY tools/train/export_reference.py --model "$OUT" --work "$WORK" --out tests/data/pd_gpt2_reference.json
echo "== 7/7 head roles and samples"
$PY tools/train/head_roles.py --model "$OUT" --work "$WORK" --json "$OUT/head_roles.json" > "$WORK/head_roles.md"
$PY tools/train/samples.py --model "$OUT" > "$WORK/samples.md"
cat "$WORK/head_roles.md" "$WORK/samples.md"
echo "done: $OUT (model card text: $OUT/README.md is written by hand from $WORK/*.md)"
