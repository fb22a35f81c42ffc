#!/usr/bin/python3
"""curves.py -- bible-es-en's training curves for its model card.

    /usr/bin/python3 tools/train_mt/curves.py --log tools/train_mt/work/train_log.csv --out models/bible-es-en/loss.png

Train loss (label-smoothed, per step, with a 50-step running mean) and the
validation loss at each evaluation (every 40th verse outside Ruth and
Philemon), nats per target token; the learning rate on a second axis.
"""
import argparse
import csv

import matplotlib
matplotlib.use("Agg")  # no display on build machines
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rows = list(csv.DictReader(open(a.log, newline="")))
    if not rows:
        raise SystemExit(f"curves.py: {a.log} is empty; HINT: train first")
    step = np.array([int(r["step"]) for r in rows])
    tl = np.array([float(r["train_loss"]) for r in rows])
    k = min(50, len(tl))
    mean = np.convolve(tl, np.ones(k) / k, mode="valid")
    ev = [(int(r["step"]), float(r["val_loss"])) for r in rows if r["val_loss"]]
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=100)
    ax.plot(step, tl, color="#cccccc", lw=0.8, label="train (per step)")
    ax.plot(step[k // 2:k // 2 + len(mean)], mean, color="#7f7f7f", label=f"train ({k}-step centred mean)")
    if ev:
        ax.plot([s for s, _ in ev], [v for _, v in ev], "o-", ms=4, color="#1f77b4", label="validation")
    ax.set_xlabel("training step")
    ax.set_ylabel("loss (nats / target token, label smoothing 0.1)")
    ax.set_title("bible-es-en: Spanish -> English")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    lr = ax.twinx()
    lr.plot(step, [float(r["lr"]) for r in rows], color="#ff7f0e", lw=0.8, alpha=0.6)
    lr.set_ylabel("learning rate", color="#ff7f0e")
    fig.tight_layout()
    fig.savefig(a.out)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
