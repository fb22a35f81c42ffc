#!/usr/bin/python3
"""verify_export.py -- the exported folder, run by attnscope, must give what
the PyTorch model in the checkpoint gives: the same [CLS] A [SEP] (B [SEP])
ids and types, the same top-5 fill-ins at every position, and the same loss
(mean -log p(input token)) within 1e-3.

    /usr/bin/python3 tools/train_bert/verify_export.py [--work DIR] [--out DIR] [--bin build/attnscope]
Prints "N passed, N failed".
"""
import argparse
import json
import os
import subprocess
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_bert import ROOT, Bert  # noqa: E402
from wordpiece import WordPiece  # noqa: E402

TEXTS = ["The [MASK] sat on the mat.", "It is a truth universally acknowledged, that a single man [MASK] a wife.",
         "In the beginning God created the [MASK] and the earth. ||| And the earth was without form."]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(ROOT, "tools", "train_bert", "work"))
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "pd-bert"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "attnscope"))
    a = ap.parse_args()
    wp = WordPiece(os.path.join(a.out, "vocab.txt"))
    st = torch.load(os.path.join(a.work, "ckpt.pt"))
    model = Bert(len(wp.pieces), st["config"])
    model.load_state_dict(st["model"])
    model.eval()
    ok = bad = 0
    for text in TEXTS:
        parts = text.split(" ||| ", 1)
        ids = [wp.cls] + wp.encode(parts[0]) + [wp.sep]
        types = [0] * len(ids)
        if len(parts) == 2:
            b = wp.encode(parts[1]) + [wp.sep]
            ids += b
            types += [1] * len(b)
        with torch.no_grad():
            logits = model(torch.tensor([ids]), torch.tensor([types]))[0]
        logp = F.log_softmax(logits.double(), -1)
        loss = -logp[range(len(ids)), ids].mean().item()
        top = logits.topk(5, -1).indices.tolist()
        out = subprocess.run([a.bin, "dump", "--model", a.out, "--text", text], capture_output=True, text=True)
        if out.returncode:
            print("FAIL attnscope:", out.stderr.strip())
            bad += 1
            continue
        d = json.loads(out.stdout)
        got_ids = [t["id"] for t in d["tokens"]]
        got_types = [t["token_type"] for t in d["tokens"]]
        got_top = [[p["id"] for p in row] for row in d["top_k"]]
        checks = [(got_ids == ids, "ids"), (got_types == types, "token types"),
                  (abs(d["loss"] - loss) <= 1e-3, "loss %.6f vs torch %.6f" % (d["loss"], loss)),
                  (got_top == top, "top-5 at every position")]
        for good, what in checks:
            print("%s %s: %s" % ("ok  " if good else "FAIL", text[:40], what))
            ok += good
            bad += not good
    print("%d passed, %d failed" % (ok, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
