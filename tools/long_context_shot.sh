#!/bin/sh
# Writes screenshots/long-context.png: the app at 1920x1080 under Xvfb on
# 1024 tokens (a story told three times, cut to the model's context), on the
# hand-set GPT-2-small-shaped checkpoint of tools/bench/make_pattern_checkpoint.py
# (random weights attend almost uniformly: nothing to see at 1024 tokens).
# Layer 1 head 3 is an induction head: the two lines below the diagonal are
# each token reading the token after its earlier copies, 375 and 750 tokens
# back, drawn max-pooled (src/app/lod.c) into ~580 pixels.
#   BUILD=build sh tools/long_context_shot.sh
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=${SCREENSHOT_DIR:-screenshots}
CKPT="$BUILD/bench/gpt2-pattern"
TOK=${ATTNSCOPE_SHARED:-../shared}/tokenizers/gpt2
command -v xvfb-run >/dev/null || { echo "long_context_shot: xvfb-run missing; HINT: apt-get install xvfb xauth" >&2; exit 1; }
[ -f "$CKPT/model.safetensors" ] || /usr/bin/python3 tools/bench/make_pattern_checkpoint.py "$CKPT" "$TOK"
STORY="The harbour town woke slowly in winter. Before the bakers had lit their ovens, Mara walked down to the quay with her father's old lantern and a notebook bound in green cloth. She counted the boats that had come in overnight, wrote their names in a careful column, and noted the wind, the height of the tide and the colour of the sky over the headland. Her father had kept the same book for thirty years, and his father before him, and nobody in the town could remember a morning when the column had been left empty. When the last name was written she climbed the hill to the library, where the keeper, a tall man called Ansel who spoke very little, let her warm her hands by the stove and read the older volumes. In them she found storms that had closed the harbour for a week, a summer when the fish came so close to the shore that children caught them in buckets, and a winter, long ago, when the sea froze between the two piers and the whole town walked across it to the lighthouse with candles. She copied the best of these stories into the back of her own book. In the afternoon she mended nets with her aunt, who sang the same three songs over and over and never finished any of them, and in the evening she went down to the quay again to see which boats had left. On clear nights the lighthouse turned its slow beam across the water, and Mara liked to count the seconds between the flashes, nine each time, as regular as a heartbeat. One evening in February the beam did not come. She waited, counting to nine, then to twenty, then to a hundred, and the headland stayed dark. She ran up the hill to the library, and Ansel, without a word, took his coat from the hook and followed her down to the boats. "
mkdir -p "$OUT"
ATTNSCOPE_SIZE=1920x1080 ATTNSCOPE_STATE="layer=1;head=3;focus=900:526;edit=0" \
ATTNSCOPE_SCREENSHOT="$OUT/long-context.png" ATTNSCOPE_AFTER_MS=20000 \
    xvfb-run -a -s "-screen 0 1920x1080x24" "$BUILD/attnscope" app --fresh --model "$CKPT" \
    --text "$STORY$STORY$STORY"
