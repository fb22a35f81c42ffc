#!/usr/bin/env python3
"""Train pd-gpt2 on CPU and export it in Hugging Face GPT-2 layout.

  train.py --work tools/train/work --out models/pd-gpt2 [--resume]

Fixed step count (not a time budget) so the result depends only on the
seeds and the data, never on how busy the machine was. Batches are drawn
from a generator seeded by (seed, step), so a run resumed from a checkpoint
sees exactly the batches an uninterrupted run would have seen.

Writes work/train_log.csv (step, lr, train loss, and at eval points the
validation loss and a fixed-sample train loss, in nats/token), a checkpoint
work/ckpt.pt every eval, and at the end exports models/pd-gpt2 and checks the
exported file reproduces the in-memory logits.
"""
import argparse
import csv
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as gpt2_model  # noqa: E402
import model_llama  # noqa: E402
import probe  # noqa: E402

# pd-gpt2. Size chosen with bench.py: ~1700 tok/s on 2 idle cores.
#
# Schedule: two cosine cycles (a warm restart). History, because it explains
# the shape: the first attempt planned 1100 steps but the shared cores were
# saturated by other engineers' fuzzers (9 s/step instead of 2.7), so it was
# restarted as one 700-step cycle. That model reached 5.03 nats/token on
# validation but its heads were still nearly uniform (no clear
# previous-token or induction heads), which defeats the purpose of a model
# for looking at heads. The cores had freed up, so training continued from
# the step-700 checkpoint with a second cycle. Both cycles are fixed here, so
# a fresh run follows the same path.
#   cycle 1: steps 0-699, warmup 60, cosine 1.5e-3 -> 1.5e-4
#   cycle 2: steps 700-1499, warmup 30, cosine 1.0e-3 -> 1.0e-4
HP_GPT2 = dict(arch="gpt2", n_layer=6, n_head=6, n_embd=192, n_positions=256,
               batch=16, ctx=256, steps=1500,
               cycles=[dict(start=0, warmup=60, lr=1.5e-3, min_lr=1.5e-4),
                       dict(start=700, warmup=30, lr=1.0e-3, min_lr=1.0e-4)],
               weight_decay=0.1, grad_clip=1.0, eval_every=100, seed=1337,
               bos=False, repeat_frac=0.0, repeat_len=[20, 60])

# pd-llama: the same width/depth/context as pd-gpt2 with Llama's blocks, plus
# the recipe that makes the textbook heads appear (issue 9's experiment):
#   - RoPE instead of learned positions (previous-token heads formed by step
#     150 with RoPE, never with learned positions in 300 steps);
#   - <|endoftext|> as BOS at position 0 of every row, as attnscope feeds
#     Llama models, so a sink head has a fixed place to park attention;
#   - repeat_frac of the rows carry a span of repeat_len random whole-word
#     tokens followed by the same span again; the loss on the first copy is
#     masked (it is unpredictable noise), so the second copy can only be
#     predicted by copying: that is what grows induction heads.
# SwiGLU hidden 512 keeps the MLP's parameter count at pd-gpt2's (3*192*512
# vs 2*192*768).
#
# The schedule, and why (tools/train/README.md has the numbers):
#   cycle 1 (steps 0-1299): prose, 18% of rows with a repeated span; one
#     cosine planned over 1800 steps (`end`), 2e-3 -> 2e-4.
#   cycle 2 (1300-2299): 60% repeat rows, 1e-3 -> 1e-4. By 2300 the model
#     was a good language model with a previous-token head (0.52 through
#     the C engine) but no induction head (0.04): induction heads come after
#     a plateau, and repeats inside 256-token prose rows gave too weak a
#     signal to cross it in a CPU budget.
#   cycle 3 (2300-2499): each step half prose rows (8 x 256) and half copy
#     rows (32 x 64: BOS, then random whole-word spans, each followed by its
#     repeat); loss = the mean of the two parts; LR 1e-3 constant. Short
#     rows cross the plateau sooner (at first attention is uniform, so the
#     key to copy from gets 1/T of the weight: a 2-layer check crossed at
#     ~400 steps with 64-token rows, ~600 with 128). First copies scored
#     (score_first): nothing predicts them, so the model learns to copy
#     nothing when there is nothing to copy; the no-op a head learns for
#     that is to park on BOS, an attention sink.
#   cycle 4 (2500-2799): three quarters copy rows (48 x 64), second copies
#     only: after 200 steps of cycle 3 the second copy was no cheaper than
#     the first (8.16 vs 8.17). Crossed: induction 0.45 at 2700.
#   cycle 5 (2800-2999): a quarter copy rows (16 x 64, first copies scored),
#     12 prose rows, a cosine 1e-3 -> 1e-4 planned to 3200, to bring the
#     prose loss back.
#   cycle 6 (3000-3099): the same rows, a slower cosine from where cycle 5
#     was (5.5e-4) to 5.5e-5 planned to 4000: at 2800 the C engine measured
#     previous-token 0.583 and sink 0.249 (targets 0.6, 0.5).
#   cycle 7 (3100-3999): half copy rows again (32 x 64, second copies only),
#     the same cosine. In the probe both the sink and the previous-token
#     scores had risen only while copy rows dominated (2500-2800: sink 0.09
#     -> 0.29), and were flat with a quarter (0.29, 0.43-0.45 from 2800 to
#     3000), while the prose loss had room (bits/byte 1.75 vs pd-gpt2's 1.95).
#     Result at 4000, C engine: sink 0.361 and induction 0.660 up, bits/byte
#     1.68, but previous-token down to 0.527 (issue 9 wants 0.6 and 0.5),
#     and induction barely fired on a natural sentence said twice (0.14).
#   cycle 8 (4000-4699): three quarters copy rows (48 x 64, first copies
#     scored), half of their spans prose said twice (copy_prose), a cosine
#     1e-3 -> 1e-4 planned to 5000. At 4200: previous-token 0.768, the
#     starter text's induction 0.81; the sink head grew as the LR fell
#     (0.31 at 4200, 0.48 at 4600).
#   cycle 9 (4700-4999): seven eighths copy rows (56 x 64), the LR from
#     2.9e-4 to 1e-4. Result at 5000, C engine: previous-token 0.793, sink
#     0.555, induction 0.684 (0.709 on held-out sentences said twice),
#     bits/byte 1.718: every target met.
# A copy-first order (copy-only rows from scratch, then prose) grew perfect
# previous-token and induction heads but never became a good language model
# in the budget (validation 5.7 nats/token after 2200 steps vs 4.2 here).
HP_LLAMA = dict(arch="llama", n_layer=6, n_head=6, n_embd=192, hidden=512, n_positions=256,
                batch=16, ctx=256, steps=5000,
                cycles=[dict(start=0, end=1800, warmup=100, lr=2.0e-3, min_lr=2.0e-4),
                        dict(start=1300, end=2300, warmup=50, lr=1.0e-3, min_lr=1.0e-4, repeat_frac=0.6),
                        dict(start=2300, warmup=50, lr=1.0e-3, min_lr=1.0e-3, copy_mix=0.5, copy_ctx=64,
                             score_first=True),
                        dict(start=2500, warmup=0, lr=1.0e-3, min_lr=1.0e-3, copy_mix=0.75, copy_ctx=64),
                        dict(start=2800, end=3200, warmup=0, lr=1.0e-3, min_lr=1.0e-4, copy_mix=0.25,
                             copy_ctx=64, score_first=True),
                        dict(start=3000, end=4000, warmup=0, lr=5.5e-4, min_lr=5.5e-5, copy_mix=0.25,
                             copy_ctx=64, score_first=True),
                        dict(start=3100, warmup=0, lr=5.38e-4, min_lr=5.5e-5, copy_mix=0.5, copy_ctx=64),
                        # half the copy spans are prose said twice: induction on natural text
                        dict(start=4000, end=5000, warmup=50, lr=1.0e-3, min_lr=1.0e-4, copy_mix=0.75,
                             copy_ctx=64, score_first=True, copy_prose=0.5),
                        dict(start=4700, end=5000, warmup=0, lr=2.89e-4, min_lr=1.0e-4, copy_mix=0.875,
                             copy_ctx=64, score_first=True, copy_prose=0.5)],
                weight_decay=0.1, grad_clip=1.0, eval_every=100, seed=1337,
                bos=True, repeat_frac=0.18, repeat_len=[20, 60], copy_len=[10, 40])

HP = {}


def cycle_at(step):
    """The schedule cycle that contains step (the last one started by then)."""
    cycles = HP["cycles"]
    k = max(i for i, c in enumerate(cycles) if c["start"] <= step)
    return k, cycles[k]


def lr_at(step):
    """Linear warmup then cosine decay, within the cycle that contains step.
    A cycle's cosine spans to its `end` if given (a cycle cut short by a
    restart keeps the shape it was trained with), else to the next start."""
    cycles = HP["cycles"]
    k, c = cycle_at(step)
    end = cycles[k + 1]["start"] if k + 1 < len(cycles) else HP["steps"]
    end = c.get("end", end)
    t = step - c["start"]
    if t < c["warmup"]:
        return c["lr"] * (t + 1) / c["warmup"]
    p = (t - c["warmup"]) / max(1, end - c["start"] - c["warmup"])
    return c["min_lr"] + 0.5 * (c["lr"] - c["min_lr"]) * (1 + math.cos(math.pi * p))


def get_batch(data, step, bos_id, words):
    """The batch for `step` as a list of (x, y) int64 parts, each (rows, T),
    from a generator seeded by (seed, step) so a resumed run sees the batches
    an uninterrupted one would. The loss is the mean of the parts' losses.

    Prose rows: without HP["bos"], ctx+1 consecutive tokens, as pd-gpt2 was
    trained; with it, BOS then ctx consecutive tokens. In a repeat row a span
    of n random whole-word ids (`words`) is written at position p >= 1 and
    again at p+n; targets inside the first copy are -100 (ignored by the loss).
    A copy_mix cycle gives prose rows for (1 - copy_mix) of the step's tokens
    and copy rows (copy_batch) for the rest.
    """
    rng = np.random.default_rng([HP["seed"], step])
    B, T = HP["batch"], HP["ctx"]
    c = cycle_at(step)[1]
    cT = c.get("copy_ctx", T)
    mix = c.get("copy_mix", 0.0)
    parts = [prose_batch(data, rng, bos_id, words, int(round(B * (1 - mix))), c)]
    if mix:
        parts.append(copy_batch(rng, bos_id, words, cT, int(round(B * T * mix / cT)),
                                c.get("score_first", False), data, c.get("copy_prose", 0.0)))
    return parts


def prose_batch(data, rng, bos_id, words, B, c):
    """B prose rows (see get_batch); c is the schedule cycle."""
    T = HP["ctx"]
    body = T if HP["bos"] else T + 1
    starts = rng.integers(0, len(data) - body, size=B)
    rows = np.stack([data[s:s + body] for s in starts]).astype(np.int64)
    if HP["bos"]:
        rows = np.concatenate([np.full((B, 1), bos_id, dtype=np.int64), rows], axis=1)
    y = rows[:, 1:].copy()
    lo, hi = HP["repeat_len"]
    frac = c.get("repeat_frac", HP["repeat_frac"])
    for b in np.nonzero(rng.random(B) < frac)[0]:
        n = int(rng.integers(lo, hi + 1))
        p = int(rng.integers(1, T + 1 - 2 * n))
        span = rng.choice(words, size=n, replace=False)
        rows[b, p:p + n] = span
        rows[b, p + n:p + 2 * n] = span
        y[b] = rows[b, 1:]
        y[b, p - 1:p + n - 1] = -100  # targets that are first-copy tokens
    return torch.from_numpy(rows[:, :-1]), torch.from_numpy(y)


def copy_batch(rng, bos_id, words, T, B, score_first=False, data=None, prose=0.0):
    """B copy rows of T tokens: each row is BOS, then spans of n random
    whole-word ids (n from copy_len, at most (T-1)/2) each followed by the
    same span, until the row is full (the tail stays BOS). Second-copy
    targets count, so the loss can only fall by copying; with score_first
    the first-copy targets count too (nothing predicts them: the best is
    to copy nothing there), the rest are -100.
    With prose > 0 that fraction of the spans are n consecutive tokens of
    `data` instead (a natural sentence said twice, as in the app's starter
    text); their first copies are scored with score_first like prose.
    prose == 0 draws nothing extra from rng, so older cycles replay."""
    lo, hi = HP["copy_len"]
    hi = min(hi, (T - 1) // 2)
    rows = np.full((B, T + 1), bos_id, dtype=np.int64)
    y = np.full((B, T), -100, dtype=np.int64)
    for b in range(B):
        p = 1
        while True:
            n = int(rng.integers(lo, hi + 1))
            if p + 2 * n > T + 1:
                break
            if prose and rng.random() < prose:
                at = int(rng.integers(0, len(data) - n))
                span = data[at:at + n].astype(np.int64)
            else:
                span = rng.choice(words, size=n, replace=False)
            rows[b, p:p + n] = span
            rows[b, p + n:p + 2 * n] = span
            y[b, p + n - 1:p + 2 * n - 1] = span
            if score_first:
                y[b, p - 1:p + n - 1] = span
            p += 2 * n
    return torch.from_numpy(rows[:, :-1]), torch.from_numpy(y)


@torch.no_grad()
def mean_loss(model, windows, bs=32):
    """Mean next-token loss (nats) over (N, ctx+1) windows."""
    model.eval()
    total, n = 0.0, 0
    for i in range(0, len(windows), bs):
        w = torch.from_numpy(windows[i:i + bs].astype(np.int64))
        logits = model(w[:, :-1])
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), w[:, 1:].reshape(-1),
                                 reduction="sum").item()
        n += w[:, 1:].numel()
    model.train()
    return total / n


def tile(data, ctx, bos_id=None):
    """Non-overlapping (ctx+1)-token windows covering `data`; with bos_id,
    each window is BOS + ctx tokens of data."""
    if bos_id is None:
        n = (len(data) - 1) // ctx
        return np.stack([data[i * ctx:i * ctx + ctx + 1] for i in range(n)])
    n = len(data) // ctx
    return np.stack([np.concatenate([[bos_id], data[i * ctx:(i + 1) * ctx]]) for i in range(n)])


def build_model(vocab_size):
    if HP["arch"] == "llama":
        return model_llama.Llama(vocab_size, HP["n_layer"], HP["n_head"], HP["n_embd"],
                                 HP["n_positions"], HP["hidden"])
    return gpt2_model.GPT(vocab_size, HP["n_layer"], HP["n_head"], HP["n_embd"], HP["n_positions"])


def param_groups(model):
    """Weight decay on the weight matrices of linear layers only: never on
    token/position embeddings (nn.Embedding), norm gains, or biases."""
    emb = {id(m.weight) for m in model.modules() if isinstance(m, torch.nn.Embedding)}
    decay, no_decay = [], []
    for _, p in model.named_parameters():
        (decay if p.dim() == 2 and id(p) not in emb else no_decay).append(p)
    return [{"params": decay, "weight_decay": HP["weight_decay"]},
            {"params": no_decay, "weight_decay": 0.0}]


def export_checkpoint(args):
    """Export the latest checkpoint as an HF folder (weights + config) to look
    at a run in progress with attnscope; the tokenizer files are copied from
    the folder the run exports to (models/pd-llama)."""
    import shutil
    ck = torch.load(os.path.join(args.work, "ckpt.pt"))
    HP.update(ck["hp"])
    with open(os.path.join(args.work, "data_stats.json")) as f:
        vocab_size = json.load(f)["vocab_size"]
    model = build_model(vocab_size)
    model.load_state_dict(ck["model"])
    mod = model_llama if HP["arch"] == "llama" else gpt2_model
    mod.export_hf(model, args.out, vocab_size - 1)
    src = "models/pd-llama" if HP["arch"] == "llama" else "models/pd-gpt2"
    for name in ("vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json"):
        if os.path.exists(os.path.join(src, name)) and os.path.abspath(src) != os.path.abspath(args.out):
            shutil.copy(os.path.join(src, name), args.out)
    print(f"exported step {ck['step']} to {args.out}")


LOG_COLS = ["step", "tokens", "lr", "train_loss", "eval_train_loss", "val_loss", "elapsed_s"] + \
    [f"probe_{k}" for k in probe.COLUMNS]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=["gpt2", "llama"], default="llama")
    ap.add_argument("--work", default="tools/train/work-llama")
    ap.add_argument("--out", default="models/pd-llama")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--steps", type=int, help="override (smoke tests only)")
    ap.add_argument("--tail", help="JSON {\"steps\": N, \"cycles\": [...]}: extra cycles appended "
                    "to the schedule, to try a continuation from a checkpoint before it goes into HP_*")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (1 when sharing the cores)")
    ap.add_argument("--export-ckpt", action="store_true",
                    help="only export work/ckpt.pt (a run in progress) to --out, then exit")
    args = ap.parse_args()
    HP.update(HP_LLAMA if args.arch == "llama" else HP_GPT2)
    if args.export_ckpt:
        return export_checkpoint(args)
    if args.tail:
        try:
            tail = json.loads(args.tail)
            cycles, steps = list(tail["cycles"]), int(tail["steps"])
            ok = cycles and all(c["start"] >= HP["cycles"][-1]["start"] for c in cycles)
        except (ValueError, KeyError, TypeError) as e:
            why = f"no {e} field" if isinstance(e, KeyError) else str(e)
            ap.error(f"--tail: {why}; HINT: give JSON like {{\"steps\": 5400, \"cycles\": [{{\"start\": 5000, ...}}]}}")
        if not ok or steps <= cycles[-1]["start"]:
            ap.error(f"--tail: cycles must start at or after step {HP['cycles'][-1]['start']} "
                     "and before \"steps\"")
        HP["cycles"] = HP["cycles"] + cycles
        HP["steps"] = steps
    if args.steps:
        # the same cycles squeezed into the smoke run's steps
        f = args.steps / HP["steps"]
        HP["cycles"] = [dict(c, **{k: max(1, int(c[k] * f)) if k == "warmup" else int(c[k] * f)
                                   for k in ("start", "end", "warmup") if k in c})
                        for c in HP["cycles"]]
        HP["steps"] = args.steps
        HP["eval_every"] = max(1, args.steps // 2)

    torch.set_num_threads(args.threads)
    torch.manual_seed(HP["seed"])
    np.random.seed(HP["seed"])

    train = np.fromfile(os.path.join(args.work, "train.bin"), dtype=np.uint16)
    val = np.fromfile(os.path.join(args.work, "val.bin"), dtype=np.uint16)
    with open(os.path.join(args.work, "data_stats.json")) as f:
        vocab_size = json.load(f)["vocab_size"]
    eot_id = vocab_size - 1
    bos_id = eot_id if HP["bos"] else None
    tok = probe.load_tokenizer(args.out)
    words = np.array(probe.whole_word_ids(tok), dtype=np.int64)
    pr = probe.Probe(tok, val, bos_id)
    val_windows = tile(val, HP["ctx"], bos_id)
    # A fixed train sample the size of a few batches gives a clean train curve
    # to plot next to validation (the per-step loss is noisy).
    rng = np.random.default_rng(HP["seed"] + 1)
    ts = rng.integers(0, len(train) - HP["ctx"] - 1, size=64)
    train_windows = np.concatenate([tile(train[s:s + HP["ctx"] + 1], HP["ctx"], bos_id) for s in ts])

    model = build_model(vocab_size)
    opt = torch.optim.AdamW(param_groups(model), lr=HP["cycles"][0]["lr"], betas=(0.9, 0.95), eps=1e-8)
    ckpt_path = os.path.join(args.work, "ckpt.pt")
    log_path = os.path.join(args.work, "train_log.csv")
    probe_path = os.path.join(args.work, "probe.jsonl")
    start, elapsed0 = 0, 0.0
    if args.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        assert ck["hp"]["arch"] == HP["arch"], "checkpoint is for another --arch"
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        start, elapsed0 = ck["step"], ck["elapsed"]
        # Drop log rows written after the checkpoint; those steps run again.
        for path in (log_path, probe_path):
            if not os.path.exists(path):
                continue
            with open(path, newline="") as f:
                lines = f.read().splitlines(keepends=True)
            if path == log_path:
                keep = lines[:1] + [l for l in lines[1:] if int(l.split(",")[0]) <= start]
            else:
                keep = [l for l in lines if json.loads(l)["step"] <= start]
            with open(path, "w", newline="") as f:
                f.writelines(keep)
        print(f"resumed at step {start}", flush=True)
    else:
        with open(log_path, "w", newline="") as f:
            csv.writer(f).writerow(LOG_COLS)
        open(probe_path, "w").close()
    print(f"params {model.num_params()} ({model.num_params() / 1e6:.2f}M), vocab {vocab_size}, "
          f"train {len(train)} tokens, val {len(val)} tokens, hp {HP}", flush=True)

    def evaluate(done, row):
        vl = mean_loss(model, val_windows)
        tl = mean_loss(model, train_windows)
        scores = pr.run(model)
        model.train()
        row[4], row[5] = f"{tl:.5f}", f"{vl:.5f}"
        with open(probe_path, "a") as f:
            f.write(json.dumps({"step": done, **scores}) + "\n")
        return vl, tl, scores

    t0 = time.time() - elapsed0
    if start == 0:  # the probe at step 0: the untrained baseline of every score
        row0 = [0, 0, "", "", "", ""]
        _, _, sc = evaluate(0, row0)
        with open(log_path, "a", newline="") as f:
            csv.writer(f).writerow(row0 + [f"{time.time() - t0:.1f}"] + probe.row(sc))
    model.train()
    for step in range(start, HP["steps"]):
        lr = lr_at(step)
        for g in opt.param_groups:
            g["lr"] = lr
        parts = get_batch(train, step, eot_id, words)
        loss = sum(F.cross_entropy(model(x).reshape(-1, vocab_size), y.reshape(-1), ignore_index=-100)
                   for x, y in parts) / len(parts)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), HP["grad_clip"])
        opt.step()
        done = step + 1
        row = [done, done * HP["batch"] * HP["ctx"], f"{lr:.6g}", f"{loss.item():.5f}", "", ""]
        extra = [""] * len(probe.COLUMNS)
        if done % HP["eval_every"] == 0 or done == HP["steps"]:
            vl, tl, sc = evaluate(done, row)
            extra = probe.row(sc)
            el = time.time() - t0
            print(f"step {done}/{HP['steps']} lr {lr:.2e} loss {loss.item():.4f} "
                  f"train {tl:.4f} val {vl:.4f} elapsed {el / 60:.1f} min | {probe.summary(sc)}",
                  flush=True)
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": done,
                        "elapsed": el, "hp": HP}, ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)  # never leave a half-written checkpoint
        elif done % 10 == 0:
            print(f"step {done} loss {loss.item():.4f} {(time.time() - t0) / done:.2f}s/step "
                  f"(mean since step 0)", flush=True)
        with open(log_path, "a", newline="") as f:
            csv.writer(f).writerow(row + [f"{time.time() - t0:.1f}"] + extra)

    wall = time.time() - t0
    model.eval()
    mod = model_llama if HP["arch"] == "llama" else gpt2_model
    mod.export_hf(model, args.out, eot_id)
    # Round-trip check: a transposed weight or a misnamed tensor shows up here
    # as a logit mismatch, before anything ships.
    loaded, _ = mod.load_hf(args.out)
    x = torch.from_numpy(val_windows[0][:-1].astype(np.int64))[None]
    with torch.no_grad():
        diff = (model(x) - loaded(x)).abs().max().item()
    print(f"export check: max |logit diff| = {diff:.3g}", flush=True)
    assert diff < 1e-4, "exported model does not reproduce the trained model"
    summary = {"hp": HP, "params": model.num_params(), "vocab_size": vocab_size,
               "tokens_seen": HP["steps"] * HP["batch"] * HP["ctx"],
               "train_tokens": int(len(train)), "val_tokens": int(len(val)),
               "wall_seconds": round(wall, 1),
               "final_val_loss": mean_loss(model, val_windows),
               "final_eval_train_loss": mean_loss(model, train_windows)}
    with open(os.path.join(args.work, "train_summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
