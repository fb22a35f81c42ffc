#!/usr/bin/env python3
"""Write tests/data/pd_<model>_reference.json: ground truth for the C engine.

For a handful of held-out texts (decoded strings from the validation split,
so the model never trained on them) records our Python encoder's token ids
and the mean next-token loss computed in PyTorch from the EXPORTED
safetensors (not the in-memory model), so the C test compares two readers of
the same file. Loss definition: mean over t = 0..T-2 of -log p(id[t+1] | id[0..t])
over the ids attnscope feeds the model: no BOS for GPT-2, BOS first for
Llama — what `attnscope dump` reports as "loss".

  export_reference.py [--model models/pd-gpt2] [--work tools/train/work]
                      [--out tests/data/pd_gpt2_reference.json]
"""
import argparse
import json
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "bpe"))
from bpe import Tokenizer  # noqa: E402
from model_llama import load_any, n_ctx  # noqa: E402

# One text per style so a bug that only shows on, e.g., curly quotes or
# digits still trips the test.
SOURCES = ["austen_prideprejudice", "web_bible", "wordnet_glosses", "jargon", "devil"]
TARGET_CHARS = 400


def pick_text(val_text):
    """A few hundred characters starting at the second line (the first may be
    cut mid-paragraph by the split), ending at a word boundary."""
    start = val_text.index("\n") + 1
    while val_text[start] == "\n":
        start += 1
    end = start + TARGET_CHARS
    while end < len(val_text) and not val_text[end].isspace():
        end += 1
    return val_text[start:end]


@torch.no_grad()
def reference(model, tok, text, prefix):
    ids = prefix + tok.encode(text)
    x = torch.tensor([ids])
    logits = model(x)[0]
    loss = F.cross_entropy(logits[:-1], x[0, 1:]).item()
    last = logits[-1]
    top = torch.topk(last, 5)
    return {"ids": ids, "n_tokens": len(ids), "mean_loss_nats": loss,
            "last_top5": [{"id": int(i), "logit": float(v)} for v, i in zip(top.values, top.indices)]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/pd-gpt2")
    ap.add_argument("--work", default="tools/train/work")
    ap.add_argument("--out", default="tests/data/pd_gpt2_reference.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, cfg, prefix = load_any(args.model)
    tok = Tokenizer(os.path.join(args.model, "vocab.json"), os.path.join(args.model, "merges.txt"))
    cases = []
    for name in SOURCES:
        with open(os.path.join(args.work, "text", name + ".val.txt"), encoding="utf-8") as f:
            text = pick_text(f.read())
        case = {"source": name, "text": text}
        case.update(reference(model, tok, text, prefix))
        assert case["n_tokens"] <= n_ctx(cfg)
        cases.append(case)
        print(f"{name:24s} {case['n_tokens']:4d} tokens  loss {case['mean_loss_nats']:.4f}")
    out = {
        "model": args.model,
        "about": "Held-out validation texts; ids from tools/bpe/bpe.py (%s); mean_loss_nats = mean "
                 "over t=0..T-2 of -ln p(ids[t+1] | ids[0..t]), computed in PyTorch from "
                 "%s/model.safetensors by tools/train/export_reference.py. last_top5: "
                 "the 5 largest logits at the last position."
                 % ("BOS first, as attnscope feeds Llama models" if prefix else "no BOS", args.model),
        "tolerance": 1e-3,
        "cases": cases,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
