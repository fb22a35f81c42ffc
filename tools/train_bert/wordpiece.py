"""wordpiece.py -- BERT's uncased BasicTokenizer + WordPiece in Python, for
the trainer's data. It follows the engine (src/engine/tokenizer_wordpiece.c)
rule for rule, so the model trains on the ids attnscope will feed it;
`train_bert.py check` compares it with tests/tokenizer/bert_cases.json.

    wp = WordPiece("vocab.txt")
    ids = wp.encode("The cat sat.")          # plain pieces, no [CLS]/[SEP]
"""
import unicodedata

SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def _is_space(ch):
    c = ord(ch)
    return 9 <= c <= 13 or ch == " " or c in (0x2028, 0x2029, 0xFEFF) or unicodedata.category(ch) == "Zs"


def _is_control(ch):
    return ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")


def _is_punct(ch):
    c = ord(ch)
    if 33 <= c <= 47 or 58 <= c <= 64 or 91 <= c <= 96 or 123 <= c <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(c):
    return (0x4E00 <= c <= 0x9FFF or 0x3400 <= c <= 0x4DBF or 0x20000 <= c <= 0x2A6DF
            or 0x2A700 <= c <= 0x2B73F or 0x2B740 <= c <= 0x2B81F or 0x2B820 <= c <= 0x2CEAF
            or 0xF900 <= c <= 0xFAFF or 0x2F800 <= c <= 0x2FA1F)


class WordPiece:
    def __init__(self, vocab_path):
        with open(vocab_path, encoding="utf-8") as f:
            self.pieces = [line.rstrip("\n").rstrip("\r") for line in f]
        self.ids = {p: i for i, p in enumerate(self.pieces)}
        for s in SPECIALS[1:]:
            assert s in self.ids, "vocab lacks " + s
        self.unk, self.cls, self.sep, self.mask = (self.ids[s] for s in SPECIALS[1:])
        self.pad = self.ids.get("[PAD]", 0)
        # ids below first_word are special or [unusedN] (999 in bert-base-uncased)
        self.first_word = 1 + max(i for i, p in enumerate(self.pieces) if p.startswith("[") and p.endswith("]"))
        self.specials = sorted((s for s in SPECIALS if s in self.ids), key=len, reverse=True)
        self.cache = {}

    def _normalize(self, text):
        out = []
        for ch in text:
            if ch == "\0" or ch == "\ufffd" or _is_control(ch):
                continue
            if _is_space(ch):
                ch = " "
            out.append(" %s " % ch if _is_cjk(ord(ch)) else ch)
        text = "".join(out).lower()  # Python's lower(): full mapping, Final_Sigma
        text = unicodedata.normalize("NFD", text)
        return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")

    def _word(self, word):
        if len(word) > 100:
            return [self.unk]
        hit = self.cache.get(word)
        if hit is not None:
            return hit
        out, start = [], 0
        while start < len(word):
            end, piece = len(word), None
            while start < end:
                s = word[start:end] if start == 0 else "##" + word[start:end]
                if s in self.ids:
                    piece = self.ids[s]
                    break
                end -= 1
            if piece is None:
                out = [self.unk]
                break
            out.append(piece)
            start = end
        if len(self.cache) < 500000:
            self.cache[word] = out
        return out

    def _section(self, text):
        ids, word = [], []
        for ch in self._normalize(text):
            if _is_space(ch) or _is_punct(ch):
                if word:
                    ids += self._word("".join(word))
                    word = []
                if not _is_space(ch):
                    ids += self._word(ch)
            else:
                word.append(ch)
        if word:
            ids += self._word("".join(word))
        return ids

    def encode(self, text):
        """Plain ids; special tokens spelled in text become their ids."""
        ids, i, sec = [], 0, 0
        while i < len(text):
            hit = next((s for s in self.specials if text.startswith(s, i)), None)
            if hit is None:
                i += 1
                continue
            ids += self._section(text[sec:i]) + [self.ids[hit]]
            i += len(hit)
            sec = i
        return ids + self._section(text[sec:])
