"""model.py -- a MarianMTModel in plain PyTorch whose state_dict has the
Hugging Face names and shapes, so tools/train_mt/export.py writes a folder
that attnscope (src/engine/model_marian.c) and transformers both load.

Post-LN encoder and decoder layers, fixed sinusoids (sin | cos halves, from
position 0), embeddings x sqrt(d_model), lm_head tied to model.shared plus
final_logits_bias, swish activation. Dropout only while training.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def sinusoids(n_pos, dim):
    pe = np.array([[p / np.power(10000, 2 * (j // 2) / dim) for j in range(dim)] for p in range(n_pos)])
    out = np.zeros((n_pos, dim))
    half = dim // 2 if dim % 2 == 0 else dim // 2 + 1
    out[:, :half] = np.sin(pe[:, 0::2])
    out[:, half:] = np.cos(pe[:, 1::2])
    return torch.tensor(out, dtype=torch.float32)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, kv, mask):
        """x (B, Tq, D), kv (B, Tk, D), mask (B or 1, 1, Tq or 1, Tk) True = hidden."""
        B, Tq, D = x.shape
        Tk = kv.shape[1]
        q = self.q_proj(x).view(B, Tq, self.h, self.dh).transpose(1, 2)
        k = self.k_proj(kv).view(B, Tk, self.h, self.dh).transpose(1, 2)
        v = self.v_proj(kv).view(B, Tk, self.h, self.dh).transpose(1, 2)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(self.dh)
        s = s.masked_fill(mask, float("-inf"))
        a = torch.softmax(s, -1)
        return self.out_proj((a @ v).transpose(1, 2).reshape(B, Tq, D))


class Layer(nn.Module):
    def __init__(self, d, heads, ffn, decoder):
        super().__init__()
        self.self_attn = Attention(d, heads)
        self.self_attn_layer_norm = nn.LayerNorm(d)
        if decoder:
            self.encoder_attn = Attention(d, heads)
            self.encoder_attn_layer_norm = nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, ffn), nn.Linear(ffn, d)
        self.final_layer_norm = nn.LayerNorm(d)

    def forward(self, x, self_mask, drop, enc=None, enc_mask=None):
        x = self.self_attn_layer_norm(x + F.dropout(self.self_attn(x, x, self_mask), drop, self.training))
        if enc is not None:
            x = self.encoder_attn_layer_norm(x + F.dropout(self.encoder_attn(x, enc, enc_mask), drop, self.training))
        h = F.dropout(F.silu(self.fc1(x)), drop, self.training)
        return self.final_layer_norm(x + F.dropout(self.fc2(h), drop, self.training))


class Stack(nn.Module):
    def __init__(self, n, d, heads, ffn, decoder):
        super().__init__()
        self.layers = nn.ModuleList(Layer(d, heads, ffn, decoder) for _ in range(n))


class Inner(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["d_model"]
        self.shared = nn.Embedding(cfg["vocab_size"], d)
        self.encoder = Stack(cfg["encoder_layers"], d, cfg["encoder_attention_heads"], cfg["encoder_ffn_dim"], False)
        self.decoder = Stack(cfg["decoder_layers"], d, cfg["decoder_attention_heads"], cfg["decoder_ffn_dim"], True)


class Marian(nn.Module):
    def __init__(self, cfg, dropout=0.1):
        super().__init__()
        self.cfg, self.drop = cfg, dropout
        self.model = Inner(cfg)
        self.register_buffer("final_logits_bias", torch.zeros(1, cfg["vocab_size"]))
        self.register_buffer("pos", sinusoids(cfg["max_position_embeddings"], cfg["d_model"]), persistent=False)
        nn.init.normal_(self.model.shared.weight, std=cfg["d_model"] ** -0.5)

    def embed(self, ids):
        return self.model.shared(ids) * math.sqrt(self.cfg["d_model"]) + self.pos[: ids.shape[1]]

    def encode(self, src, src_pad):
        """src (B, S); src_pad (B, S) True at padding."""
        mask = src_pad[:, None, None, :]
        x = F.dropout(self.embed(src), self.drop, self.training)
        for layer in self.model.encoder.layers:
            x = layer(x, mask, self.drop)
        return x

    def decode(self, tgt, enc, src_pad):
        """tgt (B, T) decoder input; returns logits (B, T, V)."""
        T = tgt.shape[1]
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=tgt.device), 1)[None, None]
        y = F.dropout(self.embed(tgt), self.drop, self.training)
        for layer in self.model.decoder.layers:
            y = layer(y, causal, self.drop, enc, src_pad[:, None, None, :])
        return y @ self.model.shared.weight.T + self.final_logits_bias

    def forward(self, src, src_pad, tgt):
        return self.decode(tgt, self.encode(src, src_pad), src_pad)

    @torch.no_grad()
    def greedy(self, src, max_new):
        """src (1, S) -> produced ids (pad never chosen), stops after </s>."""
        pad = torch.zeros_like(src, dtype=torch.bool)
        enc = self.encode(src, pad)
        out = [self.cfg["decoder_start_token_id"]]
        for _ in range(max_new):
            logits = self.decode(torch.tensor([out]), enc, pad)[0, -1]
            logits[self.cfg["pad_token_id"]] = float("-inf")
            out.append(int(logits.argmax()))
            if out[-1] == self.cfg["eos_token_id"]:
                break
        return out[1:]
