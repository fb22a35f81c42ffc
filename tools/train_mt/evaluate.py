#!/usr/bin/python3
"""evaluate.py -- the shipped model on the held-out books (Ruth, Philemon),
through attnscope itself (build/attnscope dump), not through PyTorch.

    /usr/bin/python3 tools/train_mt/evaluate.py --model models/bible-es-en \
        --test tools/train_mt/work/test.tsv [--bin build/attnscope] [--limit N] [--json OUT]

Prints and (with --json) writes:
  chrF2 of the greedy translations against the World English Bible (chrf.py);
  name alignment: for each proper name of NAMES found in a source verse whose
  English counterpart appears in the translation, the target token that
  starts the English name is a query of the cross-attention; it counts as
  aligned when the argmax over source tokens falls on a token of the Spanish
  name. Reported for the best single head (layer, head) and for each layer's
  mean over heads.
"""
import argparse
import json
import subprocess
import sys
import os

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chrf import chrf  # noqa: E402

# Spanish (Reina-Valera 1909) -> English (World English Bible) names in Ruth and Philemon.
NAMES = [("Noemi", "Naomi"), ("Noemí", "Naomi"), ("Booz", "Boaz"), ("Rut", "Ruth"), ("Ruth", "Ruth"),
         ("Orpha", "Orpah"), ("Orfa", "Orpah"), ("Moab", "Moab"), ("Elimelech", "Elimelech"), ("Mahalón", "Mahlon"),
         ("Chelión", "Chilion"), ("Beth-lehem", "Bethlehem"), ("Judá", "Judah"), ("Obed", "Obed"), ("Isaí", "Jesse"),
         ("David", "David"), ("Pablo", "Paul"), ("Timoteo", "Timothy"), ("Filemón", "Philemon"),
         ("Onésimo", "Onesimus"), ("Apphia", "Apphia"), ("Archipo", "Archippus"), ("Epafras", "Epaphras"),
         ("Marcos", "Mark"), ("Aristarco", "Aristarchus"), ("Demas", "Demas"), ("Lucas", "Luke"),
         ("Jesús", "Jesus"), ("Cristo", "Christ"), ("Jehová", "Yahweh"), ("Israel", "Israel"), ("Pharez", "Perez"),
         ("Thamar", "Tamar"), ("Judah", "Judah")]


def spans(tokens, word):
    """Token index ranges whose concatenated text holds word (as a whole word)."""
    text, starts = "", []
    for t in tokens:
        starts.append(len(text))
        text += t["text"]
    out, at = [], 0
    while True:
        i = text.find(word, at)
        if i < 0:
            return out
        j = i + len(word)
        whole = (i == 0 or not text[i - 1].isalpha()) and (j >= len(text) or not text[j].isalpha())
        if whole:
            first = max(k for k, s in enumerate(starts) if s <= i)
            last = max(k for k, s in enumerate(starts) if s < j)
            out.append((first, last))
        at = j


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/bible-es-en")
    ap.add_argument("--test", default="tools/train_mt/work/test.tsv")
    ap.add_argument("--bin", default="build/attnscope")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--json")
    a = ap.parse_args()
    rows = [line.rstrip("\n").split("\t") for line in open(a.test, encoding="utf-8")]
    if a.limit:
        rows = rows[: a.limit]
    hyps, refs, hits = [], [], []
    head_hits, layer_hits, n_names = None, None, 0
    for ref, es, en in rows:
        p = subprocess.run([a.bin, "dump", "--model", a.model, "--text", es], capture_output=True, timeout=600)
        if p.returncode != 0:
            sys.exit("evaluate.py: %s: %s" % (ref, p.stderr.decode()))
        d = json.loads(p.stdout)
        hyps.append(d["translation"])
        refs.append(en)
        cross = np.array(d["cross_attention"])  # (L, H, T, S)
        L, H = cross.shape[:2]
        if head_hits is None:
            head_hits, layer_hits = np.zeros((L, H)), np.zeros(L)
        for es_name, en_name in NAMES:
            src_spans = spans(d["source_tokens"], es_name)
            tgt_spans = spans(d["target_tokens"], en_name)
            if not src_spans or not tgt_spans:
                continue
            src_tok = {k for f, l in src_spans for k in range(f, l + 1)}
            for f, _ in tgt_spans:
                n_names += 1
                am = cross[:, :, f, :].argmax(-1)
                head_hits += np.isin(am, list(src_tok))
                layer_hits += np.isin(cross[:, :, f, :].mean(1).argmax(-1), list(src_tok))
                hits.append({"ref": ref, "es": es_name, "en": en_name})
    score = chrf(hyps, refs)
    res = {"verses": len(rows), "chrF2": round(score, 2), "names": n_names}
    if n_names:
        best = np.unravel_index(head_hits.argmax(), head_hits.shape)
        res["best_head"] = {"layer": int(best[0]), "head": int(best[1]),
                            "fraction": round(float(head_hits[best] / n_names), 3)}
        res["layer_mean"] = [round(float(x / n_names), 3) for x in layer_hits]
    print(json.dumps(res, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"result": res, "samples": [{"ref": r[0], "es": r[1], "en": r[2], "mt": h}
                                                   for r, h in zip(rows[:12], hyps[:12])]}, f, indent=1,
                      ensure_ascii=False)


if __name__ == "__main__":
    main()
