#!/usr/bin/python3
"""marian_oracle.py -- an independent numpy reference for attnscope's Marian
(encoder-decoder) forward pass, its per-kind run options, greedy decoding,
and small random checkpoints in the exact Hugging Face MarianMTModel layout.

Usage: /usr/bin/python3 tests/oracle/marian_oracle.py OUT_DIR   (e.g. build/oracle)

Writes, from fixed seeds (never committed):
  OUT/marian_f32/   config.json, model.safetensors (F32), source.spm,
                    target.spm, vocab.json (the committed test SentencePiece
                    model tests/tokenizer/spm_nfkc_bytes.model and its Marian
                    vocab.json); swish, scale_embedding true
  OUT/marian_f16/   another shape (2 encoder, 1 decoder layer, 4 heads),
                    weights in F16, gelu, scale_embedding false
  OUT/marian_cases.json   {"cases": ["marian_cases/NAME.json", ...]}
  OUT/marian_cases/NAME.json   model, src ids, tgt ids (decoder input), the
                    run options per kind (enc/dec/cross: scale, mask, ablate
                    "L.H,..."), masked_src positions, and expected tensors:
                    {enc,dec,cross}_{q,k,v,raw,scores,att,head_out}
                    (layer, head, query|key, d_head | key), logits (T, vocab),
                    greedy (ids under the case's options, max_new tokens)
  OUT/marian_bad/*  broken folders: missing encoder_attn tensor, wrong
                    shape, unknown activation, pre-LN config, vocab.json
                    whose </s> is not eos_token_id, no source.spm, a
                    target.spm that is not a ModelProto, a vocab.json
                    without one of the .spm's pieces

The math is transformers' MarianMTModel written from its definition in
float64 (post-LN blocks, sinusoidal positions sin|cos halves from position 0,
embeddings x sqrt(d_model) when scale_embedding, lm_head tied to
model.shared + final_logits_bias), from the exact stored weights (f16-rounded
for F16). Scores are null where masked. Greedy never picks <pad> (Marian's
bad_words_ids) and stops after </s>. Closing line: "N passed, N failed".
"""
import json
import math
import os
import shutil
import struct
import sys

import numpy as np

N_PASSED = 0
N_FAILED = 0
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPM = os.path.join(REPO, "tests", "tokenizer", "spm_nfkc_bytes.model")
VOCAB = os.path.join(REPO, "tests", "tokenizer", "spm_vocab.json")


def check(cond, what):
    global N_PASSED, N_FAILED
    if cond:
        N_PASSED += 1
    else:
        N_FAILED += 1
        print("FAIL oracle: " + what)


def safetensors_bytes(tensors):
    """tensors: {name: (dtype, ndarray)} -> file bytes, data in sorted order."""
    header = {"__metadata__": {"format": "pt"}}
    blobs, off = [], 0
    for name in sorted(tensors):
        dt, arr = tensors[name]
        raw = np.ascontiguousarray(arr).astype("<f4" if dt == "F32" else "<f2").tobytes()
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def sinusoids(n_pos, dim):
    """MarianSinusoidalPositionalEmbedding's table, as float32."""
    enc = np.array([[p / np.power(10000, 2 * (j // 2) / dim) for j in range(dim)] for p in range(n_pos)])
    out = np.zeros((n_pos, dim))
    half = dim // 2 if dim % 2 == 0 else dim // 2 + 1
    out[:, :half] = np.sin(enc[:, 0::2])
    out[:, half:] = np.cos(enc[:, 1::2])
    return out.astype(np.float32).astype(np.float64)


def make_weights(rng, cfg, dtype):
    D, V = cfg["d_model"], cfg["vocab_size"]
    w = {}

    def lin(name, n_out, n_in, s=0.3):
        w[name + ".weight"] = rng.standard_normal((n_out, n_in)) * s / math.sqrt(n_in) * 3
        w[name + ".bias"] = rng.standard_normal(n_out) * 0.1

    def ln(name):
        w[name + ".weight"] = 1 + rng.standard_normal(D) * 0.1
        w[name + ".bias"] = rng.standard_normal(D) * 0.1

    w["model.shared.weight"] = rng.standard_normal((V, D)) * 0.5
    w["final_logits_bias"] = rng.standard_normal((1, V)) * 0.1
    for side, n, F in (("encoder", cfg["encoder_layers"], cfg["encoder_ffn_dim"]),
                       ("decoder", cfg["decoder_layers"], cfg["decoder_ffn_dim"])):
        for i in range(n):
            p = "model.%s.layers.%d." % (side, i)
            kinds = ["self_attn"] + (["encoder_attn"] if side == "decoder" else [])
            for a in kinds:
                for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
                    lin(p + a + "." + proj, D, D)
                ln(p + a + "_layer_norm")
            lin(p + "fc1", F, D)
            lin(p + "fc2", D, F)
            ln(p + "final_layer_norm")
    if dtype == "F16":
        w = {k: v.astype(np.float16).astype(np.float64) for k, v in w.items()}
    else:
        w = {k: v.astype(np.float32).astype(np.float64) for k, v in w.items()}
    return w


def write_model(out, name, cfg, w, dtype, vocab_text, extra_files=None):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    tensors = {k: (dtype, v) for k, v in w.items()}
    pos = sinusoids(cfg["max_position_embeddings"], cfg["d_model"])
    # Real checkpoints also carry these; attnscope must ignore them.
    tensors["model.encoder.embed_positions.weight"] = (dtype, pos)
    tensors["model.decoder.embed_positions.weight"] = (dtype, pos)
    with open(os.path.join(d, "model.safetensors"), "wb") as f:
        f.write(safetensors_bytes(tensors))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    shutil.copyfile(SPM, os.path.join(d, "source.spm"))
    shutil.copyfile(SPM, os.path.join(d, "target.spm"))
    with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
        f.write(vocab_text)
    for fname, data in (extra_files or {}).items():
        with open(os.path.join(d, fname), "w") as f:
            f.write(data)
    return d


# --- the model ---------------------------------------------------------------

def layernorm(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def act(x, name):
    if name == "swish":
        return x / (1 + np.exp(-x))
    if name == "gelu":
        return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))
    return np.maximum(x, 0)


def visible(mask, i, j, masked):
    if j in masked:
        return False
    if mask == "none":
        return True
    if mask == "causal":
        return j <= i
    W = int(mask.split(":")[1])
    return i - W < j <= i


def attention(w, p, xq, xkv, H, opt, masked, layer, rec):
    D = xq.shape[1]
    dh = D // H
    q = xq @ w[p + ".q_proj.weight"].T + w[p + ".q_proj.bias"]
    k = xkv @ w[p + ".k_proj.weight"].T + w[p + ".k_proj.bias"]
    v = xkv @ w[p + ".v_proj.weight"].T + w[p + ".v_proj.bias"]
    s = opt["scale"]
    scale = 1.0 if s == "none" else 1 / math.sqrt(dh) if s == "sqrt" else 1 / (math.sqrt(dh) * float(s[5:]))
    ablated = {tuple(map(int, a.split("."))) for a in opt["ablate"].split(",") if a}
    heads = np.zeros((xq.shape[0], D))
    for h in range(H):
        qh, kh, vh = q[:, h * dh:(h + 1) * dh], k[:, h * dh:(h + 1) * dh], v[:, h * dh:(h + 1) * dh]
        raw = qh @ kh.T
        vis = np.array([[visible(opt["mask"], i, j, masked) for j in range(kh.shape[0])] for i in range(qh.shape[0])])
        scores = np.where(vis, raw * scale, -np.inf)
        att = np.zeros_like(raw)
        for i in range(raw.shape[0]):
            if vis[i].any():
                e = np.where(vis[i], np.exp(scores[i] - scores[i][vis[i]].max()), 0)
                att[i] = e / e.sum()
        out = att @ vh
        if (layer, h) in ablated:
            out = np.zeros_like(out)
        heads[:, h * dh:(h + 1) * dh] = out
        for key, val in (("q", qh), ("k", kh), ("v", vh), ("raw", raw), ("scores", scores), ("att", att),
                         ("head_out", out)):
            rec[key].append(val)
    return heads @ w[p + ".out_proj.weight"].T + w[p + ".out_proj.bias"]


def embed(w, cfg, ids):
    D = cfg["d_model"]
    s = math.sqrt(D) if cfg["scale_embedding"] else 1.0
    return w["model.shared.weight"][ids] * s + sinusoids(cfg["max_position_embeddings"], D)[:len(ids)]


def forward(w, cfg, src, tgt, opts, masked_src):
    rec = {kind: {k: [] for k in ("q", "k", "v", "raw", "scores", "att", "head_out")}
           for kind in ("enc", "dec", "cross")}
    x = embed(w, cfg, src)
    for i in range(cfg["encoder_layers"]):
        p = "model.encoder.layers.%d." % i
        x = layernorm(x + attention(w, p + "self_attn", x, x, cfg["encoder_attention_heads"], opts["enc"],
                                    masked_src, i, rec["enc"]),
                      w[p + "self_attn_layer_norm.weight"], w[p + "self_attn_layer_norm.bias"])
        f = act(x @ w[p + "fc1.weight"].T + w[p + "fc1.bias"], cfg["activation_function"])
        x = layernorm(x + f @ w[p + "fc2.weight"].T + w[p + "fc2.bias"],
                      w[p + "final_layer_norm.weight"], w[p + "final_layer_norm.bias"])
    y = embed(w, cfg, tgt)
    for i in range(cfg["decoder_layers"]):
        p = "model.decoder.layers.%d." % i
        H = cfg["decoder_attention_heads"]
        y = layernorm(y + attention(w, p + "self_attn", y, y, H, opts["dec"], set(), i, rec["dec"]),
                      w[p + "self_attn_layer_norm.weight"], w[p + "self_attn_layer_norm.bias"])
        y = layernorm(y + attention(w, p + "encoder_attn", y, x, H, opts["cross"], masked_src, i, rec["cross"]),
                      w[p + "encoder_attn_layer_norm.weight"], w[p + "encoder_attn_layer_norm.bias"])
        f = act(y @ w[p + "fc1.weight"].T + w[p + "fc1.bias"], cfg["activation_function"])
        y = layernorm(y + f @ w[p + "fc2.weight"].T + w[p + "fc2.bias"],
                      w[p + "final_layer_norm.weight"], w[p + "final_layer_norm.bias"])
    logits = y @ w["model.shared.weight"].T + w["final_logits_bias"][0]
    return rec, logits


def greedy(w, cfg, src, opts, masked_src, max_new):
    """Greedy ids and the smallest gap between the best and second logit."""
    tgt, margin = [cfg["decoder_start_token_id"]], np.inf
    while len(tgt) - 1 < max_new:
        _, logits = forward(w, cfg, src, tgt, opts, masked_src)
        row = logits[-1].copy()
        row[cfg["pad_token_id"]] = -np.inf
        order = np.argsort(-row, kind="stable")
        margin = min(margin, row[order[0]] - row[order[1]])
        tgt.append(int(order[0]))
        if tgt[-1] == cfg["eos_token_id"]:
            break
    return tgt[1:], margin


def beam(w, cfg, src, opts, masked_src, max_new, width):
    """Beam search as marian.h defines it; returns (ids, the smallest gap
    between neighbouring candidate scores that decided anything)."""
    pad, eos, start = cfg["pad_token_id"], cfg["eos_token_id"], cfg["decoder_start_token_id"]
    live, fin, gap = [([], 0.0)], [], np.inf
    for _ in range(max_new):
        cands = []
        for b, (toks, total) in enumerate(live):
            _, logits = forward(w, cfg, src, [start] + toks, opts, masked_src)
            row = logits[-1].copy()
            row[pad] = -np.inf
            m = row.max()
            lp = row - (m + np.log(np.exp(row - m).sum()))
            for v in range(len(row)):
                if v != pad:
                    cands.append((total + lp[v], b, v))
        cands.sort(key=lambda c: (-c[0], c[1], c[2]))
        top = cands[: 2 * width + 1]
        gap = min(gap, min(top[i][0] - top[i + 1][0] for i in range(len(top) - 1)))
        nxt = []
        for total, b, v in cands[: 2 * width]:
            toks = live[b][0] + [v]
            if v == eos:
                fin.append((toks, total / len(toks)))
            elif len(nxt) < width:
                nxt.append((toks, total))
        live = nxt
        if len(fin) >= width or not live:
            break
    if len(fin) < width:
        fin += [(toks, total / len(toks)) for toks, total in live]
    scores = sorted((f[1] for f in fin), reverse=True)
    if len(scores) > 1:
        gap = min(gap, scores[0] - scores[1])
    best = max(range(len(fin)), key=lambda i: (fin[i][1], -i))
    return fin[best][0], gap


def tensor(arrs):
    a = np.array(arrs)  # (layer * head, rows, cols): row-major (layer, head, rows, cols)
    data = [None if not np.isfinite(v) else float(v) for v in a.ravel()]
    return {"shape": list(a.shape), "data": data}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "build/oracle"
    os.makedirs(os.path.join(out, "marian_cases"), exist_ok=True)
    with open(VOCAB, encoding="utf-8") as f:
        vocab_text = f.read()
    vocab = json.loads(vocab_text)
    V = len(vocab)
    base = {"model_type": "marian", "architectures": ["MarianMTModel"], "vocab_size": V,
            "decoder_vocab_size": V, "max_position_embeddings": 64, "pad_token_id": vocab["<pad>"],
            "eos_token_id": vocab["</s>"], "decoder_start_token_id": vocab["<pad>"], "normalize_before": False,
            "share_encoder_decoder_embeddings": True, "tie_word_embeddings": True}
    models = {
        "marian_f32": dict(base, d_model=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
                           decoder_attention_heads=2, encoder_ffn_dim=24, decoder_ffn_dim=20,
                           activation_function="swish", scale_embedding=True),
        "marian_f16": dict(base, d_model=16, encoder_layers=2, decoder_layers=1, encoder_attention_heads=4,
                           decoder_attention_heads=4, encoder_ffn_dim=12, decoder_ffn_dim=28,
                           activation_function="gelu", scale_embedding=False),
    }
    weights = {}
    for i, (name, cfg) in enumerate(models.items()):
        dtype = "F32" if name.endswith("f32") else "F16"
        weights[name] = make_weights(np.random.default_rng(100 + i), cfg, dtype)
        if dtype == "F16":  # </s> likely enough that greedy and beam search finish hypotheses
            bias = weights[name]["final_logits_bias"]
            bias[0, cfg["eos_token_id"]] = float(np.float16(bias[0, cfg["eos_token_id"]] + 5.6))
        write_model(out, name, cfg, weights[name], dtype, vocab_text)

    default = {"enc": {"scale": "sqrt", "mask": "none", "ablate": ""},
               "dec": {"scale": "sqrt", "mask": "causal", "ablate": ""},
               "cross": {"scale": "sqrt", "mask": "none", "ablate": ""}}

    def variant(**kw):
        o = json.loads(json.dumps(default))
        for key, val in kw.items():
            kind, field = key.split("_", 1)
            o[kind][field] = val
        return o

    variants = {
        "default": (default, []),
        "enc_scale_none": (variant(enc_scale="none"), []),
        "dec_mask_none": (variant(dec_mask="none"), []),
        "cross_temp": (variant(cross_scale="temp:0.5"), []),
        "enc_window": (variant(enc_mask="window:2", dec_mask="window:2"), []),
        "masked_src": (default, [1, 3]),
        "ablate": (variant(enc_ablate="0.1,1.0", dec_ablate="0.0", cross_ablate="0.1"), []),
        "all_masked": (variant(enc_mask="causal", cross_scale="temp:2"), [0, 1, 2, 3, 4, 5, 6]),
    }
    rng = np.random.default_rng(7)
    names = []
    for mname, cfg in models.items():
        w = weights[mname]
        src = [int(x) for x in rng.integers(2, V - 1, size=6)] + [cfg["eos_token_id"]]
        tgt = [cfg["decoder_start_token_id"]] + [int(x) for x in rng.integers(2, V - 1, size=4)]
        for vname, (opts, masked) in variants.items():
            rec, logits = forward(w, cfg, src, tgt, opts, set(masked))
            gids, margin = greedy(w, cfg, src, opts, set(masked), 6)
            case = {"model": mname, "src": src, "tgt": tgt, "options": opts, "masked_src": masked,
                    "greedy": gids, "greedy_margin": float(margin), "max_new": 6,
                    "logits": tensor([logits])}
            if vname in ("default", "ablate"):
                bids, bgap = beam(w, cfg, src, opts, set(masked), 5, 4)
                case["beam"], case["beam_width"], case["beam_max_new"] = bids, 4, 5
                check(bgap > 1e-4, "%s %s: beam decisions %.2g apart, clear of f32 rounding" % (mname, vname, bgap))
            for kind in ("enc", "dec", "cross"):
                for key, arrs in rec[kind].items():
                    case[kind + "_" + key] = tensor(arrs)
            for kind in ("enc", "dec", "cross"):
                att = np.array(rec[kind]["att"])
                rows = att.sum(-1)
                check(np.all((np.abs(rows - 1) < 1e-9) | (rows == 0)), "%s %s %s rows sum to 1 or 0" % (mname, vname, kind))
            if vname != "all_masked":
                check(margin > 1e-3, "%s %s: greedy margin %.2g is clear of f32 rounding" % (mname, vname, margin))
            name = "%s__%s" % (mname, vname)
            with open(os.path.join(out, "marian_cases", name + ".json"), "w") as f:
                json.dump(case, f)
            names.append("marian_cases/" + name + ".json")
    with open(os.path.join(out, "marian_cases.json"), "w") as f:
        json.dump({"cases": names}, f, indent=1)

    # Bad folders for tests/test_marian_oracle.c.
    bad = os.path.join(out, "marian_bad")
    cfg = models["marian_f32"]
    w = weights["marian_f32"]
    w1 = {k: v for k, v in w.items() if k != "model.decoder.layers.1.encoder_attn.k_proj.weight"}
    write_model(bad, "missing_encoder_attn", cfg, w1, "F32", vocab_text)
    w2 = dict(w)
    w2["model.encoder.layers.0.fc1.weight"] = w["model.encoder.layers.0.fc1.weight"][:, :8]
    write_model(bad, "wrong_shape", cfg, w2, "F32", vocab_text)
    write_model(bad, "unknown_activation", dict(cfg, activation_function="mish"), w, "F32", vocab_text)
    write_model(bad, "pre_ln", dict(cfg, normalize_before=True), w, "F32", vocab_text)
    write_model(bad, "eos_mismatch", dict(cfg, eos_token_id=1), w, "F32", vocab_text)
    d = write_model(bad, "missing_spm", cfg, w, "F32", vocab_text)
    os.remove(os.path.join(d, "source.spm"))
    d = write_model(bad, "spm_not_modelproto", cfg, w, "F32", vocab_text)
    shutil.copyfile(os.path.join(d, "config.json"), os.path.join(d, "target.spm"))
    vocab_bad = json.loads(vocab_text)
    del vocab_bad["\u2581de"]
    vocab_bad = {k: i for i, k in enumerate(vocab_bad)}
    write_model(bad, "vocab_disagrees", dict(cfg, vocab_size=len(vocab_bad), decoder_vocab_size=len(vocab_bad),
                pad_token_id=len(vocab_bad) - 1, decoder_start_token_id=len(vocab_bad) - 1),
                make_weights(np.random.default_rng(5), dict(cfg, vocab_size=len(vocab_bad)), "F32"), "F32",
                json.dumps(vocab_bad, ensure_ascii=False))
    check(len(names) == 16, "16 cases written")
    print("%d passed, %d failed" % (N_PASSED, N_FAILED))
    return 1 if N_FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
