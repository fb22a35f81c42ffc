#!/bin/sh
# models/pd-llama through attnscope agrees with PyTorch: the same token ids as
# the Python encoder (BOS first), the same top 5 at the last position and the
# same mean loss within 1e-3 nats on held-out texts
# (tests/data/pd_llama_reference.json, written by tools/train/export_reference.py
# from the exported weights). Twice: as shipped (vocab.json + merges.txt), and
# from a copy of the folder with tokenizer.json as its only tokenizer file.
# SKIPs until the model is trained and exported (make model).
# PD_LLAMA=DIR PD_LLAMA_REF=FILE point it at another export (a checkpoint).
M=${PD_LLAMA:-models/pd-llama}
REF=${PD_LLAMA_REF:-tests/data/pd_llama_reference.json}
BIN=${ATTNSCOPE_BIN:-build/attnscope}
if [ ! -f "$M/model.safetensors" ] || [ ! -f "$REF" ]; then
    echo "SKIP: $M/model.safetensors or $REF absent; HINT: make model trains and exports it"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
abs=$(cd "$M" && pwd)
for f in config.json model.safetensors tokenizer.json; do ln -s "$abs/$f" "$tmp/$f"; done
/usr/bin/python3 tests/default_model_check.py "$BIN" "$M" "$REF" > "$tmp/a.log" 2>&1
/usr/bin/python3 tests/default_model_check.py "$BIN" "$tmp" "$REF" > "$tmp/b.log" 2>&1
sed 's/^/vocab.json+merges.txt: /' "$tmp/a.log" | grep -v ' passed, '
sed 's/^/tokenizer.json only:   /' "$tmp/b.log" | grep -v ' passed, '
p=0; f=0
for log in "$tmp/a.log" "$tmp/b.log"; do
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    [ -n "$line" ] || line="0 passed, 1 failed"
    p=$((p + ${line%% passed*}))
    f=$((f + $(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')))
done
echo "$p passed, $f failed"
[ "$f" = 0 ]
