#!/bin/sh
# `make bench`: attnscope against PyTorch (same math) and ONNX Runtime native
# on one GPT-2-small-shaped random checkpoint, side by side in one run, then
# the app's own timings. Each cell is the median of repeated runs (>= 5, up
# to ~3 s); peak RSS is each whole process's (attnscope's includes its
# incremental session and a second trace). BENCH_TOKENS overrides the token
# counts (default "16 64 256 1024").
set -e
BUILD=${BUILD:-build}
BIN="$BUILD/attnscope"
SHARED=${ATTNSCOPE_SHARED:-../shared}
CKPT="$BUILD/bench/gpt2-small-random"
ONNX="$BUILD/bench/gpt2-small-random.onnx"
ORT="$BUILD/ort/node_modules"
if [ ! -f "$CKPT/model.safetensors" ]; then
    if [ ! -f "$SHARED/tokenizers/gpt2/encoder.json" ]; then
        echo "bench: $SHARED/tokenizers/gpt2 is missing; HINT: put the shared data beside the repo" >&2
        exit 1
    fi
    /usr/bin/python3 tools/bench/make_checkpoint.py "$CKPT" "$SHARED/tokenizers/gpt2"
fi
# ONNX Runtime native from the npm registry into build/ (its install script
# fetches GPU files from an unreachable host; the CPU library is in the
# package), and the graph exported from the same checkpoint. Neither is
# committed.
if [ ! -d "$ORT/onnxruntime-node" ]; then
    mkdir -p "$BUILD/ort"
    [ -f "$BUILD/ort/package.json" ] || echo '{"name":"attnscope-bench-ort","private":true}' > "$BUILD/ort/package.json"
    (cd "$BUILD/ort" && npm install --ignore-scripts --no-audit --no-fund onnxruntime-node >/dev/null) ||
        echo "bench: npm install onnxruntime-node failed; the ONNX Runtime column stays empty" >&2
fi
if [ ! -f "$ONNX" ] || [ "$ONNX" -ot "$CKPT/model.safetensors" ]; then
    /usr/bin/python3 tools/bench/export_onnx.py "$CKPT" "$ONNX" 2>/dev/null | tail -1
fi

rss() { sed -n 's/^peak_kb=//p' "$1" | awk '{ printf "%d", $1 / 1024 }'; }
field() { sed -n "s/^$1=\([0-9.]*\).*/\1/p" "$2" | tail -1; }
anyfield() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" "$2" | tail -1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kernel=""
rows=""
for T in ${BENCH_TOKENS:-16 64 256 1024}; do
    # at the context limit (1024) append times the 1024th token after 1023
    OPENBLAS_NUM_THREADS=2 /usr/bin/time -f peak_kb=%M "$BIN" bench --model "$CKPT" --tokens "$T" --append --option-change >"$tmp/a" 2>&1 || { cat "$tmp/a" >&2; exit 1; }
    /usr/bin/time -f peak_kb=%M /usr/bin/python3 tools/bench/torch_gpt2.py "$CKPT" "$T" >"$tmp/t" 2>&1 || { cat "$tmp/t" >&2; exit 1; }
    o=""; o_rss=""
    if [ -d "$ORT/onnxruntime-node" ] && [ -f "$ONNX" ]; then
        NODE_PATH="$ORT" /usr/bin/time -f peak_kb=%M node tools/bench/ort_gpt2.js "$ONNX" "$T" >"$tmp/o" 2>&1 || cat "$tmp/o" >&2
        o=$(field ort_ms "$tmp/o"); o_rss=$(rss "$tmp/o")
    fi
    kernel=$(sed -n 's/.* blas=\([^ ]*\).*/\1/p' "$tmp/a")
    rows="$rows$T $(field forward_ms "$tmp/a") $(field append_ms "$tmp/a") $(field option_ms "$tmp/a") $(field torch_ms "$tmp/t") ${o:--} $(rss "$tmp/a") $(rss "$tmp/t") ${o_rss:--}
"
done
echo "== forward + full attention trace: GPT-2 small shape (12x12x768, vocab 50257, random weights), 2 threads =="
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1); OpenBLAS kernel: $kernel (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%5s %10s %9s %9s %6s %10s %9s %8s %8s %22s\n' T full_ms append_ms option_ms opt/full torch_ms ort_ms vs_torch vs_ort 'peak_RSS_MiB a/torch/ort'
printf '%s' "$rows" | while read -r T a ap op t o ra rt ro; do
    awk -v T="$T" -v a="$a" -v ap="${ap:--}" -v op="$op" -v t="$t" -v o="$o" -v ra="$ra" -v rt="$rt" -v ro="$ro" 'BEGIN {
        vo = (o == "-") ? "-" : sprintf("%.2fx", o / a)
        printf "%5s %10.1f %9s %9.1f %5.0f%% %10.1f %9s %8s %8s %22s\n", T, a, ap, op, 100 * op / a, t, o, sprintf("%.2fx", t / a), vo, ra "/" rt "/" ro }'
done
echo "(vs_torch, vs_ort: their time / attnscope's full pass; > 1 means attnscope is faster. ONNX Runtime returns only the logits and the attention probabilities.)"
# the app's path at this shape: a character typed at the end of 64 tokens,
# posted to the app's worker as the app posts it (headless: no frame)
OPENBLAS_NUM_THREADS=2 "$BIN" bench --model "$CKPT" --tokens 64 --keystroke >"$tmp/k" 2>&1 || { cat "$tmp/k" >&2; exit 1; }
echo "app worker, 64 tokens: keystroke at the end -> attention published $(field keystroke_attention_ms "$tmp/k") ms, -> every prediction $(anyfield keystroke_predictions_ms "$tmp/k") ms (median; target <= 120 ms; load $(cut -d' ' -f1-3 /proc/loadavg))"
if [ -f tools/bench/app_bench.sh ]; then
    echo "== app =="
    BUILD="$BUILD" sh tools/bench/app_bench.sh
fi
