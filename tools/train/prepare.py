#!/usr/bin/env python3
"""Build the training mix for pd-gpt2: text stage and token stage.

  prepare.py text   --corpus ../shared/corpus --work tools/train/work
      Cleans each source, caps the bibles, holds out a validation chunk per
      source, writes work/text/<source>.{train,val}.txt (documents separated
      by <|endoftext|>).
  prepare.py encode --work tools/train/work --tokenizer models/pd-gpt2
      Encodes those with our BPE encoder, writes work/train.bin, work/val.bin
      (uint16 token ids) and work/data_stats.json (tokens per source).

Two stages because the tokenizer is trained on the train text of stage one
and then used in stage two; build_model.sh runs them in that order.
"""
import argparse
import json
import os
import random
import re
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bpe"))
from bpe import EOT, Tokenizer  # noqa: E402

SEED = 1234
VAL_FRACTION = 0.015      # per source, one contiguous chunk
BIBLE_CAP_CHARS = 1_200_000  # each bible alone is 4-5 MB; uncapped they would set the style
# WordNet glosses are ~8.8 MB after cleaning, half the corpus on their own;
# capped so that Austen's connected prose stays the largest single style.
WORDNET_CAP_CHARS = 4_500_000
DOC_CHARS = 20_000        # rough document length when a source is cut into documents

AUSTEN = ["austen_emma", "austen_mansfieldpark", "austen_northangerabbey",
          "austen_persuasion", "austen_prideprejudice", "austen_sensesensibility"]


def read(corpus, name):
    with open(os.path.join(corpus, name + ".txt"), encoding="utf-8") as f:
        return f.read().replace("\r\n", "\n")


def clean_devil(t):
    # The dict-format database puts "00-database-*" keys, each followed by its
    # value line, at the top; they are metadata, not Bierce.
    lines = t.split("\n")
    out, skip = [], False
    for line in lines:
        if skip:
            skip = False
            continue
        if line.startswith("00-database"):
            skip = True
            continue
        out.append(line)
    text = "\n".join(out)
    # dictfmt's trailing alphabet line is an index artefact.
    return text.replace("\n abcdefghijklmnopqrstuvwxyz", "").strip() + "\n"


BOX = re.compile("[\u2500-\u257f]")


def clean_jargon(t):
    # The Jargon File's box-drawing tables are mostly line art; keep lines
    # that are mostly words.
    out = []
    for line in t.split("\n"):
        n = len(BOX.findall(line))
        if n and n > 0.3 * len(line.strip()):
            continue
        out.append(line)
    return "\n".join(out)


def clean_cfi(t):
    # cfi_en was extracted from HTML: every line is padded with spaces and
    # links are broken onto their own lines. Strip the padding and collapse
    # runs of blank lines; the remaining text reads fine.
    lines = [l.strip() for l in t.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text)


def clean_wordnet(t):
    # Each line is 'gloss; "example"; "example"- Author'. Turn it into plain
    # sentences: "Gloss. Example. Example." so the model sees modern English
    # prose rather than quote-and-semicolon markup.
    out = []
    for line in t.split("\n"):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split(";")]
        sent = []
        for p in parts:
            p = re.sub(r'"\s*-\s*[A-Z][\w .\'-]*$', '"', p)  # drop attributions
            p = p.strip().strip('"').strip()
            if not p:
                continue
            p = p[0].upper() + p[1:]
            if p[-1] not in ".!?":
                p += "."
            sent.append(p)
        if sent:
            out.append(" ".join(sent))
    return "\n".join(out) + "\n"


def cut_docs(text, size=DOC_CHARS):
    """Cut text into documents of about `size` chars at line boundaries."""
    docs, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            nl = text.find("\n", end)
            end = len(text) if nl < 0 else nl + 1
        docs.append(text[start:end])
        start = end
    return [d for d in docs if d.strip()]


def sample_blocks(text, cap, rng):
    """Keep about `cap` chars of a long text as whole blocks drawn from all of
    it (rather than just the first books), in original order."""
    blocks = cut_docs(text, DOC_CHARS)
    order = list(range(len(blocks)))
    rng.shuffle(order)
    keep, total = [], 0
    for i in order:
        if total >= cap:
            break
        keep.append(i)
        total += len(blocks[i])
    return [blocks[i] for i in sorted(keep)]


def split_val(docs, rng):
    """Take one contiguous chunk of ~VAL_FRACTION of the text, at a seeded
    position snapped to line boundaries, as validation."""
    text = "".join(docs)
    n = int(len(text) * VAL_FRACTION)
    start = rng.randrange(0, len(text) - n)
    nl = text.find("\n", start)
    start = nl + 1
    end = text.find("\n", start + n) + 1 or len(text)
    val = text[start:end]
    train = cut_docs(text[:start]) + cut_docs(text[end:])
    return train, val


def stage_text(corpus, work):
    rng = random.Random(SEED)
    sources = {}
    for name in AUSTEN:
        sources[name] = [read(corpus, name)]
    for name in ["kjv", "web_bible"]:
        sources[name] = sample_blocks(read(corpus, name), BIBLE_CAP_CHARS, rng)
    sources["wordnet_glosses"] = sample_blocks(clean_wordnet(read(corpus, "wordnet_glosses")),
                                               WORDNET_CAP_CHARS, rng)
    sources["jargon"] = cut_docs(clean_jargon(read(corpus, "jargon")))
    sources["devil"] = cut_docs(clean_devil(read(corpus, "devil")))
    sources["cfi_en"] = cut_docs(clean_cfi(read(corpus, "cfi_en")))
    os.makedirs(os.path.join(work, "text"), exist_ok=True)
    for name, docs in sources.items():
        train, val = split_val(docs, rng)
        with open(os.path.join(work, "text", name + ".train.txt"), "w", encoding="utf-8") as f:
            f.write(EOT.join(train))
        with open(os.path.join(work, "text", name + ".val.txt"), "w", encoding="utf-8") as f:
            f.write(val)
        print(f"{name:26s} train {sum(map(len, train)):9d} chars in {len(train):4d} docs, "
              f"val {len(val):7d} chars")


def stage_encode(work, tokdir):
    tok = Tokenizer(os.path.join(tokdir, "vocab.json"), os.path.join(tokdir, "merges.txt"))
    names = sorted({f.rsplit(".", 2)[0] for f in os.listdir(os.path.join(work, "text"))})
    stats = {"sources": {}}
    out = {"train": [], "val": []}
    for name in names:
        stats["sources"][name] = {}
        for split in ["train", "val"]:
            with open(os.path.join(work, "text", f"{name}.{split}.txt"), encoding="utf-8") as f:
                text = f.read()
            t0 = time.time()
            ids = tok.encode_docs(text)
            # A separator after each source keeps sources from running together.
            ids.append(tok.eot_id)
            out[split].append(np.array(ids, dtype=np.uint16))
            stats["sources"][name][split + "_tokens"] = len(ids)
            stats["sources"][name][split + "_chars"] = len(text)
            print(f"{name:26s} {split:5s} {len(ids):9d} tokens "
                  f"({len(text) / max(1, len(ids)):.2f} chars/token, {time.time() - t0:.0f}s)")
    for split in ["train", "val"]:
        arr = np.concatenate(out[split])
        arr.tofile(os.path.join(work, split + ".bin"))
        stats[split + "_tokens"] = int(arr.size)
    stats["vocab_size"] = len(tok.encoder)
    with open(os.path.join(work, "data_stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(f"train {stats['train_tokens']} tokens, val {stats['val_tokens']} tokens")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stage", choices=["text", "encode"])
    ap.add_argument("--corpus", default="../shared/corpus")
    ap.add_argument("--work", default="tools/train/work")
    ap.add_argument("--tokenizer", default="models/pd-gpt2")
    args = ap.parse_args()
    if args.stage == "text":
        stage_text(args.corpus, args.work)
    else:
        stage_encode(args.work, args.tokenizer)


if __name__ == "__main__":
    main()
