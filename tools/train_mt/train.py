#!/usr/bin/python3
"""train.py -- trains the Spanish->English Marian model on work/train.pt.

    /usr/bin/python3 tools/train_mt/train.py --work tools/train_mt/work --out models/bible-es-en \
        [--steps 6000] [--resume]

Fixed seeds: the weight init (--seed) and the batches (a generator seeded by
(seed, epoch), walked by step), so a run resumed from work/ckpt.pt sees the
same batches it would have seen. Checkpoints (model, optimizer, step, log)
every --ckpt-every steps, written atomically; --resume continues from the
last one. Batches group verses of similar length up to --batch-tokens source
+ target tokens. Loss: cross-entropy with label smoothing 0.1 on the target
tokens and </s>. AdamW, linear warmup, then inverse square root decay.
Logs step, train and validation loss to work/train_log.csv and exports the
folder (export.py) at every checkpoint and at the end.
"""
import argparse
import csv
import json
import math
import os
import random
import time

import torch
import torch.nn.functional as F

import export
from model import Marian


def batches_for_epoch(data, batch_tokens, seed, epoch):
    """Deterministic length-bucketed batches for one epoch."""
    rng = random.Random(seed * 1000003 + epoch)
    order = sorted(range(len(data)), key=lambda i: (len(data[i][0]) + len(data[i][1]), rng.random()))
    out, cur, longest = [], [], 0
    for i in order:
        n = len(data[i][0]) + len(data[i][1])
        if cur and max(longest, n) * (len(cur) + 1) > batch_tokens:
            out.append(cur)
            cur, longest = [], 0
        cur.append(i)
        longest = max(longest, n)
    if cur:
        out.append(cur)
    rng.shuffle(out)
    return out


def collate(data, idx, pad, start):
    src = [data[i][0] for i in idx]
    tgt = [data[i][1] for i in idx]
    S, T = max(map(len, src)), max(map(len, tgt))
    s = torch.full((len(idx), S), pad)
    dec_in = torch.full((len(idx), T), pad)
    labels = torch.full((len(idx), T), -100)
    for b, (x, y) in enumerate(zip(src, tgt)):
        s[b, : len(x)] = torch.tensor(x)
        dec_in[b, 0] = start
        dec_in[b, 1: len(y)] = torch.tensor(y[:-1])
        labels[b, : len(y)] = torch.tensor(y)
    return s, s == pad, dec_in, labels


def lr_at(step, base, warmup):
    step = max(step, 1)
    return base * min(step / warmup, math.sqrt(warmup / step))


@torch.no_grad()
def val_loss(model, val, pad, start, n_max=400):
    model.eval()
    tot, n = 0.0, 0
    for k in range(0, min(len(val), n_max), 32):
        idx = list(range(k, min(k + 32, len(val), n_max)))
        s, sp, d, l = collate(val, idx, pad, start)
        logits = model(s, sp, d)
        tot += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), l.reshape(-1), ignore_index=-100,
                               reduction="sum").item()
        n += int((l != -100).sum())
    model.train()
    return tot / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="tools/train_mt/work")
    ap.add_argument("--out", default="models/bible-es-en")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch-tokens", type=int, default=6000)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1909)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=1024)
    ap.add_argument("--max-pos", type=int, default=256)
    ap.add_argument("--ckpt-every", type=int, default=250)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dtype", default="F16", choices=["F16", "F32"])
    ap.add_argument("--resume", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    vocab = json.load(open(os.path.join(a.out, "vocab.json"), encoding="utf-8"))
    pad = vocab["<pad>"]
    cfg = {"vocab_size": len(vocab), "d_model": a.d_model, "encoder_layers": a.layers, "decoder_layers": a.layers,
           "encoder_attention_heads": a.heads, "decoder_attention_heads": a.heads, "encoder_ffn_dim": a.ffn,
           "decoder_ffn_dim": a.ffn, "max_position_embeddings": a.max_pos, "pad_token_id": pad,
           "eos_token_id": vocab["</s>"], "decoder_start_token_id": pad}
    train = torch.load(os.path.join(a.work, "train.pt"))
    val = torch.load(os.path.join(a.work, "val.pt"))
    model = Marian(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98), weight_decay=0.01)
    ckpt_path = os.path.join(a.work, "ckpt.pt")
    log_path = os.path.join(a.work, "train_log.csv")
    step, epoch, pos, elapsed = 0, 0, 0, 0.0
    if a.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        assert ck["cfg"] == cfg, "checkpoint was made with another configuration"
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, epoch, pos, elapsed = ck["step"], ck["epoch"], ck["pos"], ck["elapsed"]
        torch.set_rng_state(ck["rng"])  # dropout continues as if never stopped
        print("resumed at step %d" % step)
    elif os.path.exists(log_path):
        os.remove(log_path)
    n_params = sum(p.numel() for p in model.parameters())
    print("parameters: %d, train pairs %d, val pairs %d" % (n_params, len(train), len(val)))
    batches = batches_for_epoch(train, a.batch_tokens, a.seed, epoch)
    t0 = time.time() - elapsed
    model.train()
    while step < a.steps:
        if pos >= len(batches):
            epoch, pos = epoch + 1, 0
            batches = batches_for_epoch(train, a.batch_tokens, a.seed, epoch)
        s, sp, d, l = collate(train, batches[pos], pad, pad)
        pos += 1
        step += 1
        for g in opt.param_groups:
            g["lr"] = lr_at(step, a.lr, a.warmup)
        logits = model(s, sp, d)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), l.reshape(-1), ignore_index=-100,
                               label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        row = {"step": step, "train_loss": round(loss.item(), 4), "val_loss": "", "lr": round(lr_at(step, a.lr, a.warmup), 7),
               "seconds": round(time.time() - t0, 1)}
        if step % a.eval_every == 0 or step == a.steps:
            row["val_loss"] = round(val_loss(model, val, pad, pad), 4)
            print("step %d train %.3f val %.3f (%.0f s)" % (step, loss.item(), row["val_loss"], row["seconds"]), flush=True)
        new = not os.path.exists(log_path)
        with open(log_path, "a", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(row))
            if new:
                w.writeheader()
            w.writerow(row)
        if step % a.ckpt_every == 0 or step == a.steps:
            tmp = ckpt_path + ".tmp"
            torch.save({"cfg": cfg, "model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                        "epoch": epoch, "pos": pos, "elapsed": time.time() - t0, "rng": torch.get_rng_state()}, tmp)
            os.replace(tmp, ckpt_path)
            model.eval()
            export.save(model, a.out, a.dtype)
            model.train()
    print("done: %d steps in %.0f s" % (step, time.time() - t0))


if __name__ == "__main__":
    main()
