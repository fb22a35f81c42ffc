#!/usr/bin/env python3
"""Loss curves, head-probe curves and baselines for the model card.

Writes MODEL/loss.png, MODEL/training_summary.json and, when the log has the
head probe (tools/train/probe.py), MODEL/roles.png: each role's best-head
score over training steps, and the loss on the first vs second copy of a
repeated random sequence. training_summary.json
which puts the final validation loss next to two reference points:
  - ln(vocab): a model that knows nothing (uniform over the vocabulary);
  - unigram: cross-entropy on the validation split of the training split's
    token frequencies (add-one smoothed so unseen tokens are finite) — what
    a model that ignores context entirely can reach.
All losses are nats per token.
  report.py [--work tools/train/work] [--model models/pd-gpt2]
"""
import argparse
import csv
import json
import math
import os

import matplotlib
matplotlib.use("Agg")  # headless: no display on build machines
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def plot_probe(rows, path, name):
    pr = [r for r in rows if r.get("probe_prev")]
    step = np.array([int(r["step"]) for r in pr])
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=100)
    for key, label, color in (("prev", "previous-token", "#1f77b4"), ("induction", "induction", "#d62728"),
                              ("sink", "first-token / sink", "#2ca02c"),
                              ("delim", "delimiter mass", "#9467bd")):
        a1.plot(step, [float(r["probe_" + key]) for r in pr], "o-", ms=3, color=color, label=label)
    a1.set_xlabel("training step")
    a1.set_ylabel("best head's score")
    a1.set_ylim(0, 1)
    a1.set_title(f"{name}: the best head for each role")
    a1.grid(alpha=0.3)
    a1.legend(loc="upper left")
    a2.plot(step, [float(r["probe_copy1_loss"]) for r in pr], "o-", ms=3, color="#7f7f7f",
            label="first copy (unpredictable)")
    a2.plot(step, [float(r["probe_copy2_loss"]) for r in pr], "o-", ms=3, color="#d62728",
            label="second copy (copyable)")
    a2.set_xlabel("training step")
    a2.set_ylabel("loss (nats/token)")
    a2.set_title("random words repeated twice")
    a2.grid(alpha=0.3)
    a2.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="tools/train/work")
    ap.add_argument("--model", default="models/pd-gpt2")
    args = ap.parse_args()

    with open(os.path.join(args.work, "train_log.csv")) as f:
        all_rows = list(csv.DictReader(f))
    rows = [r for r in all_rows if r["train_loss"]]  # the step-0 probe row has no batch loss
    with open(os.path.join(args.work, "train_summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(args.work, "data_stats.json")) as f:
        stats = json.load(f)
    V = summary["vocab_size"]

    train = np.fromfile(os.path.join(args.work, "train.bin"), dtype=np.uint16)
    val = np.fromfile(os.path.join(args.work, "val.bin"), dtype=np.uint16)
    counts = np.bincount(train, minlength=V).astype(np.float64) + 1.0
    logp = np.log(counts / counts.sum())
    unigram_val = float(-logp[val].mean())

    tokens = np.array([int(r["tokens"]) for r in rows]) / 1e6
    step_loss = np.array([float(r["train_loss"]) for r in rows])
    ev = [r for r in rows if r["val_loss"]]
    ev_tok = np.array([int(r["tokens"]) for r in ev]) / 1e6
    ev_val = np.array([float(r["val_loss"]) for r in ev])
    ev_train = np.array([float(r["eval_train_loss"]) for r in ev])
    # Trailing 20-batch mean: the per-batch loss is too noisy to read, and an
    # EMA would lag badly during the steep start.
    csum = np.concatenate([[0.0], np.cumsum(step_loss)])
    k = np.minimum(np.arange(1, len(step_loss) + 1), 20)
    smooth = (csum[1:] - csum[np.arange(1, len(step_loss) + 1) - k]) / k

    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    ax.plot(tokens, step_loss, color="#bbbbbb", lw=0.6, label="train, per batch")
    ax.plot(tokens, smooth, color="#1f77b4", lw=1.5, label="train, 20-batch mean")
    ax.plot(ev_tok, ev_train, "o-", color="#2ca02c", ms=4, label="train, fixed sample")
    ax.plot(ev_tok, ev_val, "s-", color="#d62728", ms=4, label="validation")
    ax.axhline(unigram_val, ls="--", color="#9467bd", lw=1, label=f"unigram baseline {unigram_val:.2f}")
    ax.axhline(math.log(V), ls=":", color="#7f7f7f", lw=1, label=f"ln(vocab) {math.log(V):.2f}")
    hp = summary["hp"]
    for c in hp.get("cycles", [])[1:]:
        # Mark the warm restart: the bump in train loss there is the LR going back up.
        ax.axvline(c["start"] * hp["batch"] * hp["ctx"] / 1e6, color="#ff7f0e", lw=0.8, ls="-.",
                   label=f"LR restart (step {c['start']})")
    ax.set_xlabel("training tokens (millions)")
    ax.set_ylabel("loss (nats/token)")
    ax.set_ylim(min(ev_val.min(), ev_train.min()) - 0.3, math.log(V) + 0.3)
    name = os.path.basename(os.path.normpath(args.model))
    ax.set_title(f"{name}: {summary['params'] / 1e6:.2f}M params, vocab {V}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(os.path.join(args.model, "loss.png"))
    if "probe_prev" in all_rows[0]:
        plot_probe(all_rows, os.path.join(args.model, "roles.png"), name)

    out = {
        "params": summary["params"], "vocab_size": V, "hyperparameters": summary["hp"],
        "steps": summary["hp"]["steps"], "tokens_seen": summary["tokens_seen"],
        "train_tokens": summary["train_tokens"], "val_tokens": summary["val_tokens"],
        "epochs": round(summary["tokens_seen"] / summary["train_tokens"], 2),
        "training_wall_seconds": summary["wall_seconds"],
        "final_val_loss": round(summary["final_val_loss"], 4),
        "final_train_loss_fixed_sample": round(summary["final_eval_train_loss"], 4),
        "final_train_loss_last100_batches": round(float(step_loss[-100:].mean()), 4),
        "unigram_val_loss": round(unigram_val, 4),
        "ln_vocab": round(math.log(V), 4),
        "data": stats["sources"],
    }
    with open(os.path.join(args.model, "training_summary.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps({k: v for k, v in out.items() if k != "data"}, indent=1))


if __name__ == "__main__":
    main()
