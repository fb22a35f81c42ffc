#!/usr/bin/env python3
"""Score every attention head for three well-known roles.

  previous-token : mean attention from query i to key i-1        (i >= 1)
  first-token    : mean attention from query i to key 0 ("sink") (i >= 1;
                   query 0 can only attend to key 0, so it is left out)
  delimiter      : attention mass on line-break and punctuation keys
  entropy        : mean entropy of a query's attention row (nats)
  induction      : on random word tokens repeated twice (length 2n), mean
                   attention from query n+j to key j+1 — the token that
                   followed the earlier occurrence of the current token —
                   for j = 0..n-2.

Previous-token and first-token scores are measured on natural held-out text
(windows of the validation split, or the texts of the C reference file).

Two ways to get the attention:
  head_roles.py --model models/pd-gpt2                   # PyTorch, exported weights
  head_roles.py --dump-text A.json --dump-induction B.json
      # from `attnscope dump` output ({"attention":[layer][head][query][key]});
      # B: a dump of --text set to "induction_text" from models/pd-gpt2/head_roles.json
      # (or of any sequence whose second half repeats its first).

Writes JSON (--json) and prints a Markdown table plus the clearest heads.
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 4321
REPEAT_LEN = 50     # length n of the random sequence, repeated once
N_REPEATS = 8       # random sequences averaged for the induction score
TEXT_WINDOWS = 16   # validation windows for the natural-text scores
TEXT_LEN = 128


def prev_and_sink(att):
    """att: (L, H, T, T) for one sequence -> two (L, H) score arrays."""
    T = att.shape[-1]
    i = np.arange(1, T)
    prev = att[:, :, i, i - 1].mean(-1)
    sink = att[:, :, i, 0].mean(-1)
    return prev, sink


def delimiter_and_entropy(att, is_delim):
    """Mass on line-break/punctuation keys, and attention entropy (nats).

    Added after the first trained model showed almost no positional heads:
    its sharpest heads instead gather at line breaks and punctuation, and
    a low entropy is the simplest sign of a head doing something specific.
    Queries before position 16 are skipped (few keys to choose from).
    """
    a = att[:, :, 16:, :]
    delim = a[..., is_delim].sum(-1).mean(-1)
    ent = -(a * np.log(a + 1e-12)).sum(-1).mean(-1)
    return delim, ent


def delimiter_ids(tok):
    return {i for s, i in tok.encoder.items()
            if "\u010a" in s or s.lstrip("\u0120") in {".", ",", ";", ":", "!", "?", '."', ',"'}}


def induction(att):
    """att: (L, H, 2n, 2n) for a sequence whose second half repeats the first."""
    n = att.shape[-1] // 2
    j = np.arange(0, n - 1)
    return att[:, :, n + j, j + 1].mean(-1)


def induction_sequences(tok):
    """Random sequences of whole-word tokens (" word"), each repeated twice.

    Whole words with a leading space, and only those whose decoded text
    re-encodes to the same ids, so the same sequence can be given to
    `attnscope dump --text` and yield exactly these tokens. Nothing but the
    repetition lets the model predict the second half.
    """
    words = sorted(i for s, i in tok.encoder.items()
                   if len(s) > 2 and s[0] == "\u0120" and s[1:].isalpha() and s[1:].isascii())
    rng = np.random.default_rng(SEED)
    seqs = []
    while len(seqs) < N_REPEATS:
        half = [int(words[k]) for k in rng.choice(len(words), size=REPEAT_LEN, replace=False)]
        ids = half + half
        if tok.encode(tok.decode(ids)) == ids:
            seqs.append(ids)
    return seqs


def torch_scores(model_dir, work, reference):
    import torch
    sys.path.insert(0, HERE)
    from model import load_hf
    sys.path.insert(0, os.path.join(HERE, "..", "bpe"))
    from bpe import Tokenizer
    torch.set_num_threads(2)
    model, cfg = load_hf(model_dir)
    tok = Tokenizer(os.path.join(model_dir, "vocab.json"), os.path.join(model_dir, "merges.txt"))

    def attn(ids):
        with torch.no_grad():
            _, probs = model(torch.tensor([ids]), want_probs=True)
        return np.stack([p[0].numpy() for p in probs])  # (L, H, T, T)

    val_bin = os.path.join(work, "val.bin")
    if os.path.exists(val_bin):
        val = np.fromfile(val_bin, dtype=np.uint16)
        rng = np.random.default_rng(SEED)
        starts = rng.integers(0, len(val) - TEXT_LEN, size=TEXT_WINDOWS)
        texts = [val[s:s + TEXT_LEN].tolist() for s in starts]
        text_src = f"{TEXT_WINDOWS} random {TEXT_LEN}-token windows of the validation split"
    else:
        with open(reference, encoding="utf-8") as f:
            texts = [c["ids"] for c in json.load(f)["cases"]]
        text_src = f"the {len(texts)} texts of {reference}"
    delim_ids = delimiter_ids(tok)
    ps, ds = [], []
    for t in texts:
        a = attn(t)
        ps.append(prev_and_sink(a))
        ds.append(delimiter_and_entropy(a, np.isin(t, list(delim_ids))))
    prev = np.mean([p for p, _ in ps], axis=0)
    sink = np.mean([s for _, s in ps], axis=0)
    delim = np.mean([d for d, _ in ds], axis=0)
    ent = np.mean([e for _, e in ds], axis=0)
    seqs = induction_sequences(tok)
    ind = np.mean([induction(attn(s)) for s in seqs], axis=0)
    return prev, sink, ind, delim, ent, text_src, (seqs[0], tok.decode(seqs[0]))


def dump_attention(path):
    with open(path) as f:
        return np.array(json.load(f)["attention"], dtype=np.float64)


def clearest(scores, k=3):
    L, H = scores.shape
    order = np.argsort(-scores, axis=None)[:k]
    return [(int(o // H), int(o % H), float(scores.flat[o])) for o in order]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/pd-gpt2")
    ap.add_argument("--work", default="tools/train/work")
    ap.add_argument("--reference", default="tests/data/pd_gpt2_reference.json")
    ap.add_argument("--dump-text", help="attnscope dump JSON of natural text")
    ap.add_argument("--dump-induction", help="attnscope dump JSON of a repeated sequence")
    ap.add_argument("--json", help="write scores here")
    args = ap.parse_args()

    if args.dump_text or args.dump_induction:
        if not (args.dump_text and args.dump_induction):
            ap.error("--dump-text and --dump-induction go together")
        sys.path.insert(0, os.path.join(HERE, "..", "bpe"))
        from bpe import Tokenizer
        tok = Tokenizer(os.path.join(args.model, "vocab.json"), os.path.join(args.model, "merges.txt"))
        with open(args.dump_text) as f:
            d = json.load(f)
        a = np.array(d["attention"], dtype=np.float64)
        ids = [t["id"] for t in d["tokens"]]
        prev, sink = prev_and_sink(a)
        delim, ent = delimiter_and_entropy(a, np.isin(ids, list(delimiter_ids(tok))))
        ind = induction(dump_attention(args.dump_induction))
        text_src, seqs = args.dump_text, None
    else:
        prev, sink, ind, delim, ent, text_src, seqs = torch_scores(args.model, args.work, args.reference)

    L, H = prev.shape
    print(f"Scores (text: {text_src}; induction: "
          f"random sequences of {REPEAT_LEN} tokens repeated twice)\n")
    for title, sc in [("previous-token", prev), ("first-token", sink), ("induction", ind),
                      ("delimiter (mass on line breaks and punctuation)", delim),
                      ("entropy (nats; lower = sharper)", ent)]:
        print(f"{title}:\n")
        print("| layer | " + " | ".join(f"H{h}" for h in range(H)) + " |")
        print("|---|" + "---|" * H)
        for l in range(L):
            print(f"| L{l} | " + " | ".join(f"{sc[l, h]:.2f}" for h in range(H)) + " |")
        print()
    best = {"previous_token": clearest(prev), "first_token": clearest(sink),
            "induction": clearest(ind), "delimiter": clearest(delim),
            "sharpest_low_entropy": clearest(-ent)}
    print()
    for role, heads in best.items():
        print(f"clearest {role}: " + ", ".join(f"L{l}H{h} ({abs(s):.2f})" for l, h, s in heads))
    if args.json:
        out = {"about": __doc__.split("\n\n")[1], "text": text_src,
               "previous_token": prev.round(4).tolist(), "first_token": sink.round(4).tolist(),
               "induction": ind.round(4).tolist(), "delimiter": delim.round(4).tolist(),
               "entropy": ent.round(4).tolist(),
               "clearest": {r: [{"layer": l, "head": h, "score": round(abs(s), 4)} for l, h, s in v]
                            for r, v in best.items()}}
        if seqs:
            # For re-checking with the C engine: attnscope dump --text "<induction_text>"
            out["induction_ids"], out["induction_text"] = seqs
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
