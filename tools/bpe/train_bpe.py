#!/usr/bin/env python3
"""Train a GPT-2-style byte-level BPE tokenizer; write HF vocab.json + merges.txt.

Usage: train_bpe.py --input TRAIN.txt [MORE.txt ...] --vocab-size 6000 --out DIR

The input may contain <|endoftext|> document separators; they are split out
first so that no merge ever spans two documents, and <|endoftext|> gets the
last id.

Speed: the corpus is reduced once to a table of distinct pre-tokens with
counts (~10^5 entries for ~20 MB of text). Each merge then only touches the
words that contain the merged pair (found through a pair -> words index), and
the best pair is taken from a lazy max-heap instead of scanning all pair
counts, so thousands of merges take a few minutes in pure Python.
"""
import argparse
import collections
import heapq
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import BYTE_ENCODER, EOT, pretokenize  # noqa: E402


class _Key:
    """Heap key: higher count first, then lexicographically smallest pair.

    Python's heapq is a min-heap and strings cannot be negated, so the
    ordering is spelled out here. Deterministic ties make the merges (and
    thus the whole model build) reproducible run to run.
    """
    __slots__ = ("count", "pair")

    def __init__(self, count, pair):
        self.count = count
        self.pair = pair

    def __lt__(self, other):
        if self.count != other.count:
            return self.count > other.count
        return self.pair < other.pair


def count_words(text):
    counts = collections.Counter()
    for doc in text.split(EOT):
        counts.update(pretokenize(doc))
    return counts


def train(word_counts, vocab_size, log=print):
    # Words as mutable symbol lists; freqs parallel to them.
    words = [list(w) for w in word_counts]
    freqs = list(word_counts.values())

    pair_counts = collections.defaultdict(int)
    # pair -> indices of words that contained it when last indexed. It may
    # hold stale entries (the pair was merged away); these are re-checked
    # on use, which is cheaper than deleting eagerly.
    where = collections.defaultdict(set)
    for wi, (w, f) in enumerate(zip(words, freqs)):
        for p in zip(w, w[1:]):
            pair_counts[p] += f
            where[p].add(wi)

    heap = [_Key(c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)

    vocab = list(BYTE_ENCODER.values())  # ids 0..255 in GPT-2's byte order
    known = set(vocab)
    merges = []
    target_tokens = vocab_size - 1  # last id is reserved for <|endoftext|>
    t0 = time.time()
    while len(vocab) < target_tokens and heap:
        key = heapq.heappop(heap)
        if pair_counts.get(key.pair, 0) != key.count or key.count <= 0:
            continue  # stale heap entry; the live count was pushed separately
        a, b = key.pair
        new = a + b
        merges.append((a, b))
        # Two different merges can spell the same string ("a"+"bc", "ab"+"c");
        # the merge is still needed, but the token gets only one id.
        if new not in known:
            known.add(new)
            vocab.append(new)

        changed = set()
        for wi in list(where[key.pair]):
            w = words[wi]
            f = freqs[wi]
            if len(w) < 2:
                continue
            # Remove this word's old pairs, merge, add its new pairs. Words are
            # short, so recomputing whole words is simpler than patching
            # neighbours and just as fast in practice.
            for p in zip(w, w[1:]):
                pair_counts[p] -= f
                changed.add(p)
            out, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and w[i] == a and w[i + 1] == b:
                    out.append(new)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            words[wi] = out
            for p in zip(out, out[1:]):
                pair_counts[p] += f
                changed.add(p)
                where[p].add(wi)
        del where[key.pair]
        for p in changed:
            c = pair_counts[p]
            if c > 0:
                heapq.heappush(heap, _Key(c, p))
            else:
                del pair_counts[p]
        if len(merges) % 500 == 0:
            log(f"  {len(merges)} merges, vocab {len(vocab)}, last {new!r} "
                f"count {key.count}, {time.time() - t0:.0f}s")
    vocab.append(EOT)
    return vocab, merges


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", required=True, nargs="+",
                    help="text files; they are joined as separate documents")
    ap.add_argument("--vocab-size", type=int, default=6000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    t0 = time.time()
    texts = []
    for path in args.input:
        with open(path, encoding="utf-8") as f:
            texts.append(f.read())
    text = EOT.join(texts)
    wc = count_words(text)
    print(f"{len(text)} chars, {sum(wc.values())} pre-tokens, {len(wc)} distinct "
          f"({time.time() - t0:.0f}s)")
    vocab, merges = train(wc, args.vocab_size)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({s: i for i, s in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(args.out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    print(f"vocab {len(vocab)}, merges {len(merges)}, total {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
