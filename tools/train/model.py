"""Our GPT-2 in PyTorch, plus Hugging Face-layout export/import.

The math follows Hugging Face's GPT2LMHeadModel exactly so that the weights
we export run unchanged in attnscope's C engine (and in HF, if anyone
checks): learned token + position embeddings, pre-LN blocks
(x + attn(ln_1(x)), x + mlp(ln_2(x))), final ln_f, LM head tied to wte,
LayerNorm eps 1e-5, gelu_new, softmax(q k^T / sqrt(d_head)) with a causal
mask, fused c_attn whose output is q|k|v and whose heads are consecutive
d_head-wide slices of each.

We keep nn.Linear internally (fast, idiomatic) and transpose at the file
boundary: HF GPT-2 stores Conv1D weights as (in, out), nn.Linear as
(out, in). load_safetensors()+compare in check_export() catches any slip.
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)

    def forward(self, x, want_probs=False):
        B, T, C = x.shape
        d = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        # (B, T, C) -> (B, H, T, d): head h is columns h*d..(h+1)*d of q/k/v.
        q, k, v = (t.view(B, T, self.n_head, d).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d))
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        att = att.masked_fill(mask, float("-inf"))
        probs = F.softmax(att, dim=-1)
        y = (probs @ v).transpose(1, 2).reshape(B, T, C)
        return self.c_proj(y), (probs if want_probs else None)


class MLP(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        # approximate="tanh" is exactly HF's gelu_new:
        # 0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x^3))).
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, eps=1e-5)
        self.attn = Attention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd, eps=1e-5)
        self.mlp = MLP(n_embd)

    def forward(self, x, want_probs=False):
        a, probs = self.attn(self.ln_1(x), want_probs)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, probs


class GPT(nn.Module):
    def __init__(self, vocab_size, n_layer, n_head, n_embd, n_positions):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, n_layer=n_layer, n_head=n_head,
                           n_embd=n_embd, n_positions=n_positions)
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(n_positions, n_embd)
        self.h = nn.ModuleList(Block(n_embd, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd, eps=1e-5)
        self.reset_parameters()

    def reset_parameters(self):
        # GPT-2's init: N(0, 0.02) everywhere, residual-output projections
        # scaled down by sqrt(2 * n_layer) so the residual stream's variance
        # does not grow with depth.
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif "ln_" in name:
                nn.init.ones_(p)
            elif name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * len(self.h)))
            else:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, idx, want_probs=False):
        T = idx.shape[1]
        pos = torch.arange(T, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        all_probs = []
        for block in self.h:
            x, probs = block(x, want_probs)
            all_probs.append(probs)
        x = self.ln_f(x)
        logits = x @ self.wte.weight.t()  # tied LM head
        return (logits, all_probs) if want_probs else logits

    def num_params(self):
        return sum(p.numel() for p in self.parameters())


# ---------------------------------------------------------------- export

def _hf_tensors(model):
    """State dict renamed/transposed to openai-community/gpt2's layout."""
    out = {}
    for name, t in model.state_dict().items():
        t = t.detach().to(torch.float32).cpu()
        # Every nn.Linear in a block corresponds to an HF Conv1D: (in, out).
        if name.endswith(".weight") and any(k in name for k in ("c_attn", "c_proj", "c_fc")):
            t = t.t()
        out[name] = t.contiguous().numpy()
    return out


def save_safetensors(path, tensors, dtype="F32"):
    """Minimal safetensors writer (the safetensors package is unavailable).

    Layout: u64 little-endian header length N, N bytes of JSON header padded
    with spaces so the data starts 8-byte aligned, then raw little-endian
    tensor bytes; data_offsets are relative to the data start.
    """
    np_dtype = {"F32": "<f4", "F16": "<f2"}[dtype]
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        b = np.ascontiguousarray(tensors[name], dtype=np_dtype).tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = {"F32": "<f4", "F16": "<f2"}[info["dtype"]]
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=dt).astype(np.float32).reshape(info["shape"])
    return out


def export_hf(model, outdir, eot_id):
    os.makedirs(outdir, exist_ok=True)
    c = model.config
    config = {
        "model_type": "gpt2",
        "architectures": ["GPT2LMHeadModel"],
        "n_layer": c["n_layer"], "n_head": c["n_head"], "n_embd": c["n_embd"],
        "n_positions": c["n_positions"], "n_ctx": c["n_positions"],
        "vocab_size": c["vocab_size"],
        "layer_norm_epsilon": 1e-5,
        "activation_function": "gelu_new",
        "bos_token_id": eot_id, "eos_token_id": eot_id,
    }
    with open(os.path.join(outdir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    tensors = _hf_tensors(model)
    # Guard the Conv1D convention explicitly: (in, out), unlike nn.Linear.
    d = c["n_embd"]
    assert tensors["h.0.attn.c_attn.weight"].shape == (d, 3 * d)
    assert tensors["h.0.mlp.c_fc.weight"].shape == (d, 4 * d)
    assert tensors["h.0.mlp.c_proj.weight"].shape == (4 * d, d)
    nbytes = sum(t.size * 4 for t in tensors.values())
    # The repo budget for the model folder is 25 MB; fall back to F16 only if needed.
    dtype = "F32" if nbytes < 24_000_000 else "F16"
    save_safetensors(os.path.join(outdir, "model.safetensors"), tensors, dtype)
    return config


def load_hf(modeldir):
    """Build a GPT from an HF-layout folder (config.json + model.safetensors)."""
    with open(os.path.join(modeldir, "config.json")) as f:
        cfg = json.load(f)
    model = GPT(cfg["vocab_size"], cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg["n_positions"])
    tensors = load_safetensors(os.path.join(modeldir, "model.safetensors"))
    sd = {}
    for name, a in tensors.items():
        t = torch.from_numpy(a.copy())
        if name.endswith(".weight") and any(k in name for k in ("c_attn", "c_proj", "c_fc")):
            t = t.t().contiguous()
        sd[name] = t
    # strict=True: a missing or extra tensor name is an export bug.
    model.load_state_dict(sd, strict=True)
    model.eval()
    return model, cfg
