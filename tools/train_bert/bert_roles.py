#!/usr/bin/python3
"""bert_roles.py -- role scores for every head of a BERT folder, measured
through attnscope itself (`attnscope dump`, mask none) on held-out text, the
roles Clark et al. (2019) found in BERT:

  cls      : mean attention mass on [CLS]
  sep      : mean attention mass on the [SEP] tokens
  next     : mean attention from query i to key i+1
  previous : mean attention from query i to key i-1
  delimiter, entropy : as tools/train/head_roles.py defines them (mass on
             punctuation keys; mean row entropy in nats)

    /usr/bin/python3 tools/train_bert/bert_roles.py [--model models/pd-bert] [--work DIR] [--json OUT]
Prints a Markdown table and the clearest heads per role.
"""
import argparse
import json
import os
import random
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from head_roles import delimiter_and_entropy  # noqa: E402  (the GPT-2 atlas's definition)
from train_bert import ROOT  # noqa: E402
from wordpiece import WordPiece, _is_punct  # noqa: E402

N_TEXTS = 16


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "pd-bert"))
    ap.add_argument("--work", default=os.path.join(ROOT, "tools", "train_bert", "work"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "attnscope"))
    ap.add_argument("--json")
    a = ap.parse_args()
    wp = WordPiece(os.path.join(a.model, "vocab.txt"))
    val = np.load(os.path.join(a.work, "val.npy"))
    rng = random.Random(4321)
    sums = None
    for _ in range(N_TEXTS):
        at = rng.randrange(0, len(val) - 100)
        text = " ".join(wp.pieces[int(i)] for i in val[at:at + 60]).replace(" ##", "")
        out = subprocess.run([a.bin, "dump", "--model", a.model, "--text", text], capture_output=True, text=True)
        if out.returncode:
            print(out.stderr, file=sys.stderr)
            return 1
        d = json.loads(out.stdout)
        att = np.array(d["attention"])  # (L, H, T, T)
        ids = [t["id"] for t in d["tokens"]]
        T = len(ids)
        is_cls = np.array([i == wp.cls for i in ids])
        is_sep = np.array([i == wp.sep for i in ids])
        is_delim = np.array([len(wp.pieces[i]) == 1 and _is_punct(wp.pieces[i]) for i in ids])
        i = np.arange(1, T - 1)
        delim, ent = delimiter_and_entropy(att, is_delim)
        s = {"cls": att[..., is_cls].sum(-1).mean(-1), "sep": att[..., is_sep].sum(-1).mean(-1),
             "next": att[:, :, i, i + 1].mean(-1), "previous": att[:, :, i, i - 1].mean(-1),
             "delimiter": delim, "entropy": ent}
        sums = s if sums is None else {k: sums[k] + v for k, v in s.items()}
    scores = {k: v / N_TEXTS for k, v in sums.items()}
    L, H = scores["cls"].shape
    print("| head | [CLS] | [SEP] | next | previous | delimiter | entropy |\n|---|---|---|---|---|---|---|")
    for l in range(L):
        for h in range(H):
            print("| L%dH%d | %s |" % (l, h, " | ".join("%.3f" % scores[k][l, h] for k in
                                                     ("cls", "sep", "next", "previous", "delimiter", "entropy"))))
    for k in ("cls", "sep", "next", "previous", "delimiter"):
        flat = np.argsort(-scores[k].ravel())[:3]
        print("clearest %-9s %s" % (k, ", ".join("L%dH%d (%.2f)" % (f // H, f % H, scores[k].ravel()[f]) for f in flat)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({k: np.round(v, 4).tolist() for k, v in scores.items()}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
