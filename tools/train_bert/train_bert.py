#!/usr/bin/python3
"""train_bert.py -- a small BERT trained with masked-language modelling on
../shared/corpus, exported as a Hugging Face BertForMaskedLM folder.

    /usr/bin/python3 tools/train_bert/train_bert.py check     # tokenizer vs the reference cases
    /usr/bin/python3 tools/train_bert/train_bert.py prepare   # corpus -> work/{train,val}.npy
    /usr/bin/python3 tools/train_bert/train_bert.py train     # resumes from work/ckpt.pt if present
    /usr/bin/python3 tools/train_bert/train_bert.py export    # work/ckpt.pt -> models/pd-bert

Options (all subcommands): --work DIR (tools/train_bert/work), --corpus DIR,
--vocab FILE (bert-base-uncased's vocab.txt), --out DIR (models/pd-bert),
--steps N, --minutes M (stop, checkpoint and export when reached),
--max-chars N (per corpus file; a smoke run), --threads N.

Pre-training as in Devlin et al. (2019), without next-sentence prediction:
15% of the non-special positions are chosen per sequence; of those 80%
become [MASK], 10% a random token, 10% stay; the loss is cross-entropy on
the chosen positions. Half of the sequences are two consecutive segments
[CLS] A [SEP] B [SEP] with token types 0/1, so both type embeddings learn.
Seeds are fixed (data order, masking, init); a checkpoint holds the model,
the optimizer, the step and every RNG state, so a resumed run continues the
same stream. Every --eval-every steps the held-out split (the last 2% of
each corpus file) is scored with one fixed masking: MLM loss, top-1 and
top-5 accuracy on the chosen positions, appended to work/log.jsonl.
"""
import argparse
import json
import math
import os
import random
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wordpiece import SPECIALS, WordPiece  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FILES = ["austen_emma.txt", "austen_mansfieldpark.txt", "austen_northangerabbey.txt",
         "austen_persuasion.txt", "austen_prideprejudice.txt", "austen_sensesensibility.txt",
         "cfi_en.txt", "devil.txt", "jargon.txt", "kjv.txt", "web_bible.txt", "wordnet_glosses.txt"]
CONFIG = dict(hidden_size=128, num_hidden_layers=4, num_attention_heads=4, intermediate_size=512,
              max_position_embeddings=128, type_vocab_size=2, layer_norm_eps=1e-12, hidden_act="gelu")
SEQ, BATCH, LR, WARMUP = 128, 32, 1e-3, 300
# Sequences are SHORT_SEQ tokens long (SHORT_BATCH of them, the same tokens
# per step) for the first SHORT_FRAC of the steps: at the start attention is
# uniform, so a neighbour gets 1/T of a query's weight, and the gradient that
# teaches heads to look at the next or previous word is 4x as strong at
# T = 32 as at 128. (BERT itself started at 128 tokens and moved to 512.)
# Measured here: with 64-token sequences and positions at 0.03 the heads were
# still uniform (next/previous weight 0.016 = 1/64) after 4000 steps, and
# MLM top-1 sat at 0.15 ("the", "," for every mask); with 32 tokens and
# positions at 0.1 (--pos-scale) local heads were there by step 750
# (next-word weight 0.21 in L0H1).
SHORT_SEQ, SHORT_BATCH, SHORT_FRAC = 32, 128, 0.3
VOCAB_SIZE = 8192  # our vocabulary: a frequency-ranked subset of bert-base-uncased's


# --- model: module names are transformers' modeling_bert names --------------

class Node(nn.Module):
    """A named container, so state_dict keys read like Hugging Face's."""


def linear(d_in, d_out):
    lin = nn.Linear(d_in, d_out)
    nn.init.normal_(lin.weight, std=0.02)
    nn.init.zeros_(lin.bias)
    return lin


class Bert(nn.Module):
    def __init__(self, vocab, cfg):
        super().__init__()
        D, F_, eps = cfg["hidden_size"], cfg["intermediate_size"], cfg["layer_norm_eps"]
        self.cfg = cfg
        self.bert = Node()
        e = self.bert.embeddings = Node()
        e.word_embeddings = nn.Embedding(vocab, D)
        e.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], D)
        e.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], D)
        for emb in (e.word_embeddings, e.position_embeddings, e.token_type_embeddings):
            nn.init.normal_(emb.weight, std=0.02)
        e.LayerNorm = nn.LayerNorm(D, eps=eps)
        self.bert.encoder = Node()
        layers = []
        for _ in range(cfg["num_hidden_layers"]):
            L = Node()
            L.attention = Node()
            L.attention.self = Node()
            for n in ("query", "key", "value"):
                setattr(L.attention.self, n, linear(D, D))
            L.attention.output = Node()
            L.attention.output.dense = linear(D, D)
            L.attention.output.LayerNorm = nn.LayerNorm(D, eps=eps)
            L.intermediate = Node()
            L.intermediate.dense = linear(D, F_)
            L.output = Node()
            L.output.dense = linear(F_, D)
            L.output.LayerNorm = nn.LayerNorm(D, eps=eps)
            layers.append(L)
        self.bert.encoder.layer = nn.ModuleList(layers)
        self.cls = Node()
        p = self.cls.predictions = Node()
        p.transform = Node()
        p.transform.dense = linear(D, D)
        p.transform.LayerNorm = nn.LayerNorm(D, eps=eps)
        p.bias = nn.Parameter(torch.zeros(vocab))

    def forward(self, ids, types, sel=None):
        """ids, types (B, T) -> logits (B, T, V), or (N, V) at the N positions
        where the bool (B, T) sel is true (the MLM head is the costly part);
        post-LN blocks, erf GELU."""
        B, T = ids.shape
        H = self.cfg["num_attention_heads"]
        e = self.bert.embeddings
        x = e.word_embeddings(ids) + e.position_embeddings(torch.arange(T))[None] + e.token_type_embeddings(types)
        x = e.LayerNorm(x)
        for L in self.bert.encoder.layer:
            s = L.attention.self
            q, k, v = (lin(x).view(B, T, H, -1).transpose(1, 2) for lin in (s.query, s.key, s.value))
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]), dim=-1)
            a = (att @ v).transpose(1, 2).reshape(B, T, -1)
            x = L.attention.output.LayerNorm(x + L.attention.output.dense(a))
            x = L.output.LayerNorm(x + L.output.dense(F.gelu(L.intermediate.dense(x))))
        if sel is not None:
            x = x[sel]
        p = self.cls.predictions
        h = p.transform.LayerNorm(F.gelu(p.transform.dense(x)))
        return h @ e.word_embeddings.weight.T + p.bias


# --- data --------------------------------------------------------------------

def cmd_check(a, wp):
    with open(os.path.join(ROOT, "tests", "tokenizer", "bert_cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    bad = 0
    n = 0
    for c in cases:
        if not c["valid"] or "ids" not in c:
            continue
        n += 1
        got = wp.encode(c["text"])
        if got != c["ids"]:
            bad += 1
            if bad <= 5:
                print("differs:", repr(c["text"][:60]), got[:12], c["ids"][:12])
    print("%d passed, %d failed" % (n - bad, bad))
    return 1 if bad else 0


def cmd_prepare(a, wp):
    train, val = [], []
    for name in FILES:
        with open(os.path.join(a.corpus, name), encoding="utf-8", errors="replace") as f:
            text = f.read(a.max_chars) if a.max_chars else f.read()
        ids = []
        for line in text.splitlines():
            ids += wp.encode(line)
        cut = int(len(ids) * 0.98)
        train.append(np.array(ids[:cut], np.int32))
        val.append(np.array(ids[cut:], np.int32))
        print("%-28s %9d tokens" % (name, len(ids)), flush=True)
    os.makedirs(a.work, exist_ok=True)
    np.save(os.path.join(a.work, "train.npy"), np.concatenate(train))
    np.save(os.path.join(a.work, "val.npy"), np.concatenate(val))
    return 0


def cmd_vocab(a, wp):
    """Our vocabulary: [PAD] [UNK] [CLS] [SEP] [MASK], then pieces of the
    full vocabulary (--vocab) by how often they occur in --counts (train.npy
    made with it), keeping every single character and its ## form so any
    word still splits, cut at VOCAB_SIZE. bert-base-uncased's 30522 pieces
    made 3.9M of the model's 4.8M parameters, most of them for words the
    corpus never uses; 8192 cover the corpus at 74% whole words."""
    ids = np.load(a.counts)
    assert ids.max() < len(wp.pieces), "%s was not made with %s" % (a.counts, a.vocab)
    count = np.bincount(ids, minlength=len(wp.pieces))
    chars = {i for i, p in enumerate(wp.pieces) if len(p) == 1 or (len(p) == 3 and p.startswith("##"))}
    words = [i for i in np.argsort(-count, kind="stable") if i >= wp.first_word and count[i] > 0
             and i not in chars]
    keep = chars | set(words[:VOCAB_SIZE - len(SPECIALS) - len(chars)])
    order = sorted(keep, key=lambda i: (-count[i], i))
    pieces = list(SPECIALS) + [wp.pieces[i] for i in order]
    os.makedirs(os.path.dirname(a.our_vocab) or ".", exist_ok=True)
    with open(a.our_vocab, "w", encoding="utf-8") as f:
        f.write("".join(p + "\n" for p in pieces))
    print("wrote %s: %d pieces (%d characters)" % (a.our_vocab, len(pieces), len(chars)))
    return 0


def make_batch(stream, wp, rng, n, vocab, T=SEQ):
    """n sequences of T tokens from random places in stream, masked.
    Returns ids, types, labels (-100 where not chosen), all (n, T)."""
    body = T - 3
    ids = np.full((n, T), wp.pad, np.int64)
    types = np.zeros((n, T), np.int64)
    for i in range(n):
        at = rng.randrange(0, len(stream) - body)
        chunk = [int(t) for t in stream[at:at + body]]
        if rng.random() < 0.5:  # [CLS] A [SEP] B [SEP]
            cut = rng.randrange(8, body - 8)
            seq = [wp.cls] + chunk[:cut] + [wp.sep] + chunk[cut:] + [wp.sep]
            types[i, cut + 2:] = 1
        else:
            seq = [wp.cls] + chunk + [wp.sep]
            types[i, :] = 0
        ids[i, :len(seq)] = seq
    labels = np.full((n, T), -100, np.int64)
    special = (ids == wp.cls) | (ids == wp.sep) | (ids == wp.pad)
    r = np.array([[rng.random() for _ in range(T)] for _ in range(n)])
    chosen = (r < 0.15) & ~special
    labels[chosen] = ids[chosen]
    act = np.array([[rng.random() for _ in range(T)] for _ in range(n)])
    rand_ids = np.array([[rng.randrange(wp.first_word, vocab) for _ in range(T)] for _ in range(n)])
    ids = np.where(chosen & (act < 0.8), wp.mask, ids)
    ids = np.where(chosen & (act >= 0.8) & (act < 0.9), rand_ids, ids)
    return torch.from_numpy(ids), torch.from_numpy(types), torch.from_numpy(labels)


def evaluate(model, val, wp, vocab):
    """MLM loss, top-1 and top-5 on 128 held-out sequences, one fixed masking."""
    rng = random.Random(1234)
    model.eval()
    tot = top1 = top5 = 0
    loss = 0.0
    with torch.no_grad():
        for _ in range(4):
            ids, types, labels = make_batch(val, wp, rng, BATCH, vocab)
            m = labels != -100
            lg, y = model(ids, types, m), labels[m]
            loss += F.cross_entropy(lg, y, reduction="sum").item()
            best = lg.topk(5, dim=-1).indices
            top1 += (best[:, 0] == y).sum().item()
            top5 += (best == y[:, None]).any(-1).sum().item()
            tot += y.numel()
    model.train()
    return loss / tot, top1 / tot, top5 / tot


def cmd_train(a, wp):
    torch.set_num_threads(a.threads)
    train = np.load(os.path.join(a.work, "train.npy"))
    val = np.load(os.path.join(a.work, "val.npy"))
    vocab = len(wp.pieces)
    torch.manual_seed(0)
    model = Bert(vocab, CONFIG)
    if a.pos_init == "sin":
        # Learned positions that start as sinusoids (Vaswani et al.), scaled
        # to the word embeddings' size: a relative offset is then a linear
        # map from the start, so heads that look at the next or previous
        # word can form early. From random N(0, 0.02) positions the first
        # run sat at unigram-level guesses ("the" for every [MASK], top-1
        # 0.15) for 2500 steps. Still an ordinary learned table in the file.
        P, D = CONFIG["max_position_embeddings"], CONFIG["hidden_size"]
        pos = torch.arange(P, dtype=torch.float32)[:, None]
        freq = torch.exp(-math.log(10000.0) * torch.arange(0, D, 2, dtype=torch.float32) / D)
        table = torch.zeros(P, D)
        table[:, 0::2], table[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
        with torch.no_grad():
            model.bert.embeddings.position_embeddings.weight.copy_(table * a.pos_scale)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    rng = random.Random(42)
    step = 0
    ckpt = os.path.join(a.work, "ckpt.pt")
    if os.path.exists(ckpt):
        st = torch.load(ckpt)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step = st["step"]
        rng.setstate(st["rng"])
        torch.set_rng_state(st["torch_rng"])
        print("resumed at step %d" % step, flush=True)
    t0 = time.time()
    log = open(os.path.join(a.work, "log.jsonl"), "a")

    def save():
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "rng": rng.getstate(),
                    "torch_rng": torch.get_rng_state(), "config": CONFIG}, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)

    while step < a.steps:
        lr = LR * min(1.0, (step + 1) / WARMUP) * max(0.1, 0.5 * (1 + math.cos(math.pi * step / a.steps)))
        for g in opt.param_groups:
            g["lr"] = lr
        short = step < SHORT_FRAC * a.steps
        ids, types, labels = make_batch(train, wp, rng, SHORT_BATCH if short else BATCH, vocab,
                                        SHORT_SEQ if short else SEQ)
        m = labels != -100
        loss = F.cross_entropy(model(ids, types, m), labels[m])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        done = step == a.steps or step == a.stop_at or (a.minutes and time.time() - t0 > 60 * a.minutes)
        if step % a.eval_every == 0 or done:
            vl, t1, t5 = evaluate(model, val, wp, vocab)
            rec = {"step": step, "train_loss": round(loss.item(), 4), "val_loss": round(vl, 4),
                   "val_top1": round(t1, 4), "val_top5": round(t5, 4), "lr": lr,
                   "minutes": round((time.time() - t0) / 60, 2)}
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
            log.flush()
            save()
        if done:
            break
    save()
    return 0


# --- export ------------------------------------------------------------------

def cmd_export(a, wp):
    st = torch.load(os.path.join(a.work, "ckpt.pt"))
    vocab = len(wp.pieces)
    cfg = dict(st["config"], architectures=["BertForMaskedLM"], model_type="bert", vocab_size=vocab,
               pad_token_id=wp.pad, position_embedding_type="absolute", initializer_range=0.02,
               hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
    os.makedirs(a.out, exist_ok=True)
    header, blobs, at = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in sorted(st["model"].items()):
        raw = t.detach().float().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(os.path.join(a.out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    with open(os.path.join(a.out, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("".join(p + "\n" for p in wp.pieces))
    with open(os.path.join(a.out, "tokenizer_config.json"), "w") as f:
        json.dump({"do_lower_case": True, "tokenizer_class": "BertTokenizer", "model_max_length": SEQ}, f, indent=2)
    print("wrote %s (step %d)" % (a.out, st["step"]))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cmd", choices=["check", "vocab", "prepare", "train", "export"])
    ap.add_argument("--work", default=os.path.join(ROOT, "tools", "train_bert", "work"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--vocab", default=os.path.join(ROOT, "..", "shared", "tokenizers", "bert-base-uncased", "vocab.txt"))
    ap.add_argument("--counts", help="vocab: train.npy encoded with --vocab")
    ap.add_argument("--our-vocab", help="vocab: where to write our vocabulary (default WORK/vocab.txt)")
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "pd-bert"))
    ap.add_argument("--steps", type=int, default=14000)
    ap.add_argument("--minutes", type=float, default=0)
    # Stop (checkpoint, evaluate) at this step while the schedule still spans
    # --steps: how a run cut short by the session is rebuilt exactly.
    ap.add_argument("--stop-at", type=int, default=0)
    ap.add_argument("--pos-init", choices=["normal", "sin"], default="sin")
    ap.add_argument("--pos-scale", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--max-chars", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    a.our_vocab = a.our_vocab or os.path.join(a.work, "vocab.txt")
    if not os.path.exists(a.vocab):
        print("train_bert.py: %s not found; HINT: pass --vocab bert-base-uncased/vocab.txt" % a.vocab, file=sys.stderr)
        return 1
    wp = WordPiece(a.vocab)
    return {"check": cmd_check, "vocab": cmd_vocab, "prepare": cmd_prepare, "train": cmd_train, "export": cmd_export}[a.cmd](a, wp)


if __name__ == "__main__":
    sys.exit(main())
