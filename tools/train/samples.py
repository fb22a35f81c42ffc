#!/usr/bin/env python3
"""Greedy continuations from the exported model, for the model card.

Greedy (argmax) so the output is deterministic and `attnscope generate`
must print the same text from the same prompt.
  samples.py [--model models/pd-gpt2] [-n 40]
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "bpe"))
from bpe import Tokenizer  # noqa: E402
from model_llama import load_any, n_ctx  # noqa: E402

PROMPTS = [
    "It is a truth universally acknowledged, that",
    "Elizabeth looked at Mr. Darcy and said",
    "In the beginning God created",
    "A hacker is a person who",
    "The dog ran across the",
    "CYNIC, n.",
]


@torch.no_grad()
def greedy(model, ids, n, n_ctx):
    ids = list(ids)
    for _ in range(n):
        logits = model(torch.tensor([ids[-n_ctx:]]))[0, -1]
        ids.append(int(torch.argmax(logits)))
    return ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/pd-gpt2")
    ap.add_argument("-n", type=int, default=40)
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, cfg, prefix = load_any(args.model)
    tok = Tokenizer(os.path.join(args.model, "vocab.json"), os.path.join(args.model, "merges.txt"))
    for p in PROMPTS:
        ids = prefix + tok.encode(p)  # BOS first for Llama, as `attnscope generate` does
        out = greedy(model, ids, args.n, n_ctx(cfg))
        print(f"**{p}**{tok.decode(out[len(ids):])}".replace("\n", " ⏎ "))
        print()


if __name__ == "__main__":
    main()
