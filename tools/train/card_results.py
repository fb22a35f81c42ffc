#!/usr/bin/env python3
"""Write the results part of models/pd-llama/README.md from a finished run.

  card_results.py [--model models/pd-llama] [--work tools/train/work-llama]

Replaces everything from the line "## Results" to the end of the card (or
appends it) with: the losses next to their baselines, bits per byte against
pd-gpt2, the training curves (loss.png, roles.png written by report.py), the
step at which each role's probe first reached its target, issue 9's targets
as measured by the C engine (targets.json from measure_targets.py), the role
table (WORK/head_roles.md, also from `attnscope roles`) and the greedy samples
(WORK/samples.md). Also replaces the "Status at this commit" paragraph. No
number here is computed by this script except the first-step search in the
probe log.
"""
import argparse
import csv
import json
import os

PROBE_TARGETS = [("probe_prev", "previous-token", 0.6), ("probe_induction", "induction", 0.4),
                 ("probe_sink", "first-token / sink", 0.5), ("probe_delim", "delimiter", 0.5)]


def first_step(rows, col, want):
    for r in rows:
        if r.get(col) and float(r[col]) >= want:
            return int(r["step"])
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/pd-llama")
    ap.add_argument("--work", default="tools/train/work-llama")
    args = ap.parse_args()
    with open(os.path.join(args.model, "training_summary.json")) as f:
        summ = json.load(f)
    with open(os.path.join(args.model, "targets.json")) as f:
        targets = json.load(f)
    with open(os.path.join(args.work, "train_log.csv")) as f:
        rows = list(csv.DictReader(f))
    roles_md = open(os.path.join(args.work, "head_roles.md"), encoding="utf-8").read()
    samples_md = open(os.path.join(args.work, "samples.md"), encoding="utf-8").read()
    ok = all(t["ok"] for t in targets["targets"])

    out = ["## Results", ""]
    out += ["Losses in nats/token, validation = the held-out 58,768 tokens (BOS first).", "",
            "| | nats/token |", "|---|---:|",
            f"| **validation, final** | **{summ['final_val_loss']:.3f}** |",
            f"| train, final (fixed 64 x 256-token sample) | {summ['final_train_loss_fixed_sample']:.3f} |",
            f"| unigram baseline | {summ['unigram_val_loss']:.3f} |",
            f"| uniform, ln(vocab) | {summ['ln_vocab']:.3f} |", ""]
    bpb = targets["bpb"]
    out += ["Bits per byte through attnscope (both models BOS first, same chunks):", "",
            "| text | pd-llama | pd-gpt2 |", "|---|---:|---:|"]
    for name in ("validation", "heldout_prose"):
        a, b = bpb.get(f"{name}|pd-llama"), bpb.get(f"{name}|pd-gpt2")
        if a is not None:
            out.append(f"| {name} | {a:.4f} | {'' if b is None else f'{b:.4f}'} |")
    out += ["", f"Training: {summ['steps']} steps, {summ['tokens_seen']:,} tokens, "
            f"{summ['training_wall_seconds'] / 60:.0f} min of wall time on 2 shared cores.", "",
            "![loss curves](loss.png)", "",
            "![best head per role over training](roles.png)", "",
            "Left: the best head's score for each role, from the PyTorch probe logged every 100 "
            "steps (tools/train/probe.py). Right: loss on the first and the second copy of random "
            "words repeated twice; the second copy drops when induction heads form.", ""]
    for col, name, want in PROBE_TARGETS:
        s = first_step(rows, col, want)
        out.append(f"- {name} >= {want}: " + (f"first at step {s}" if s is not None else "not reached")
                   + " (probe)")
    out += ["", "### Issue 9's targets, measured by the C engine", "",
            f"`sh tests/pd_llama_targets_test.sh` ({'all met' if ok else 'NOT all met'}):", ""]
    out += [f"- {'met' if t['ok'] else '**missed**'}: {t['what']}" for t in targets["targets"]]
    out += ["", "### Role table (`attnscope roles`, src/engine/roles.c)", "", roles_md.strip(), "",
            "### Greedy samples (PyTorch, `tools/train/samples.py`; ⏎ = newline)", "",
            samples_md.strip(), ""]

    path = os.path.join(args.model, "README.md")
    card = open(path, encoding="utf-8").read()
    if "## Results" in card:
        card = card[:card.index("## Results")].rstrip() + "\n\n"
    start = card.find("**Status at this commit")
    if start >= 0:
        end = card.index("\n\n", start)
        status = ("**Status: trained; issue 9's targets " + ("are met" if ok else "are NOT all met") +
                  "** (see Results).")
        card = card[:start] + status + card[end:]
    with open(path, "w", encoding="utf-8") as f:
        f.write(card + "\n".join(out) + "\n")
    print(f"{path}: results written ({'targets met' if ok else 'targets not all met'})")


if __name__ == "__main__":
    main()
