#!/usr/bin/python3
"""Reference SentencePiece-style BPE tokenizers, written from the algorithm's
description (not from attnscope's C code), and expected encodings for the
real llama2.c tokenizer tok512.bin.

Two variants:
  - llama2.c tokenizer.bin: pieces with literal spaces, a score per piece.
    Encode: a dummy-prefix " " when the text is non-empty, one symbol per
    UTF-8 character (its piece, else one <0xNN> byte token per byte), then
    repeatedly merge the adjacent pair whose concatenated piece is in the
    vocabulary with the highest score (ties: the leftmost pair).
  - Hugging Face tokenizer.json, model BPE with byte_fallback (Llama 2):
    the normalizer prepends "\u2581" and turns spaces into "\u2581"; merges
    are the listed pairs, lowest rank first (ties: leftmost).
Control pieces (<unk>, <s>, </s>) and byte pieces <0xNN> never match text.

Offsets: each token covers the original bytes of the characters merged into
it; the dummy prefix covers nothing ([0, 0)), so " Once" -> [0, 4).

Usage: sp_tokenizer_oracle.py OUT_DIR
Writes OUT_DIR/llama/sp_cases.json for tok512.bin when ../shared is present;
imported by llama_oracle.py for its small random tokenizers.
"""
import json
import os
import random
import re
import struct
import sys

META = "\u2581"
BYTE_RE = re.compile(rb"^<0x([0-9A-F]{2})>$")


def read_llama2c_tokenizer(path, vocab_size):
    """Returns (pieces as bytes, scores) for a llama2.c tokenizer.bin."""
    data = open(path, "rb").read()
    (max_len,) = struct.unpack_from("<i", data, 0)
    pos = 4
    pieces, scores = [], []
    for _ in range(vocab_size):
        score, n = struct.unpack_from("<fi", data, pos)
        pos += 8
        pieces.append(data[pos:pos + n])
        scores.append(score)
        pos += n
    assert pos == len(data), "trailing bytes in tokenizer.bin"
    assert max(len(p) for p in pieces) <= max_len
    return pieces, scores


def write_llama2c_tokenizer(path, pieces, scores):
    with open(path, "wb") as f:
        f.write(struct.pack("<i", max(len(p) for p in pieces)))
        for p, s in zip(pieces, scores):
            f.write(struct.pack("<fi", s, len(p)))
            f.write(p)


def utf8_chars(text_bytes):
    """Splits valid UTF-8 bytes into (start, end) ranges of characters."""
    out, i = [], 0
    while i < len(text_bytes):
        b = text_bytes[i]
        n = 1 if b < 0x80 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
        out.append((i, i + n))
        i += n
    return out


class SpReference:
    """llama2.c-style (scores) or HF-style (merge ranks) byte-fallback BPE."""

    def __init__(self, pieces, scores=None, merges=None, space=b" ",
                 control=(0, 1, 2), unk=0, bos=1):
        self.pieces = pieces
        self.scores = scores
        self.space = space
        self.unk, self.bos = unk, bos
        self.lookup = {}
        self.byte_ids = {}
        for i, p in enumerate(pieces):
            m = BYTE_RE.match(p)
            if m:
                self.byte_ids.setdefault(int(m.group(1), 16), i)
            elif i not in control:
                self.lookup.setdefault(p, i)
        self.ranks = None
        if merges is not None:
            self.ranks = {}
            for r, (a, b) in enumerate(merges):
                self.ranks.setdefault((a, b), r)

    def _initial(self, text_bytes):
        """Symbols [id, start, end] before any merge."""
        syms = []
        units = [(self.space, 0, 0)]
        for s, e in utf8_chars(text_bytes):
            ch = text_bytes[s:e]
            units.append((self.space if ch == b" " else ch, s, e))
        for piece, s, e in units:
            if piece in self.lookup:
                syms.append([self.lookup[piece], s, e])
                continue
            for k, byte in enumerate(piece):
                bs = min(s + k, e)
                be = min(s + k + 1, e)
                syms.append([self.byte_ids.get(byte, self.unk), bs, be])
        return syms

    def _best_pair(self, syms):
        best, best_i = None, -1
        for i in range(len(syms) - 1):
            a, b = self.pieces[syms[i][0]], self.pieces[syms[i + 1][0]]
            merged = self.lookup.get(a + b)
            if merged is None:
                continue
            if self.ranks is None:
                key = -self.scores[merged]
                if self.scores[merged] <= -1e10:
                    continue
            else:
                if (a, b) not in self.ranks:
                    continue
                key = self.ranks[(a, b)]
            if best is None or key < best:
                best, best_i = key, i
        return best_i

    def encode(self, text, add_bos=True):
        """Returns [(id, start, end)] for text (a str)."""
        out = [(self.bos, 0, 0)] if add_bos else []
        raw = text.encode("utf-8")
        if not raw:
            return out
        syms = self._initial(raw)
        while True:
            i = self._best_pair(syms)
            if i < 0:
                break
            a, b = syms[i], syms[i + 1]
            merged = self.lookup[self.pieces[a[0]] + self.pieces[b[0]]]
            syms[i:i + 2] = [[merged, a[1], b[2]]]
        return out + [tuple(s) for s in syms]

    def token_bytes(self, tid):
        p = self.pieces[tid]
        m = BYTE_RE.match(p)
        if m:
            return bytes([int(m.group(1), 16)])
        return p.replace(self.space, b" ")


def test_texts(seed=5):
    """A fixed varied test set plus seeded random strings."""
    fixed = [
        "", "a", " ", "  ", "Once upon a time", "Once upon a time, there was a little girl named Lily.",
        "Lily and Tom went to the park. They saw a big dog!", "Hello, world!", " leading space",
        "trailing space ", "two  spaces", "tabs\tand\ttabs", "line one\nline two\n\nline four",
        "\n", "café naïve résumé", "Zoë's piñata", "I love 🍕 and 🐶!", "你好，世界", "Привет мир",
        "emoji only 😀😃😄", "numbers 12345 and 3.14159", "\"quoted\" and 'single'",
        "<s> is not BOS", "<0x41> is not a byte token", "\u2581 is a metaspace", "ñ", "€100",
        "a\u200bb", "The end.", "She said, \"Let's play!\" and ran outside.",
        "Tom's mom's dog's bone", "x" * 50, "ab" * 20, "  \n  \n", "¿Qué?", "a-b_c/d\\e",
        "MIXED case TEXT", "one\r\ntwo", "🙂", "e\u0301 (combining accent)",
    ]
    rng = random.Random(seed)
    alphabet = (list("abcdefghijklmnopqrstuvwxyz") * 3 + list("ABCDEFGHIJ") +
                [" "] * 12 + list(".,!?'\"-\n\t0123456789") +
                ["é", "ü", "ß", "ç", "€", "—", "“", "”", "😀", "🐱", "中", "文", "й", "\u2581"])
    rand = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
            for _ in range(170)]
    return fixed + rand


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "build/oracle"
    passed = failed = 0

    def check(cond, what):
        nonlocal passed, failed
        if cond:
            passed += 1
        else:
            failed += 1
            print("FAIL", what)

    shared = os.environ.get("ATTNSCOPE_SHARED", "../shared")
    tok_path = os.path.join(shared, "models/stories260K/tok512.bin")
    if not os.path.exists(tok_path):
        print("SKIP: %s absent; no tok512 cases written" % tok_path)
        print("%d passed, %d failed" % (passed, failed))
        return 0
    pieces, scores = read_llama2c_tokenizer(tok_path, 512)
    ref = SpReference(pieces, scores=scores)
    cases = []
    for text in test_texts():
        toks = ref.encode(text, add_bos=True)
        raw = text.encode("utf-8")
        # Sanity: offsets tile the text and the bytes round-trip.
        check(all(toks[i][2] == toks[i + 1][1] for i in range(1, len(toks) - 1)),
              "offsets contiguous for %r" % text)
        decoded = b"".join(ref.token_bytes(t) for t, _, _ in toks[1:])
        check(decoded == (b" " + raw if raw else b""), "round trip for %r" % text)
        cases.append({"text": text, "ids": [t for t, _, _ in toks],
                      "offsets": [[s, e] for _, s, e in toks]})
    ids = [t for t, _, _ in ref.encode("Once upon a time")]
    check(ids[0] == 1 and len(ids) < len("Once upon a time"), "merges happen: %r" % ids)
    os.makedirs(os.path.join(out_dir, "llama"), exist_ok=True)
    with open(os.path.join(out_dir, "llama", "sp_cases.json"), "w") as f:
        json.dump({"tokenizer": os.path.abspath(tok_path), "cases": cases}, f,
                  ensure_ascii=False, indent=0)
    print("wrote %d tok512 cases" % len(cases))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
