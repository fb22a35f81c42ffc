#!/usr/bin/python3
"""Numpy oracle for Llama-family models, independent of attnscope's C code.

Writes, under OUT_DIR/llama/:
  - small random Llama checkpoints with grouped-query attention, each in BOTH
    formats holding the SAME model:
      <name>/model.bin + <name>/tokenizer.bin   llama2.c legacy format
      <name>/hf/{config.json, model.safetensors, tokenizer.json}
    The HF q/k projections are permuted as Hugging Face's
    convert_llama_weights_to_hf.py does, so rotate_half RoPE on them equals
    llama2.c's interleaved RoPE on the originals.
      gqa_tied:    4 query heads, 2 KV heads, tied classifier, F32
      mqa_untied:  4 query heads, 1 KV head, separate classifier; the HF copy
                   is stored F16 (weights are pre-rounded to F16 so both
                   formats hold the same numbers)
      mha_bf16:    2 heads, 2 KV heads (no grouping), tied, HF copy in BF16
  - for each model and several id sequences and run options: the expected
    q/k (before and after RoPE, in each format's own basis), v, raw q.k,
    scores, attention, head outputs, logits and loss;
  - expected token ids of the random tokenizers for a few texts;
  - for ../shared/models/stories260K (when present): the expected trace of a
    real text, and a numpy greedy decode from BOS (printed, and checked
    against the published continuation).
manifest.json indexes it all; arrays are raw little-endian float32 files.

Conventions (forward.h): masked scores are -inf; a query with no visible key
has an all-zero attention row and head output; an ablated head's output is
zeroed before the output projection (its attention is still recorded).

Usage: llama_oracle.py OUT_DIR
"""
import json
import os
import struct
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sp_tokenizer_oracle as spref  # noqa: E402

META = "\u2581"
PASSED = 0
FAILED = 0


def check(cond, what):
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL", what)


# --- model description -------------------------------------------------------

class Llama:
    """Weights in llama2.c's ("meta") layout: projections (out, in)."""

    def __init__(self, cfg, w):
        self.cfg = cfg
        self.w = w

    @property
    def d_head(self):
        return self.cfg["dim"] // self.cfg["n_heads"]


def to_dtype(a, dtype):
    """a rounded to the values dtype can hold (as float64), so a checkpoint
    stored in dtype holds exactly the model the oracle computes with."""
    if dtype == "F16":
        return a.astype(np.float16).astype(np.float64)
    f = np.ascontiguousarray(a, dtype=np.float32)
    if dtype == "BF16":
        bits = f.view(np.uint32).astype(np.uint64)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16   # round to nearest even
        f = bits.astype(np.uint32).view(np.float32)
    return f.astype(np.float64)


def random_llama(rng, dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len,
                 tied, dtype):
    dh = dim // n_heads
    kv = n_kv_heads * dh

    def mat(*shape, scale):
        a = rng.standard_normal(shape) * scale
        return to_dtype(a, dtype)

    w = {
        "tok_emb": mat(vocab, dim, scale=0.6),
        "rms_att": 1.0 + mat(n_layers, dim, scale=0.1),
        "wq": mat(n_layers, dim, dim, scale=0.35),
        "wk": mat(n_layers, kv, dim, scale=0.35),
        "wv": mat(n_layers, kv, dim, scale=0.3),
        "wo": mat(n_layers, dim, dim, scale=0.2),
        "rms_ffn": 1.0 + mat(n_layers, dim, scale=0.1),
        "w1": mat(n_layers, hidden, dim, scale=0.2),
        "w2": mat(n_layers, dim, hidden, scale=0.2),
        "w3": mat(n_layers, hidden, dim, scale=0.2),
        "rms_final": 1.0 + mat(dim, scale=0.1),
    }
    for k in ("rms_att", "rms_ffn", "rms_final"):  # stored exactly in either format
        w[k] = to_dtype(w[k], dtype)
    w["wcls"] = w["tok_emb"] if tied else mat(vocab, dim, scale=0.3)
    cfg = dict(dim=dim, hidden=hidden, n_layers=n_layers, n_heads=n_heads,
               n_kv_heads=n_kv_heads, vocab=vocab, seq_len=seq_len, tied=tied,
               eps=1e-5, theta=10000.0)
    return Llama(cfg, w)


# --- llama2.c legacy format ---------------------------------------------------

def write_llama2c(path, model):
    c, w = model.cfg, model.w
    dh = model.d_head
    vocab = c["vocab"] if c["tied"] else -c["vocab"]
    with open(path, "wb") as f:
        f.write(struct.pack("<7i", c["dim"], c["hidden"], c["n_layers"], c["n_heads"],
                            c["n_kv_heads"], vocab, c["seq_len"]))
        for name in ("tok_emb", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1",
                     "w2", "w3", "rms_final"):
            f.write(w[name].astype("<f4").tobytes())
        freqs = 1.0 / c["theta"] ** (np.arange(0, dh, 2) / dh)
        ang = np.outer(np.arange(c["seq_len"]), freqs)  # (seq_len, dh/2)
        f.write(np.cos(ang).astype("<f4").tobytes())
        f.write(np.sin(ang).astype("<f4").tobytes())
        if not c["tied"]:
            f.write(w["wcls"].astype("<f4").tobytes())


def read_llama2c(path):
    data = open(path, "rb").read()
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack_from("<7i", data, 0)
    tied = vocab > 0
    vocab = abs(vocab)
    dh = dim // n_heads
    kv = n_kv * dh
    arr = np.frombuffer(data, dtype="<f4", offset=28).astype(np.float64)
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        out = arr[pos:pos + n].reshape(shape)
        pos += n
        return out

    w = {"tok_emb": take(vocab, dim), "rms_att": take(n_layers, dim),
         "wq": take(n_layers, dim, dim), "wk": take(n_layers, kv, dim),
         "wv": take(n_layers, kv, dim), "wo": take(n_layers, dim, dim),
         "rms_ffn": take(n_layers, dim), "w1": take(n_layers, hidden, dim),
         "w2": take(n_layers, dim, hidden), "w3": take(n_layers, hidden, dim),
         "rms_final": take(dim)}
    take(seq_len, dh // 2)
    take(seq_len, dh // 2)
    w["wcls"] = w["tok_emb"] if tied else take(vocab, dim)
    assert pos == arr.size, "file size does not match the header"
    cfg = dict(dim=dim, hidden=hidden, n_layers=n_layers, n_heads=n_heads,
               n_kv_heads=n_kv, vocab=vocab, seq_len=seq_len, tied=tied,
               eps=1e-5, theta=10000.0)
    return Llama(cfg, w)


# --- Hugging Face format ------------------------------------------------------

def hf_permute(w, n_heads):
    """convert_llama_weights_to_hf.py's permute: within each head, rows
    (pair i, element e) move to (e, i), so rotate_half pairs (i, i + d/2)
    are llama2.c's pairs (2i, 2i + 1)."""
    out_dim, in_dim = w.shape
    return (w.reshape(n_heads, out_dim // n_heads // 2, 2, in_dim)
            .transpose(0, 2, 1, 3).reshape(out_dim, in_dim))


def head_perm(dh):
    """HF-basis component j of a head is llama2.c component head_perm[j]."""
    return np.concatenate([np.arange(0, dh, 2), np.arange(1, dh, 2)])


def write_safetensors(path, tensors, dtype):
    header, blobs, off = {}, [], 0
    for name, a in tensors.items():
        if dtype == "BF16":   # values are bf16-exact: keep the high halves
            b = (np.ascontiguousarray(a, dtype=np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()
        else:
            b = np.ascontiguousarray(a).astype({"F32": "<f4", "F16": "<f2"}[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write_hf(folder, model, dtype, tok_json):
    c, w = model.cfg, model.w
    os.makedirs(folder, exist_ok=True)
    t = {"model.embed_tokens.weight": w["tok_emb"], "model.norm.weight": w["rms_final"]}
    for l in range(c["n_layers"]):
        p = "model.layers.%d." % l
        t[p + "input_layernorm.weight"] = w["rms_att"][l]
        t[p + "self_attn.q_proj.weight"] = hf_permute(w["wq"][l], c["n_heads"])
        t[p + "self_attn.k_proj.weight"] = hf_permute(w["wk"][l], c["n_kv_heads"])
        t[p + "self_attn.v_proj.weight"] = w["wv"][l]
        t[p + "self_attn.o_proj.weight"] = w["wo"][l]
        t[p + "post_attention_layernorm.weight"] = w["rms_ffn"][l]
        t[p + "mlp.gate_proj.weight"] = w["w1"][l]
        t[p + "mlp.up_proj.weight"] = w["w3"][l]
        t[p + "mlp.down_proj.weight"] = w["w2"][l]
    if not c["tied"]:
        t["lm_head.weight"] = w["wcls"]
    write_safetensors(os.path.join(folder, "model.safetensors"), t, dtype)
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": c["dim"], "intermediate_size": c["hidden"],
        "num_hidden_layers": c["n_layers"], "num_attention_heads": c["n_heads"],
        "num_key_value_heads": c["n_kv_heads"], "max_position_embeddings": c["seq_len"],
        "vocab_size": c["vocab"], "rms_norm_eps": c["eps"], "rope_theta": c["theta"],
        "tie_word_embeddings": c["tied"], "hidden_act": "silu", "bos_token_id": 1,
        "eos_token_id": 2, "torch_dtype": {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[dtype],
        "rope_scaling": None,
    }
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(folder, "tokenizer.json"), "w") as f:
        json.dump(tok_json, f, ensure_ascii=False, indent=1)


def read_hf_as_hf(folder):
    """Reads the HF folder back without undoing the permutation (for the
    independent rotate_half forward)."""
    cfg = json.load(open(os.path.join(folder, "config.json")))
    data = open(os.path.join(folder, "model.safetensors"), "rb").read()
    (hlen,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + hlen])
    base = 8 + hlen
    t = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, en = e["data_offsets"]
        raw = data[base + b:base + en]
        if e["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype={"F32": "<f4", "F16": "<f2"}[e["dtype"]])
        t[name] = arr.astype(np.float64).reshape(e["shape"])
    return cfg, t


# --- tokenizers for the random models -------------------------------------------

def small_vocab():
    """Pieces (llama2.c spelling, spaces literal) and scores."""
    pieces = [b"<unk>", b"\n<s>\n", b"\n</s>\n"] + [b"<0x%02X>" % i for i in range(256)]
    scores = [0.0] * len(pieces)
    merged = [" t", "he", " a", "in", " the", "an", "nd", " and", "on", "er", " s", "at",
              " w", "ll", " was", " b", "ed", "ing", " l", "it", " he", "ay", " play", "ou",
              " sa", " saw", "ck", " d", " do", " dog", "ca", " ca", " cat"]
    for i, p in enumerate(merged):
        pieces.append(p.encode())
        scores.append(-float(i))
    singles = " etaonihsrdlucmwfgypbvkTSL.,!'\"?xjqzAOI"
    for i, ch in enumerate(singles):
        pieces.append(ch.encode())
        scores.append(-100.0 - i)
    return pieces, scores


def hf_tokenizer_json(pieces, scores):
    """A Llama-2-style tokenizer.json for the same vocabulary: spaces become
    U+2581, merges are every split of a piece into two pieces, ranked by the
    merged piece's score."""
    hf_pieces = []
    for i, p in enumerate(pieces):
        if i == 1:
            hf_pieces.append("<s>")
        elif i == 2:
            hf_pieces.append("</s>")
        else:
            hf_pieces.append(p.decode("utf-8").replace(" ", META))
    vocab = {p: i for i, p in enumerate(hf_pieces)}
    normal = [i for i in range(len(pieces)) if i > 2 and not spref.BYTE_RE.match(pieces[i])]
    merges = []
    for i in sorted(normal, key=lambda k: -scores[k]):
        p = hf_pieces[i]
        for cut in range(1, len(p)):
            a, b = p[:cut], p[cut:]
            if a in vocab and b in vocab and vocab[a] in normal and vocab[b] in normal:
                merges.append([a, b])
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [
            {"id": 0, "content": "<unk>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
            {"id": 1, "content": "<s>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
            {"id": 2, "content": "</s>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
        ],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": META},
            {"type": "Replace", "pattern": {"String": " "}, "content": META}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": META}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>",
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": vocab, "merges": [" ".join(m) for m in merges]},
    }
    hf_ref = spref.SpReference([p.encode() for p in hf_pieces],
                               merges=[(a.encode(), b.encode()) for a, b in merges],
                               space=META.encode())
    return tok, hf_ref


# --- forward pass ---------------------------------------------------------------

def rmsnorm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope_interleaved(x, theta):
    """x: (heads, T, dh); rotates pairs (2i, 2i+1) by pos * theta^(-2i/dh)."""
    _, T, dh = x.shape
    freqs = theta ** (-np.arange(0, dh, 2) / dh)
    ang = np.arange(T)[:, None] * freqs[None, :]        # (T, dh/2)
    cos, sin = np.cos(ang), np.sin(ang)
    x0, x1 = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = x0 * cos - x1 * sin
    out[..., 1::2] = x0 * sin + x1 * cos
    return out


def rope_rotate_half(x, theta):
    """x: (heads, T, dh); HF: x * cos + rotate_half(x) * sin, cos = cat(c, c)."""
    _, T, dh = x.shape
    inv = 1.0 / theta ** (np.arange(0, dh, 2) / dh)
    ang = np.arange(T)[:, None] * inv[None, :]
    emb = np.concatenate([ang, ang], axis=-1)           # (T, dh)
    half = dh // 2
    rot = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * np.cos(emb) + rot * np.sin(emb)


class Options:
    def __init__(self, scale="sqrt", mask="causal", ablate=""):
        self.scale, self.mask, self.ablate = scale, mask, ablate

    def visible(self, T):
        q = np.arange(T)[:, None]
        k = np.arange(T)[None, :]
        if self.mask == "none":
            vis = np.ones((T, T), bool)
        elif self.mask.startswith("window:"):
            W = int(self.mask.split(":")[1])
            vis = (k <= q) & (k > q - W)
        else:
            vis = k <= q
        if self.mask.startswith("keys:"):
            for j in self.mask.split(":")[1].split(","):
                if int(j) < T:
                    vis[:, int(j)] = False
        return vis

    def factor(self, dh):
        if self.scale == "none":
            return 1.0
        if self.scale.startswith("temp:"):
            return 1.0 / (np.sqrt(dh) * float(self.scale.split(":")[1]))
        return 1.0 / np.sqrt(dh)

    def ablated(self):
        out = set()
        for s in filter(None, self.ablate.split(",")):
            l, h = s.split(".")
            out.add((int(l), int(h)))
        return out


def forward(cfg, layers, emb, norm_f, cls, ids, opts, rope):
    """cfg: dict; layers: list of dicts with (out, in) weights; rope: function.
    Returns the trace as a dict of float64 arrays."""
    H, KV = cfg["n_heads"], cfg["n_kv_heads"]
    dh = cfg["dim"] // H
    g = H // KV
    T = len(ids)
    eps, theta = cfg["eps"], cfg["theta"]
    vis = opts.visible(T)
    ablated = opts.ablated()
    tr = {k: [] for k in ("q", "k", "v", "q_pre", "k_pre", "raw", "scores", "att", "head_out")}
    x = emb[ids].copy()                                  # (T, dim)
    for l, L in enumerate(layers):
        xn = rmsnorm(x, L["norm1"], eps)
        q_pre = (xn @ L["wq"].T).reshape(T, H, dh).transpose(1, 0, 2)    # (H, T, dh)
        k_pre = (xn @ L["wk"].T).reshape(T, KV, dh).transpose(1, 0, 2)   # (KV, T, dh)
        v = (xn @ L["wv"].T).reshape(T, KV, dh).transpose(1, 0, 2)       # (KV, T, dh)
        q, k = rope(q_pre, theta), rope(k_pre, theta)
        raw = np.einsum("htd,hsd->hts", q, np.repeat(k, g, axis=0))      # (H, T, T)
        scores = np.where(vis[None], raw * opts.factor(dh), -np.inf)
        att = np.zeros_like(raw)
        for h in range(H):
            for t in range(T):
                if vis[t].any():
                    e = np.exp(scores[h, t] - scores[h, t][vis[t]].max())
                    att[h, t] = e / e.sum()
        head_out = np.einsum("hts,hsd->htd", att, np.repeat(v, g, axis=0))  # (H, T, dh)
        for h in range(H):
            if (l, h) in ablated:
                head_out[h] = 0.0
        x = x + head_out.transpose(1, 0, 2).reshape(T, H * dh) @ L["wo"].T
        xn = rmsnorm(x, L["norm2"], eps)
        gate = xn @ L["w1"].T
        x = x + ((gate / (1.0 + np.exp(-gate))) * (xn @ L["w3"].T)) @ L["w2"].T
        for name, val in (("q", q), ("k", k), ("v", v), ("q_pre", q_pre), ("k_pre", k_pre),
                          ("raw", raw), ("scores", scores), ("att", att), ("head_out", head_out)):
            tr[name].append(val)
    out = {k: np.stack(v) for k, v in tr.items()}
    logits = rmsnorm(x, norm_f, eps) @ cls.T             # (T, vocab)
    out["logits"] = logits
    m = logits.max(axis=-1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))
    out["loss"] = float(-np.mean([logp[t, ids[t + 1]] for t in range(T - 1)])) if T > 1 else float("nan")
    return out


def forward_meta(model, ids, opts):
    w = model.w
    layers = [dict(norm1=w["rms_att"][l], wq=w["wq"][l], wk=w["wk"][l], wv=w["wv"][l],
                   wo=w["wo"][l], norm2=w["rms_ffn"][l], w1=w["w1"][l], w2=w["w2"][l],
                   w3=w["w3"][l]) for l in range(model.cfg["n_layers"])]
    return forward(model.cfg, layers, w["tok_emb"], w["rms_final"], w["wcls"], ids, opts,
                   rope_interleaved)


def forward_hf(folder, ids, opts):
    c, t = read_hf_as_hf(folder)
    cfg = dict(dim=c["hidden_size"], n_heads=c["num_attention_heads"],
               n_kv_heads=c["num_key_value_heads"], eps=c["rms_norm_eps"], theta=c["rope_theta"])
    layers = []
    for l in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % l
        layers.append(dict(norm1=t[p + "input_layernorm.weight"],
                           wq=t[p + "self_attn.q_proj.weight"], wk=t[p + "self_attn.k_proj.weight"],
                           wv=t[p + "self_attn.v_proj.weight"], wo=t[p + "self_attn.o_proj.weight"],
                           norm2=t[p + "post_attention_layernorm.weight"],
                           w1=t[p + "mlp.gate_proj.weight"], w3=t[p + "mlp.up_proj.weight"],
                           w2=t[p + "mlp.down_proj.weight"]))
    emb = t["model.embed_tokens.weight"]
    cls = emb if c["tie_word_embeddings"] else t["lm_head.weight"]
    return forward(cfg, layers, emb, t["model.norm.weight"], cls, ids, opts, rope_rotate_half)


# --- output ---------------------------------------------------------------------

def save(dir_, rel, arr):
    path = os.path.join(dir_, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    a = np.asarray(arr, dtype=np.float64)
    a = np.where(np.isneginf(a), -np.inf, a).astype("<f4")
    a.tofile(path)
    return {"file": rel, "shape": list(a.shape)}


def emit_case(root, model_name, case_name, ids, opts, tr_meta, tr_hf, dh):
    """Arrays shared by both formats once; q/k in each format's basis."""
    base = "%s/cases/%s/" % (model_name, case_name)
    arrays = {}
    for name in ("v", "raw", "scores", "att", "head_out", "logits"):
        arrays[name] = save(root, base + name + ".f32", tr_meta[name])
    for name in ("q", "k", "q_pre", "k_pre"):
        arrays[name + "@l2c"] = save(root, base + name + ".l2c.f32", tr_meta[name])
        if tr_hf is not None:
            arrays[name + "@hf"] = save(root, base + name + ".hf.f32", tr_hf[name])
    return {"name": case_name, "ids": [int(i) for i in ids], "scale": opts.scale,
            "mask": opts.mask, "ablate": opts.ablate, "loss": tr_meta["loss"],
            "arrays": arrays}


def build_random_model(root, name, rng, n_heads, n_kv_heads, tied, dtype, texts):
    pieces, scores = small_vocab()
    model = random_llama(rng, dim=32, hidden=48, n_layers=2, n_heads=n_heads,
                         n_kv_heads=n_kv_heads, vocab=len(pieces), seq_len=24,
                         tied=tied, dtype=dtype)
    folder = os.path.join(root, name)
    os.makedirs(folder, exist_ok=True)
    write_llama2c(os.path.join(folder, "model.bin"), model)
    spref.write_llama2c_tokenizer(os.path.join(folder, "tokenizer.bin"), pieces, scores)
    tok_json, hf_ref = hf_tokenizer_json(pieces, scores)
    write_hf(os.path.join(folder, "hf"), model, dtype, tok_json)

    # The files read back are the model we meant to write.
    back = read_llama2c(os.path.join(folder, "model.bin"))
    check(all(np.array_equal(back.w[k], model.w[k]) for k in model.w),
          "%s: llama2.c round trip" % name)

    l2c_ref = spref.SpReference(pieces, scores=scores)
    tok_cases = []
    for text in texts:
        a = l2c_ref.encode(text)
        b = hf_ref.encode(text)
        check([t[0] for t in a] == [t[0] for t in b],
              "%s: llama2.c and HF tokenizers agree on %r" % (name, text))
        tok_cases.append({"text": text, "ids_l2c": [t[0] for t in a], "ids_hf": [t[0] for t in b],
                          "offsets": [[t[1], t[2]] for t in a]})

    rs = np.random.default_rng(99)
    id_seqs = {
        "story": [t[0] for t in l2c_ref.encode("the cat saw the dog and the dog was playing")][:16],
        "rand12": [1] + list(rs.integers(3, len(pieces), size=11)),
    }
    option_sets = [
        ("default", Options()),
        ("scale_none", Options(scale="none")),
        ("temp", Options(scale="temp:2.5")),
        ("mask_none", Options(mask="none")),
        ("window", Options(mask="window:3")),
        ("keys0", Options(mask="keys:0")),      # query 0 sees nothing: zero row
        ("keys", Options(mask="keys:2,4")),
        ("ablate", Options(ablate="1.1")),      # one query head of a shared KV head
    ]
    cases = []
    dh = model.d_head
    perm = head_perm(dh)
    for seq_name, ids in id_seqs.items():
        for opt_name, opts in option_sets:
            if seq_name == "rand12" and opt_name not in ("default", "keys0", "ablate"):
                continue
            tm = forward_meta(model, ids, opts)
            th = forward_hf(os.path.join(folder, "hf"), ids, opts)
            tag = "%s/%s/%s" % (name, seq_name, opt_name)
            # The two formats are the same model: equal attention and logits,
            # q/k equal up to the per-head permutation.
            check(np.allclose(tm["att"], th["att"], atol=1e-9), tag + ": att meta == hf")
            check(np.allclose(tm["logits"], th["logits"], atol=1e-9), tag + ": logits meta == hf")
            for nm in ("q", "k", "q_pre", "k_pre"):
                check(np.allclose(tm[nm][..., perm], th[nm], atol=1e-9), tag + ": %s permuted" % nm)
            check(np.isfinite(tm["logits"]).all() and np.isfinite(tm["loss"]), tag + ": finite")
            if opt_name == "keys0":
                check(np.all(tm["att"][:, :, 0, :] == 0) and np.all(tm["head_out"][:, :, 0, :] == 0),
                      tag + ": fully masked row is zero")
            if opt_name == "ablate":
                ho = tm["head_out"][1]
                check(np.all(ho[1] == 0) and np.abs(ho[0]).max() > 0, tag + ": only head 1 zeroed")
            cases.append(emit_case(root, name, "%s_%s" % (seq_name, opt_name), ids, opts, tm, th, dh))
    c = model.cfg
    return {"name": name, "l2c": name + "/model.bin", "l2c_tokenizer": name + "/tokenizer.bin",
            "hf": name + "/hf", "hf_dtype": dtype,
            "n_layer": c["n_layers"], "n_head": c["n_heads"], "n_kv_head": c["n_kv_heads"],
            "d_model": c["dim"], "d_ff": c["hidden"], "vocab_size": c["vocab"],
            "n_ctx": c["seq_len"], "tied": c["tied"],
            "n_params": int(sum(v.size for k, v in model.w.items()
                                if not (k == "wcls" and c["tied"]))),
            "tokenizer_cases": tok_cases, "cases": cases}


# --- stories260K ----------------------------------------------------------------

def stories(root, shared):
    folder = os.path.join(shared, "models/stories260K")
    bin_path = os.path.join(folder, "stories260K.bin")
    tok_path = os.path.join(folder, "tok512.bin")
    if not (os.path.exists(bin_path) and os.path.exists(tok_path)):
        print("SKIP: %s absent; no stories260K reference" % folder)
        return None
    model = read_llama2c(bin_path)
    pieces, scores = spref.read_llama2c_tokenizer(tok_path, model.cfg["vocab"])
    ref = spref.SpReference(pieces, scores=scores)
    ids = [1]
    for _ in range(40):
        tr = forward_meta(model, ids, Options())
        ids.append(int(np.argmax(tr["logits"][-1])))
    out = b""
    for prev, tid in zip(ids, ids[1:]):
        b = ref.token_bytes(tid)
        if prev == 1 and b.startswith(b" "):
            b = b[1:]
        out += b
    text = out.decode("utf-8", "replace")
    print("stories260K greedy from BOS: %r" % text)
    expected = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park."
    check(text.startswith(expected), "stories260K greedy continuation")
    text_ids = [t[0] for t in ref.encode("Once upon a time, there was a little girl named Lily.")]
    cases = []
    for case_name, opts in (("default", Options()), ("ablate", Options(ablate="2.3,4.0")),
                            ("window", Options(mask="window:4"))):
        tm = forward_meta(model, text_ids, opts)
        cases.append(emit_case(root, "stories260K", case_name, text_ids, opts, tm, None,
                               model.d_head))
    c = model.cfg
    return {"name": "stories260K", "l2c": os.path.abspath(bin_path), "l2c_tokenizer": None,
            "hf": None, "n_layer": c["n_layers"], "n_head": c["n_heads"],
            "n_kv_head": c["n_kv_heads"], "d_model": c["dim"], "d_ff": c["hidden"],
            "vocab_size": c["vocab"], "n_ctx": c["seq_len"], "tied": c["tied"],
            "n_params": int(sum(v.size for k, v in model.w.items()
                                if not (k == "wcls" and c["tied"]))),
            "greedy_ids": ids, "greedy_text": text, "tokenizer_cases": [], "cases": cases}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "build/oracle"
    root = os.path.join(out_dir, "llama")
    os.makedirs(root, exist_ok=True)
    rng = np.random.default_rng(1234)
    texts = ["the cat saw the dog", "A cat and a dog were playing.", "héllo wörld 🐱",
             "line\nbreak", "  two spaces", "x"]
    models = [
        build_random_model(root, "gqa_tied", rng, n_heads=4, n_kv_heads=2, tied=True,
                           dtype="F32", texts=texts),
        build_random_model(root, "mqa_untied", rng, n_heads=4, n_kv_heads=1, tied=False,
                           dtype="F16", texts=texts),
        build_random_model(root, "mha_bf16", rng, n_heads=2, n_kv_heads=2, tied=True,
                           dtype="BF16", texts=texts),
    ]
    shared = os.environ.get("ATTNSCOPE_SHARED", "../shared")
    s = stories(root, shared)
    if s:
        models.append(s)
    with open(os.path.join(root, "manifest.json"), "w") as f:
        json.dump({"models": models}, f, indent=1)
    print("wrote %s/manifest.json: %d models, %d cases" %
          (root, len(models), sum(len(m["cases"]) for m in models)))
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
