#!/bin/sh
# Writes screenshots/*.png: the app under Xvfb at 1280x800 and 1920x1080 in a
# few states, plus two `attnscope export` PNGs. Called by `make screenshots`.
# Model: $ATTNSCOPE_MODEL, else models/pd-llama, else the oracle's random
# checkpoint (then the pictures show random weights: say so in the README).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN="$BUILD/attnscope"
OUT=${SCREENSHOT_DIR:-screenshots}
MODEL=${ATTNSCOPE_MODEL:-models/pd-llama}
if [ ! -f "$MODEL/model.safetensors" ]; then
    MODEL="$BUILD/oracle/gpt2_f32"
    [ -f "$MODEL/model.safetensors" ] || /usr/bin/python3 tests/oracle/gpt2_oracle.py "$BUILD/oracle" >/dev/null
    echo "screenshots: models/pd-llama absent; using the random oracle checkpoint $MODEL"
fi
# pd-llama's heads worth showing (its model card's role table)
IND_L=5 IND_H=0    # induction: second copy -> the token after the first (the app opens on it)
PREV_L=3 PREV_H=4  # previous token
IND="layer=$IND_L;head=$IND_H" PREV="layer=$PREV_L;head=$PREV_H"
command -v xvfb-run >/dev/null || { echo "screenshots: xvfb-run missing; HINT: apt-get install xvfb xauth"; exit 1; }
mkdir -p "$OUT"

shot() { # name WxH state [model]
    ATTNSCOPE_SIZE=$2 ATTNSCOPE_STATE=$3 ATTNSCOPE_SCREENSHOT="$OUT/$1.png" ATTNSCOPE_AFTER_MS=300 \
        xvfb-run -a -s "-screen 0 1920x1080x24" "$BIN" app --model "${4:-$MODEL}"
}

# the first open: the starter text (a sentence said twice) on the head the
# role scores pick, with its badge in the grid
shot main-1280x800 1280x800 "focus=auto"
shot main-1920x1080 1920x1080 "focus=auto"
# Ctrl+G: the grid coloured by a role score, the heads listed by it
shot roles-1280x800 1280x800 "role=delimiter;focus=auto"
shot help-1280x800 1280x800 "help=1"
# small screens and projectors: the head view keeps the room, the vector view
# folds into a tab (F4 opens it)
shot main-1024x768 1024x768 "$IND;focus=auto"
shot vectab-1024x768 1024x768 "$IND;focus=auto;vec=1"
shot main-800x600 800x600 "$IND;focus=auto"
shot help-800x600 800x600 "help=1"
shot slides-1280x800 1280x800 "white=1;cmap=slides;mask=window:3;$PREV;focus=auto"
# ablating the previous-token head: the induction head above it loses its
# stripe, because it finds "the token after" through that head
shot ablate-1280x800 1280x800 "ablate=$PREV_L.$PREV_H;$IND;focus=auto"
shot edit-1280x800 1280x800 "edit=1;text=The cat sat on the mat. The cat sat on the;focus=auto"
shot nomodel-1024x768 1024x768 "" /nonexistent/model
# translation mode (encoder-decoder): the shipped Spanish->English model, else
# the oracle's random Marian checkpoint (random weights: the layout only)
MT=${ATTNSCOPE_MT_MODEL:-models/bible-es-en}
if [ ! -f "$MT/model.safetensors" ]; then
    MT="$BUILD/oracle/marian_f32"
    [ -f "$MT/model.safetensors" ] || /usr/bin/python3 tests/oracle/marian_oracle.py "$BUILD/oracle" >/dev/null
fi
MT_TEXT="Y dijo Dios: Sea la luz: y fue la luz."
shot translate-cross-1280x800 1280x800 "text=$MT_TEXT;edit=0;focus=3:2" "$MT"
shot translate-encoder-1280x800 1280x800 "kind=encoder;text=$MT_TEXT;edit=0;focus=4:2" "$MT"
shot translate-decoder-1024x768 1024x768 "kind=decoder;text=$MT_TEXT;edit=0;focus=3:1" "$MT"
LONG="It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. However little known the feelings or views of such a man may be on his first entering a neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is considered as the rightful property of some one or other of their daughters."
shot long-zoom-1920x1080 1920x1080 "text=$LONG;$PREV;zoom=2.5;focus=auto"
# CJK, colour emoji and a newline in the box and the chips; the mouse on the
# first byte chip of "é" shows which character it belongs to
SCRIPTS="$(printf 'Mr. Darcy said: \344\275\240\345\245\275, caf\303\251 \360\237\246\200\360\237\216\211\nElizabeth smiled \342\235\244\357\270\217 and wrote \346\227\245\346\234\254\350\252\236.')"
ATTNSCOPE_SIZE=1280x800 ATTNSCOPE_STATE="$PREV;focus=auto;mouse=482:103" \
ATTNSCOPE_SCREENSHOT="$OUT/text-scripts-1280x800.png" ATTNSCOPE_AFTER_MS=300 \
    xvfb-run -a -s "-screen 0 1920x1080x24" "$BIN" app --model "$MODEL" --text "$SCRIPTS"

# a real pretrained model too (Llama architecture), when ../shared is present
STORIES=${ATTNSCOPE_SHARED:-../shared}/models/stories260K/stories260K.bin
if [ -f "$STORIES" ]; then
    ATTNSCOPE_SIZE=1280x800 ATTNSCOPE_STATE="layer=2;head=3;focus=auto" \
    ATTNSCOPE_SCREENSHOT="$OUT/stories260K-1280x800.png" ATTNSCOPE_AFTER_MS=300 \
        xvfb-run -a -s "-screen 0 1920x1080x24" "$BIN" app --model "$STORIES" \
        --text "Once upon a time, there was a little girl named Lily. She loved to play. Lily"
    # its previous-token heads: badges, then the grid by that role and the list
    ATTNSCOPE_SIZE=1280x800 ATTNSCOPE_STATE="focus=auto" \
    ATTNSCOPE_SCREENSHOT="$OUT/stories260K-badges-1280x800.png" ATTNSCOPE_AFTER_MS=300 \
        xvfb-run -a -s "-screen 0 1920x1080x24" "$BIN" app --model "$STORIES"
    ATTNSCOPE_SIZE=1280x800 ATTNSCOPE_STATE="role=previous_token;focus=auto" \
    ATTNSCOPE_SCREENSHOT="$OUT/stories260K-roles-1280x800.png" ATTNSCOPE_AFTER_MS=300 \
        xvfb-run -a -s "-screen 0 1920x1080x24" "$BIN" app --model "$STORIES"
    # q and k before RoPE in the vector view (the weight still uses the rotated ones)
    ATTNSCOPE_SIZE=1280x800 ATTNSCOPE_STATE="layer=2;head=3;focus=auto;rope=pre" \
    ATTNSCOPE_SCREENSHOT="$OUT/stories260K-prerope-1280x800.png" ATTNSCOPE_AFTER_MS=300 \
        xvfb-run -a -s "-screen 0 1920x1080x24" "$BIN" app --model "$STORIES" \
        --text "Once upon a time, there was a little girl named Lily. She loved to play. Lily"
fi

# encoder mode (BERT): the shipped models/pd-bert, else a random BERT with the
# real bert-base-uncased vocabulary (tools/bert_random_model.py), else the
# oracle's toy one (random weights: the pictures show the app, not a model).
BERT=${ATTNSCOPE_BERT:-models/pd-bert}
VOCAB=${ATTNSCOPE_SHARED:-../shared}/tokenizers/bert-base-uncased/vocab.txt
if [ ! -f "$BERT/model.safetensors" ] && [ -f "$VOCAB" ]; then
    BERT="$BUILD/bert-random"
    [ -f "$BERT/model.safetensors" ] || /usr/bin/python3 tools/bert_random_model.py "$VOCAB" "$BERT" >/dev/null
fi
if [ ! -f "$BERT/model.safetensors" ]; then
    BERT="$BUILD/oracle/bert_mlm"
    [ -f "$BERT/model.safetensors" ] || /usr/bin/python3 tests/oracle/bert_oracle.py "$BUILD/oracle" >/dev/null
fi
# "mask this word": "cat" runs as [MASK], its fill-ins in the predictions
# pd-bert's L1H1 looks at the previous word (its model card's role table)
shot encoder-mask-1280x800 1280x800 "text=She opened the door and walked into the garden.;layer=1;head=1;maskword=4" "$BERT"
# a sentence pair, coloured by segment, the head view filtered to A->B
shot encoder-pairs-1280x800 1280x800 "text=In the beginning God created the heaven and the earth. ||| And the earth was without form.;layer=2;head=3;pairs=AB;focus=10:15" "$BERT"

"$BIN" export --model "$MODEL" --text "Mr. Darcy walked into the room. Elizabeth looked at Mr. Darcy and smiled." \
    --layer "$IND_L" --head "$IND_H" --out "$OUT/export-head.png"
"$BIN" export --model "$MODEL" --text "Mr. Darcy walked into the room and smiled at Elizabeth. Mr. Darcy walked into the room and smiled at Elizabeth." \
    --grid --white --colormap slides --out "$OUT/export-grid-white.png"
ls -1 "$OUT"/*.png
