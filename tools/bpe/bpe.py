"""GPT-2-style byte-level BPE: shared definitions and an encoder/decoder.

The C engine's GPT-2 tokenizer reads Hugging Face vocab.json + merges.txt and
applies the GPT-2 algorithm. Everything here mirrors that algorithm exactly
(same pre-tokenization regex, same byte->unicode map, same "lowest-rank pair
first, merge all its occurrences left to right" loop), so ids produced by this
module are the ids the C engine must reproduce.
"""
import json

import regex

# GPT-2's pre-tokenization pattern, verbatim. Merges never cross the pieces it
# produces, so the trainer and the encoder must split text identically.
GPT2_PATTERN = (r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+"""
                r"""| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
PAT = regex.compile(GPT2_PATTERN)

EOT = "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character map.

    Printable Latin-1 bytes map to themselves; the 68 others (controls, space,
    etc.) are shifted to U+0100 onwards so every token is a visible string in
    vocab.json. The dict's insertion order (printable bytes first) is the order
    GPT-2's encoder.json gives ids 0..255, and we reuse it for our byte ids.
    """
    bs = (list(range(ord("!"), ord("~") + 1))
          + list(range(ord("\xa1"), ord("\xac") + 1))
          + list(range(ord("\xae"), ord("\xff") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {v: k for k, v in BYTE_ENCODER.items()}


def pretokenize(text):
    """Split text into GPT-2 pre-tokens, each as its byte-mapped string."""
    return ["".join(BYTE_ENCODER[b] for b in piece.encode("utf-8"))
            for piece in PAT.findall(text)]


class Tokenizer:
    """Encoder/decoder over HF-format vocab.json + merges.txt."""

    def __init__(self, vocab_path, merges_path):
        with open(vocab_path, encoding="utf-8") as f:
            self.encoder = json.load(f)
        self.decoder = {i: s for s, i in self.encoder.items()}
        with open(merges_path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        # Skip the "#version" header and any trailing empty line.
        merges = [tuple(l.split(" ")) for l in lines if l and not l.startswith("#version")]
        self.ranks = {m: r for r, m in enumerate(merges)}
        self.eot_id = self.encoder[EOT]
        # The corpus has ~10^5 distinct pre-tokens but ~10^7 occurrences, so
        # caching per distinct pre-token makes encoding the corpus cheap.
        self.cache = {}

    def bpe(self, word):
        """Apply merges to one byte-mapped pre-token; returns token strings."""
        cached = self.cache.get(word)
        if cached is not None:
            return cached
        parts = list(word)
        while len(parts) > 1:
            # GPT-2 picks the pair with the lowest merge rank anywhere in the word.
            best = min(((self.ranks.get(p, 1 << 62), p) for p in zip(parts, parts[1:])))
            if best[0] == 1 << 62:
                break
            a, b = best[1]
            merged, i = [], 0
            while i < len(parts):
                if i < len(parts) - 1 and parts[i] == a and parts[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        self.cache[word] = parts
        return parts

    def encode(self, text):
        """Encode plain text (no special tokens are recognised inside it)."""
        ids = []
        for word in pretokenize(text):
            ids.extend(self.encoder[t] for t in self.bpe(word))
        return ids

    def encode_docs(self, text):
        """Encode text in which documents are separated by <|endoftext|>."""
        ids = []
        for k, doc in enumerate(text.split(EOT)):
            if k:
                ids.append(self.eot_id)
            ids.extend(self.encode(doc))
        return ids

    def decode(self, ids):
        data = bytearray()
        for i in ids:
            s = self.decoder[i]
            if s == EOT:
                data.extend(s.encode("utf-8"))
            else:
                data.extend(BYTE_DECODER[c] for c in s)
        return data.decode("utf-8", errors="replace")
