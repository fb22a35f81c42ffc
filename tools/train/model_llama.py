"""Our Llama in PyTorch, plus Hugging Face LlamaForCausalLM-layout export/import.

The math follows Hugging Face's LlamaForCausalLM so the exported folder runs
unchanged in attnscope's C engine (src/engine/model_llama.c) and in
transformers:
  x = embed_tokens[ids]
  per layer: x = x + o_proj(attn(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1)))
             x = x + down_proj(silu(gate_proj(n2)) * up_proj(n2))
  where n1 = RMSNorm(x; input_layernorm), n2 = RMSNorm(x; post_attention_layernorm)
  logits = RMSNorm(x; model.norm) @ embed_tokens^T     (tied, no lm_head tensor)
RMSNorm: x / sqrt(mean(x^2) + 1e-5) * w. No biases anywhere.
RoPE in HF's rotate_half convention: a head vector q (d_head) is split into
halves (q1, q2); position p rotates pair (q1[i], q2[i]) by angle
p * theta^(-2i/d_head), theta 10000. Because we train in this basis there is
no q/k permutation at export (HF's conversion script permutes only when it
starts from Meta's interleaved checkpoints).
nn.Linear weights are (out, in), which is exactly HF Llama's storage.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from model import load_safetensors, save_safetensors

EPS = 1e-5
THETA = 10000.0


class RMSNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * self.weight


def rope_tables(T, d_head, device=None):
    """cos, sin: (T, d_head), each angle repeated for both halves (HF layout)."""
    inv = THETA ** (-torch.arange(0, d_head, 2, dtype=torch.float32, device=device) / d_head)
    ang = torch.arange(T, dtype=torch.float32, device=device)[:, None] * inv[None, :]
    ang = torch.cat([ang, ang], dim=-1)
    return ang.cos(), ang.sin()


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


class Attention(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.n_head = n_head
        self.q_proj = nn.Linear(d, d, bias=False)
        self.k_proj = nn.Linear(d, d, bias=False)
        self.v_proj = nn.Linear(d, d, bias=False)
        self.o_proj = nn.Linear(d, d, bias=False)

    def forward(self, x, cos, sin, want_probs=False):
        B, T, C = x.shape
        dh = C // self.n_head
        # (B, T, C) -> (B, H, T, dh); head h is columns h*dh..(h+1)*dh.
        q, k, v = (p(x).view(B, T, self.n_head, dh).transpose(1, 2)
                   for p in (self.q_proj, self.k_proj, self.v_proj))
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(dh))
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        probs = F.softmax(att.masked_fill(mask, float("-inf")), dim=-1)  # (B, H, T, T)
        y = (probs @ v).transpose(1, 2).reshape(B, T, C)
        return self.o_proj(y), (probs if want_probs else None)


class MLP(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.gate_proj = nn.Linear(d, hidden, bias=False)
        self.up_proj = nn.Linear(d, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, d, n_head, hidden):
        super().__init__()
        self.input_layernorm = RMSNorm(d)
        self.self_attn = Attention(d, n_head)
        self.post_attention_layernorm = RMSNorm(d)
        self.mlp = MLP(d, hidden)

    def forward(self, x, cos, sin, want_probs=False):
        a, probs = self.self_attn(self.input_layernorm(x), cos, sin, want_probs)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), probs


class Llama(nn.Module):
    def __init__(self, vocab_size, n_layer, n_head, n_embd, n_positions, hidden):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, n_layer=n_layer, n_head=n_head,
                           n_embd=n_embd, n_positions=n_positions, hidden=hidden)
        self.embed_tokens = nn.Embedding(vocab_size, n_embd)
        self.layers = nn.ModuleList(Layer(n_embd, n_head, hidden) for _ in range(n_layer))
        self.norm = RMSNorm(n_embd)
        self.reset_parameters()

    def reset_parameters(self):
        # N(0, 0.02), the residual-output projections (o_proj, down_proj)
        # scaled by 1/sqrt(2 * n_layer) as in GPT-2; norms start at 1.
        for name, p in self.named_parameters():
            if name.endswith("layernorm.weight") or name == "norm.weight":
                nn.init.ones_(p)
            elif name.endswith(("o_proj.weight", "down_proj.weight")):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * len(self.layers)))
            else:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, idx, want_probs=False):
        T = idx.shape[1]
        cos, sin = rope_tables(T, self.config["n_embd"] // self.config["n_head"], idx.device)
        x = self.embed_tokens(idx)
        all_probs = []
        for layer in self.layers:
            x, probs = layer(x, cos, sin, want_probs)
            all_probs.append(probs)
        logits = self.norm(x) @ self.embed_tokens.weight.t()  # tied LM head
        return (logits, all_probs) if want_probs else logits

    def num_params(self):
        return sum(p.numel() for p in self.parameters())


# ---------------------------------------------------------------- export

def export_hf(model, outdir, bos_id):
    """config.json + model.safetensors in LlamaForCausalLM's layout."""
    os.makedirs(outdir, exist_ok=True)
    c = model.config
    config = {
        "model_type": "llama",
        "architectures": ["LlamaForCausalLM"],
        "vocab_size": c["vocab_size"],
        "hidden_size": c["n_embd"],
        "intermediate_size": c["hidden"],
        "num_hidden_layers": c["n_layer"],
        "num_attention_heads": c["n_head"],
        "num_key_value_heads": c["n_head"],
        "head_dim": c["n_embd"] // c["n_head"],
        "max_position_embeddings": c["n_positions"],
        "hidden_act": "silu",
        "rms_norm_eps": EPS,
        "rope_theta": THETA,
        "rope_scaling": None,
        "attention_bias": False,
        "mlp_bias": False,
        "tie_word_embeddings": True,
        "bos_token_id": bos_id,
        "eos_token_id": bos_id,
        "torch_dtype": "float32",
    }
    with open(os.path.join(outdir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    tensors = {"model." + n: t.detach().float().cpu().contiguous().numpy()
               for n, t in model.state_dict().items()}
    d, hdn = c["n_embd"], c["hidden"]
    assert tensors["model.layers.0.mlp.gate_proj.weight"].shape == (hdn, d)
    assert tensors["model.layers.0.mlp.down_proj.weight"].shape == (d, hdn)
    save_safetensors(os.path.join(outdir, "model.safetensors"), tensors, "F32")
    return config


def load_hf(modeldir):
    """Build a Llama from an HF-layout folder (config.json + model.safetensors)."""
    with open(os.path.join(modeldir, "config.json")) as f:
        cfg = json.load(f)
    assert cfg.get("tie_word_embeddings"), "only tied models are built by this trainer"
    model = Llama(cfg["vocab_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"],
                  cfg["hidden_size"], cfg["max_position_embeddings"], cfg["intermediate_size"])
    tensors = load_safetensors(os.path.join(modeldir, "model.safetensors"))
    sd = {n[len("model."):]: torch.from_numpy(a.copy()) for n, a in tensors.items()}
    model.load_state_dict(sd, strict=True)  # a missing or extra name is an export bug
    model.eval()
    return model, cfg


def load_any(modeldir):
    """(model, config, prefix) for a folder of either architecture; prefix is
    the ids attnscope puts before a text: [BOS] for Llama, none for GPT-2."""
    with open(os.path.join(modeldir, "config.json")) as f:
        cfg = json.load(f)
    if cfg.get("model_type") == "llama":
        model, cfg = load_hf(modeldir)
        return model, cfg, [cfg["bos_token_id"]]
    import model as gpt2_model
    model, cfg = gpt2_model.load_hf(modeldir)
    return model, cfg, []


def n_ctx(cfg):
    return cfg.get("max_position_embeddings") or cfg["n_positions"]
