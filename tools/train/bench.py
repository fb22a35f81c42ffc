#!/usr/bin/env python3
"""Time a few training steps for candidate model sizes (tokens/second).

Used once to choose the shipped size so that a fixed step count fits the
~1 hour budget on 2 cores; kept so the choice can be re-checked on another
machine. Usage: bench.py [--steps 6] [--batch 16]
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import GPT  # noqa: E402

CANDIDATES = [  # (n_layer, n_head, n_embd)
    (4, 8, 256), (6, 8, 256), (4, 6, 192), (6, 6, 192)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--vocab", type=int, default=6000)
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    for L, H, D in CANDIDATES:
        m = GPT(args.vocab, L, H, D, args.ctx)
        opt = torch.optim.AdamW(m.parameters(), lr=1e-3)
        x = torch.randint(0, args.vocab, (args.batch, args.ctx + 1))
        times = []
        for i in range(args.steps + 1):
            t0 = time.time()
            logits = m(x[:, :-1])
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, args.vocab), x[:, 1:].reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            if i:  # first step warms up allocators
                times.append(time.time() - t0)
        dt = sum(times) / len(times)
        print(f"L{L} H{H} D{D}: {m.num_params() / 1e6:.2f}M params, {dt:.2f}s/step, "
              f"{args.batch * args.ctx / dt:.0f} tok/s", flush=True)


if __name__ == "__main__":
    main()
