"""Head-score probe logged while training (every eval step of train.py).

A quick PyTorch-side monitor of whether the textbook heads are forming; the
model card's role table and the target test use the C engine's definitions
(src/engine/roles.c via `attnscope roles`), not this file.

Per (layer, head), on fixed inputs chosen once (seeded):
  prev      : mean over queries q >= first+1 of attention on key q-1, on 8
              held-out 128-token windows of the validation split (first = 1
              when a BOS sits at 0, so the BOS->first-token step is left out)
  sink      : mean over queries q >= 1 of attention on key 0 (same windows)
  delim     : mean over queries q >= 16 of the attention mass on keys that are
              line breaks or punctuation (same windows)
  induction : on 8 sequences [BOS] + n random whole-word tokens + the same n
              again (n = 40), mean over second-copy queries of attention on
              the key right after the query token's first occurrence
and two losses (nats/token) on those sequences: copy1 on tokens 2..n of the
first copy, copy2 on the same tokens in the second copy.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bpe"))
from bpe import Tokenizer  # noqa: E402

SEED = 4321
N_TEXT, TEXT_LEN = 8, 128
N_SEQ, HALF = 8, 40
COLUMNS = ["prev", "sink", "delim", "induction", "copy1_loss", "copy2_loss"]
DELIM_TEXT = {".", ",", ";", ":", "!", "?", '."', ',"'}


def load_tokenizer(model_dir):
    return Tokenizer(os.path.join(model_dir, "vocab.json"), os.path.join(model_dir, "merges.txt"))


def whole_word_ids(tok):
    """Ids of " word" tokens (leading space, ASCII letters, >= 2 letters)."""
    return sorted(i for s, i in tok.encoder.items()
                  if len(s) > 2 and s[0] == "\u0120" and s[1:].isalpha() and s[1:].isascii())


def delimiter_ids(tok):
    return sorted(i for s, i in tok.encoder.items()
                  if "\u010a" in s or s.lstrip("\u0120") in DELIM_TEXT)


class Probe:
    def __init__(self, tok, val, bos_id):
        rng = np.random.default_rng(SEED)
        body = TEXT_LEN - (1 if bos_id is not None else 0)
        starts = rng.integers(0, len(val) - body, size=N_TEXT)
        pre = [] if bos_id is None else [bos_id]
        self.first = len(pre)
        self.texts = torch.tensor(np.array([pre + val[s:s + body].tolist() for s in starts]),
                                  dtype=torch.int64)
        self.is_delim = torch.from_numpy(np.isin(self.texts.numpy(), delimiter_ids(tok)))
        words = whole_word_ids(tok)
        seqs = []
        for _ in range(N_SEQ):
            half = [int(words[k]) for k in rng.choice(len(words), size=HALF, replace=False)]
            seqs.append(pre + half + half)
        self.seqs = torch.tensor(seqs, dtype=torch.int64)

    @torch.no_grad()
    def run(self, model):
        """-> dict: per-head (L, H) lists for each score, the best of each, and the copy losses."""
        model.eval()
        _, probs = model(self.texts, want_probs=True)
        a = torch.stack(probs, 1)  # (B, L, H, T, T)
        T = a.shape[-1]
        q = torch.arange(self.first + 1, T)
        prev = a[..., q, q - 1].mean((0, -1))
        q = torch.arange(1, T)
        sink = a[..., q, 0].mean((0, -1))
        m = self.is_delim[:, None, None, None, :].to(a.dtype)  # (B, 1, 1, 1, T) keys
        delim = (a[..., 16:, :] * m).sum(-1).mean((0, -1))
        logits, probs = model(self.seqs, want_probs=True)
        a = torch.stack(probs, 1)
        o, n = self.first, HALF
        j = torch.arange(n)
        ind = a[..., o + n + j, o + j + 1].mean((0, -1))
        lp = F.cross_entropy(logits[:, :-1].transpose(1, 2), self.seqs[:, 1:], reduction="none")
        # lp[:, t] is the loss on the token at t+1. Both copies: tokens
        # half[1..n-1] (half[0] follows nothing predictable in either copy).
        copy1 = lp[:, o:o + n - 1].mean().item()          # positions o+1 .. o+n-1
        copy2 = lp[:, o + n:o + 2 * n - 1].mean().item()  # positions o+n+1 .. o+2n-1
        out = {"prev": prev, "sink": sink, "delim": delim, "induction": ind}
        res = {k: v.numpy().round(4).tolist() for k, v in out.items()}
        res.update({f"best_{k}": float(v.max()) for k, v in out.items()})
        res.update(copy1_loss=copy1, copy2_loss=copy2)
        return res


def row(sc):
    return [f"{sc['best_' + k]:.4f}" for k in COLUMNS[:4]] + \
        [f"{sc['copy1_loss']:.4f}", f"{sc['copy2_loss']:.4f}"]


def summary(sc):
    return (f"prev {sc['best_prev']:.2f} sink {sc['best_sink']:.2f} delim {sc['best_delim']:.2f} "
            f"ind {sc['best_induction']:.2f} copy {sc['copy1_loss']:.2f}->{sc['copy2_loss']:.2f}")
