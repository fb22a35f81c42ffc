#!/bin/sh
# `make bench`: attnscope against PyTorch on the same GPT-2-small-shaped
# random checkpoint, side by side, then the app's own timings.
set -e
BUILD=${BUILD:-build}
BIN="$BUILD/attnscope"
SHARED=${ATTNSCOPE_SHARED:-../shared}
CKPT="$BUILD/bench/gpt2-small-random"
if [ ! -f "$CKPT/model.safetensors" ]; then
    if [ ! -f "$SHARED/tokenizers/gpt2/encoder.json" ]; then
        echo "bench: $SHARED/tokenizers/gpt2 is missing; HINT: put the shared data beside the repo" >&2
        exit 1
    fi
    /usr/bin/python3 tools/bench/make_checkpoint.py "$CKPT" "$SHARED/tokenizers/gpt2"
fi
echo "== forward + full attention trace, GPT-2 small shape (12x12x768, vocab 50257), 2 cores =="
printf '%8s %14s %12s %10s\n' tokens attnscope_ms torch_ms speedup
for T in 16 64 256; do
    a=$(OPENBLAS_NUM_THREADS=2 "$BIN" bench --model "$CKPT" --tokens "$T" | sed -n 's/^forward_ms=//p')
    t=$(/usr/bin/python3 tools/bench/torch_gpt2.py "$CKPT" "$T" | sed -n 's/^torch_ms=//p')
    r=$(awk -v a="$a" -v t="$t" 'BEGIN { printf "%.2fx", t / a }')
    printf '%8s %14s %12s %10s\n' "$T" "$a" "$t" "$r"
done
# Peak memory of a whole run at T=64 (load + repeated forward passes).
peak_a=$(/usr/bin/time -f %M "$BIN" bench --model "$CKPT" --tokens 64 2>&1 >/dev/null | tail -1)
peak_t=$(/usr/bin/time -f %M /usr/bin/python3 tools/bench/torch_gpt2.py "$CKPT" 64 2>&1 >/dev/null | tail -1)
awk -v a="$peak_a" -v t="$peak_t" 'BEGIN { printf "peak RSS at T=64: attnscope %d MiB, torch %d MiB (%.2fx less); attnscope maps the weights read-only\n", a / 1024, t / 1024, t / a }'
if [ -x tools/bench/app_bench.sh ] || [ -f tools/bench/app_bench.sh ]; then
    echo "== app =="
    BUILD="$BUILD" sh tools/bench/app_bench.sh
fi
