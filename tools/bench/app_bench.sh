#!/bin/sh
# The app's own timings, a 1920x1080 window under Xvfb (called by tools/bench/run.sh
# as `BUILD=build sh tools/bench/app_bench.sh`):
#   keystroke_ms   one typed character -> the worker's forward pass done ->
#                  the frame drawn and presented (median of 40 keystrokes on
#                  the default example text);
#   grid_frame_ms  one full frame at 64 tokens right after a new trace, so the
#                  head map and every grid thumbnail re-upload;
#   idle_cpu_pct   CPU used by the app over 3 s without input.
# Model: $ATTNSCOPE_MODEL, else models/pd-llama, else ../shared's stories260K.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BIN="$BUILD/attnscope"
MODEL=${ATTNSCOPE_MODEL:-models/pd-llama}
if [ ! -f "$MODEL/model.safetensors" ] && [ ! -f "$MODEL" ]; then
    STORIES=${ATTNSCOPE_SHARED:-../shared}/models/stories260K/stories260K.bin
    if [ ! -f "$STORIES" ]; then
        echo "app bench: neither $MODEL nor $STORIES exists; HINT: train the default model (make model)" >&2
        exit 1
    fi
    echo "app bench: $MODEL absent; NOTE: measuring on $STORIES instead (a smaller Llama model)"
    MODEL=$STORIES
fi
command -v xvfb-run >/dev/null || { echo "app bench: xvfb-run missing; HINT: apt-get install xvfb xauth" >&2; exit 1; }
ATTNSCOPE_SIZE=${APP_BENCH_SIZE:-1920x1080} ATTNSCOPE_APP_BENCH=1 xvfb-run -a -s "-screen 0 1920x1080x24" "$BIN" app --model "$MODEL"
echo "targets: keystroke_ms < 16 (one 60 Hz frame from key to updated views), idle_cpu_pct ~0 (the loop sleeps in SDL_WaitEvent)"
