"""The peer for `make bench`: the same forward pass + attention trace as
`attnscope bench` (q, k, v, raw q.k, scaled + masked scores, softmax, head
outputs, logits, top-k), in PyTorch on 2 threads, on the same checkpoint.

usage: /usr/bin/python3 tools/bench/torch_gpt2.py MODEL_DIR T
Prints `torch_ms=<median>` last.
"""
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch


def load(model_dir):
    with open(os.path.join(model_dir, "model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    w = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        b, e = meta["data_offsets"]
        w[name] = torch.from_numpy(np.frombuffer(data, "<f4", (e - b) // 4, b).reshape(meta["shape"]).copy())
    with open(os.path.join(model_dir, "config.json")) as f:
        return json.load(f), w


def forward(cfg, w, ids):
    L, H, D = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
    T, dh = ids.shape[0], D // H
    trace = {"q": [], "k": [], "v": [], "raw": [], "scores": [], "att": [], "out": []}
    x = w["wte.weight"][ids] + w["wpe.weight"][:T]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    for i in range(L):
        p = f"h.{i}."
        h = torch.nn.functional.layer_norm(x, (D,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], 1e-5)
        qkv = torch.addmm(w[p + "attn.c_attn.bias"], h, w[p + "attn.c_attn.weight"])
        q, k, v = (t.reshape(T, H, dh).transpose(0, 1).contiguous() for t in qkv.split(D, dim=1))
        raw = q @ k.transpose(1, 2)                      # (head, query, key)
        scores = (raw / math.sqrt(dh)).masked_fill(~causal, float("-inf"))
        att = torch.softmax(scores, dim=-1)
        out = att @ v                                    # (head, token, d_head)
        for name, t in (("q", q), ("k", k), ("v", v), ("raw", raw), ("scores", scores), ("att", att), ("out", out)):
            trace[name].append(t)
        a = out.transpose(0, 1).reshape(T, D)
        x = x + torch.addmm(w[p + "attn.c_proj.bias"], a, w[p + "attn.c_proj.weight"])
        h = torch.nn.functional.layer_norm(x, (D,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], 1e-5)
        h = torch.nn.functional.gelu(torch.addmm(w[p + "mlp.c_fc.bias"], h, w[p + "mlp.c_fc.weight"]), approximate="tanh")
        x = x + torch.addmm(w[p + "mlp.c_proj.bias"], h, w[p + "mlp.c_proj.weight"])
    x = torch.nn.functional.layer_norm(x, (D,), w["ln_f.weight"], w["ln_f.bias"], 1e-5)
    logits = x @ w["wte.weight"].T
    logp = torch.log_softmax(logits, dim=-1)
    top = torch.topk(logp, 5, dim=-1)
    loss = -logp[:-1].gather(1, ids[1:, None]).mean()
    return {k: torch.stack(v) for k, v in trace.items()}, logits, top, loss


def main():
    torch.set_num_threads(2)
    cfg, w = load(sys.argv[1])
    T = int(sys.argv[2])
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, cfg["vocab_size"], (T,), generator=g)
    times = []
    with torch.no_grad():
        forward(cfg, w, ids)  # warm-up
        start = time.perf_counter()
        while len(times) < 64 and (len(times) < 5 or time.perf_counter() - start < 3):
            t0 = time.perf_counter()
            forward(cfg, w, ids)
            times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    print(f"torch {torch.__version__} threads={torch.get_num_threads()} tokens={T} runs={len(times)}")
    print(f"torch_ms={times[len(times) // 2]:.3f}")


if __name__ == "__main__":
    main()
