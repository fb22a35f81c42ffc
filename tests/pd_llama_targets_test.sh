#!/bin/sh
# Issue 9's targets on models/pd-llama, measured through `attnscope roles`
# (tools/train/measure_targets.py prints every number): previous-token,
# induction (on random words and on held-out sentences said twice), sink
# and delimiter heads, in-context copying, the circuit (ablating the
# previous-token head must cost the induction heads), bits per byte
# against models/pd-gpt2 on the validation split and on our held-out prose,
# folder size. SKIPs until the model is trained and exported (make model).
# PD_LLAMA=DIR measures another export (e.g. a checkpoint, train.py --export-ckpt).
M=${PD_LLAMA:-models/pd-llama}
BIN=${ATTNSCOPE_BIN:-build/attnscope}
if [ ! -f "$M/model.safetensors" ]; then
    echo "SKIP: $M/model.safetensors absent; HINT: make model trains and exports it"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
# The validation split is rebuilt from ../shared/corpus (seeded, ~1 s) unless
# the training work dir has it.
WORK=tools/train/work-llama
tmp=""
if ! ls "$WORK"/text/*.val.txt >/dev/null 2>&1; then
    tmp=$(mktemp -d)
    WORK=$tmp
    if ! /usr/bin/python3 tools/train/prepare.py text --corpus "${ATTNSCOPE_SHARED:-../shared}/corpus" \
            --work "$WORK" >/dev/null 2>&1; then
        echo "SKIP: validation split unavailable (../shared/corpus or python3-regex missing): bits/byte on prose only"
        WORK=""
    fi
fi
/usr/bin/python3 tools/train/measure_targets.py --bin "$BIN" --model "$M" --compare models/pd-gpt2 --work "$WORK"
rc=$?
[ -n "$tmp" ] && rm -rf "$tmp"
exit $rc
