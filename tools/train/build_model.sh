#!/bin/sh
# Rebuild a default model from the public-domain corpus, end to end:
# tokenizer, data, model, export, reference data and model-card evidence.
#
#   tools/train/build_model.sh            models/pd-llama (`make model` calls it)
#   MODEL=pd-gpt2 tools/train/build_model.sh   the previous default (`make model-gpt2`)
#   CORPUS=/path/to/corpus tools/train/build_model.sh
#   RESUME=1 tools/train/build_model.sh   continue training from WORK/ckpt.pt
#   POST=1 tools/train/build_model.sh     only the steps after training
#
# Every step is seeded, so the same corpus and the same library versions give
# the same tokenizer and data byte for byte; the weights match up to
# floating-point nondeterminism across CPUs/BLAS builds. Takes one to two
# hours on 2 cores (see tools/train/README.md). Needs the Debian packages
# python3-torch python3-numpy python3-regex python3-matplotlib, and
# build/attnscope for the last step (the role table is measured by the C engine).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
CORPUS=${CORPUS:-../shared/corpus}
MODEL=${MODEL:-pd-llama}
case "$MODEL" in
    pd-llama) ARCH=llama; WORK=tools/train/work-llama ;;
    pd-gpt2)  ARCH=gpt2;  WORK=tools/train/work ;;
    *) echo "build_model.sh: MODEL=$MODEL; HINT: MODEL is pd-llama or pd-gpt2" >&2; exit 1 ;;
esac
OUT=models/$MODEL
REF=tests/data/$(echo "$MODEL" | tr - _)_reference.json
# The Debian interpreter: its dist-packages hold torch/numpy/regex; a pyenv
# or venv python3 earlier on PATH would not see them.
PY=${PY:-/usr/bin/python3}
BIN=${ATTNSCOPE_BIN:-build/attnscope}

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
    if [ "$ARCH" = llama ]; then $PY tools/train/hf_tokenizer.py "$OUT"; fi
    echo "== 3/7 encode"
    $PY tools/train/prepare.py encode --work "$WORK" --tokenizer "$OUT"
    echo "== 4/7 train + export (one to two hours)"
    rm -f "$WORK/ckpt.pt"
    $PY tools/train/train.py --arch "$ARCH" --work "$WORK" --out "$OUT"
else
    echo "== 4/7 resume training + export"
    $PY tools/train/train.py --arch "$ARCH" --work "$WORK" --out "$OUT" --resume
fi
echo "== 5/7 loss and role curves, baselines"
$PY tools/train/report.py --work "$WORK" --model "$OUT"
cp "$WORK/train_log.csv" "$OUT/train_log.csv"
echo "== 6/7 C test reference data"
$PY tools/train/export_reference.py --model "$OUT" --work "$WORK" --out "$REF"
echo "== 7/7 head roles and samples"
$PY tools/train/samples.py --model "$OUT" > "$WORK/samples.md"
if [ "$ARCH" = llama ]; then
    [ -x "$BIN" ] || make -j2 "$BIN"
    # The role table and the targets, measured by the C engine (attnscope roles).
    $PY tools/train/measure_targets.py --bin "$BIN" --model "$OUT" --work "$WORK" \
        --markdown "$WORK/head_roles.md" --json "$OUT/targets.json" || true
    $PY tools/train/card_results.py --model "$OUT" --work "$WORK"
else
    $PY tools/train/head_roles.py --model "$OUT" --work "$WORK" --json "$OUT/head_roles.json" > "$WORK/head_roles.md"
fi
cat "$WORK/head_roles.md" "$WORK/samples.md"
echo "done: $OUT (model card text: $OUT/README.md is written by hand from $WORK/*.md)"
