"""Writes a GPT-2-small-shaped checkpoint with random weights (12 layers,
12 heads, 768 wide, 1024 positions, the real GPT-2 vocabulary) in the Hugging
Face layout, for `make bench`. Never committed: it is rebuilt at bench time.

usage: /usr/bin/python3 tools/bench/make_checkpoint.py OUT_DIR GPT2_TOKENIZER_DIR
"""
import json
import os
import shutil
import struct
import sys

import numpy as np


def write_safetensors(path, tensors):
    header, offset = {}, 0
    for name, arr in tensors.items():
        header[name] = {"dtype": "F32", "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header).encode()
    raw += b" " * (-(len(raw) + 8) % 8)  # data 8-byte aligned, as HF does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for arr in tensors.values():
            f.write(np.ascontiguousarray(arr, dtype="<f4").tobytes())


def write_gpt2_folder(out, tok_dir, tensors, L, H, D, P, V):
    """model.safetensors, config.json and the GPT-2 tokenizer files in out."""
    write_safetensors(os.path.join(out, "model.safetensors"), tensors)
    config = {"model_type": "gpt2", "n_layer": L, "n_head": H, "n_embd": D,
              "n_positions": P, "n_ctx": P, "vocab_size": V,
              "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    shutil.copyfile(os.path.join(tok_dir, "encoder.json"), os.path.join(out, "vocab.json"))
    shutil.copyfile(os.path.join(tok_dir, "vocab.bpe"), os.path.join(out, "merges.txt"))


def main():
    out, tok_dir = sys.argv[1], sys.argv[2]
    L, H, D, P, V = 12, 12, 768, 1024, 50257
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)

    def normal(*shape):
        return (rng.standard_normal(shape, dtype=np.float32) * 0.02)

    t = {"wte.weight": normal(V, D), "wpe.weight": normal(P, D)}
    for i in range(L):
        p = f"h.{i}."
        t[p + "ln_1.weight"] = np.ones(D, np.float32)
        t[p + "ln_1.bias"] = np.zeros(D, np.float32)
        t[p + "attn.c_attn.weight"] = normal(D, 3 * D)
        t[p + "attn.c_attn.bias"] = np.zeros(3 * D, np.float32)
        t[p + "attn.c_proj.weight"] = normal(D, D)
        t[p + "attn.c_proj.bias"] = np.zeros(D, np.float32)
        t[p + "ln_2.weight"] = np.ones(D, np.float32)
        t[p + "ln_2.bias"] = np.zeros(D, np.float32)
        t[p + "mlp.c_fc.weight"] = normal(D, 4 * D)
        t[p + "mlp.c_fc.bias"] = np.zeros(4 * D, np.float32)
        t[p + "mlp.c_proj.weight"] = normal(4 * D, D)
        t[p + "mlp.c_proj.bias"] = np.zeros(D, np.float32)
    t["ln_f.weight"] = np.ones(D, np.float32)
    t["ln_f.bias"] = np.zeros(D, np.float32)
    write_gpt2_folder(out, tok_dir, t, L, H, D, P, V)
    print(f"wrote {out}: {L} layers, {H} heads, d_model {D}, vocab {V}")


if __name__ == "__main__":
    main()
