#!/usr/bin/python3
"""curves.py -- pd-bert's training curves for its model card.

    /usr/bin/python3 tools/train_bert/curves.py --log tools/train_bert/work/log.jsonl --out models/pd-bert/loss.png

Left: the masked-token loss (train: the batch at each evaluation; held out:
128 sequences with one fixed masking), nats. Right: held-out top-1 and top-5
accuracy on the masked positions.
"""
import argparse
import json

import matplotlib
matplotlib.use("Agg")  # no display on build machines
import matplotlib.pyplot as plt  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rows = [json.loads(line) for line in open(a.log) if line.strip()]
    if not rows:
        raise SystemExit(f"curves.py: {a.log} has no evaluations yet; HINT: train first")
    step = [r["step"] for r in rows]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=100)
    a1.plot(step, [r["train_loss"] for r in rows], "o-", ms=3, color="#7f7f7f", label="train (batch)")
    a1.plot(step, [r["val_loss"] for r in rows], "o-", ms=3, color="#1f77b4", label="held out")
    a1.set_xlabel("training step")
    a1.set_ylabel("masked-token loss (nats)")
    a1.set_title("pd-bert: masked-language-model loss")
    a1.grid(alpha=0.3)
    a1.legend()
    a2.plot(step, [100 * r["val_top1"] for r in rows], "o-", ms=3, color="#d62728", label="top-1")
    a2.plot(step, [100 * r["val_top5"] for r in rows], "o-", ms=3, color="#2ca02c", label="top-5")
    a2.set_xlabel("training step")
    a2.set_ylabel("held-out accuracy on masked tokens (%)")
    a2.set_ylim(0, 100)
    a2.set_title("the original word among the guesses")
    a2.grid(alpha=0.3)
    a2.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(a.out)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
