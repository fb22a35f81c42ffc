"""Writes a GPT-2-small-shaped checkpoint (12 layers, 12 heads, 768 wide,
1024 positions, the real GPT-2 vocabulary, Hugging Face layout) whose
attention heads are set by hand, for pictures of long contexts: random
weights attend almost uniformly, so a 1024-token screenshot of them shows
nothing. Never committed; rebuilt on demand (tools/long_context_shot.sh).

The residual stream has three 64-wide subspaces, everything else is zero:
  TOK  [0, 64)     the token's identity, a random unit vector per token (wte)
  POS  [64, 128)   the position, cos/sin of 32 random frequencies (wpe)
  PREV [128, 192)  the previous token's identity, written by layer 0 head 0
Every head reads them after ln_1 (which only rescales them); only layer 0
head 0 writes to the residual (PREV), and the MLPs are zero, so every layer
sees the same stream. The heads, by (layer, head):
  previous token  q = POS rotated back one step, k = POS   (L0 H0, and more)
  current token   q = k = POS
  k tokens back   q = POS rotated back k steps (k = 2, 3, 5)
  first token     q = the code of position 0, k = POS
  same token      q = k = TOK: every earlier copy of the token
  induction       q = TOK, k = PREV (layers >= 1): the token after an
                  earlier copy of the current one (the two-layer circuit)
  a few random heads, which attend almost uniformly.

usage: /usr/bin/python3 tools/bench/make_pattern_checkpoint.py OUT_DIR GPT2_TOKENIZER_DIR
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_checkpoint import write_gpt2_folder  # noqa: E402

L, H, D, P, V, DH = 12, 12, 768, 1024, 50257, 64
TOK, POS, PREV = 0, 64, 128
NF = DH // 2  # position frequencies


def rot(theta):
    """2x2 rotation by theta, as a row-vector map (x @ R)."""
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, s], [-s, c]], np.float32)


def main():
    out, tok_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    omega = rng.uniform(0.05, np.pi, NF).astype(np.float32)  # random: no aliasing period

    wte = np.zeros((V, D), np.float32)
    t = rng.standard_normal((V, DH)).astype(np.float32)
    wte[:, TOK:TOK + DH] = t / np.linalg.norm(t, axis=1, keepdims=True)
    wpe = np.zeros((P, D), np.float32)
    pos = np.arange(P, dtype=np.float32)[:, None] * omega[None, :]  # (P, NF)
    wpe[:, POS:POS + DH:2] = np.cos(pos) / np.sqrt(NF)
    wpe[:, POS + 1:POS + DH:2] = np.sin(pos) / np.sqrt(NF)

    def pos_shift(k):
        """(DH, DH) row-vector map: the code of position i -> of i - k."""
        m = np.zeros((DH, DH), np.float32)
        for f in range(NF):
            m[2 * f:2 * f + 2, 2 * f:2 * f + 2] = rot(-k * omega[f])
        return m

    eye = np.eye(DH, dtype=np.float32)
    # (name, subspace q reads, map, subspace k reads, gain on q)
    kinds = {
        "prev": (POS, pos_shift(1), POS, 1.0),
        "self": (POS, eye, POS, 1.0),
        "back2": (POS, pos_shift(2), POS, 1.0),
        "back3": (POS, pos_shift(3), POS, 1.0),
        "back5": (POS, pos_shift(5), POS, 1.0),
        "same": (TOK, eye, TOK, 0.6),
        "induction": (TOK, eye, PREV, 0.6),
    }
    plan = ["prev", "same", "induction", "self", "back2", "first", "random",
            "back3", "induction", "same", "back5", "random"]

    tensors = {"wte.weight": wte, "wpe.weight": wpe}
    for layer in range(L):
        w = np.zeros((D, 3 * D), np.float32)
        bias = np.zeros(3 * D, np.float32)
        proj = np.zeros((D, D), np.float32)
        for h in range(H):
            kind = "prev" if (layer, h) == (0, 0) else plan[(h + 5 * layer) % len(plan)]
            if kind == "induction" and layer == 0:
                kind = "same"
            q = slice(h * DH, (h + 1) * DH)
            k = slice(D + h * DH, D + (h + 1) * DH)
            if kind == "random":
                w[:, q] = rng.standard_normal((D, DH)).astype(np.float32) * 0.02
                w[:, k] = rng.standard_normal((D, DH)).astype(np.float32) * 0.02
            elif kind == "first":  # q: a constant, position 0's code at ln_1's scale
                w[POS:POS + DH, k] = eye
                bias[q] = wpe[0, POS:POS + DH] * np.sqrt(D / 2)
            else:
                qs, m, ks, gain = kinds[kind]
                w[qs:qs + DH, q] = m * gain
                w[ks:ks + DH, k] = eye
            # v reads the token's identity (what a head would move)
            w[TOK:TOK + DH, 2 * D + h * DH:2 * D + (h + 1) * DH] = eye
        # layer 0 head 0 writes the previous token's identity into PREV,
        # back at unit size (ln_1 scaled it up by sqrt(768 / 2))
        proj[0:DH, PREV:PREV + DH] = eye / np.sqrt(D / 2)
        if layer > 0:
            proj[:] = 0.0
        tensors.update({
            f"h.{layer}.ln_1.weight": np.ones(D, np.float32),
            f"h.{layer}.ln_1.bias": np.zeros(D, np.float32),
            f"h.{layer}.attn.c_attn.weight": w,
            f"h.{layer}.attn.c_attn.bias": bias,
            f"h.{layer}.attn.c_proj.weight": proj,
            f"h.{layer}.attn.c_proj.bias": np.zeros(D, np.float32),
            f"h.{layer}.ln_2.weight": np.ones(D, np.float32),
            f"h.{layer}.ln_2.bias": np.zeros(D, np.float32),
            f"h.{layer}.mlp.c_fc.weight": np.zeros((D, 4 * D), np.float32),
            f"h.{layer}.mlp.c_fc.bias": np.zeros(4 * D, np.float32),
            f"h.{layer}.mlp.c_proj.weight": np.zeros((4 * D, D), np.float32),
            f"h.{layer}.mlp.c_proj.bias": np.zeros(D, np.float32),
        })
    tensors["ln_f.weight"] = np.ones(D, np.float32)
    tensors["ln_f.bias"] = np.zeros(D, np.float32)
    write_gpt2_folder(out, tok_dir, tensors, L, H, D, P, V)
    print(f"wrote {out}: hand-set heads, {L} layers x {H} heads, d_model {D}")


if __name__ == "__main__":
    main()
