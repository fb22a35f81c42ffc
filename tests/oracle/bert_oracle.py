#!/usr/bin/python3
"""bert_oracle.py -- an independent numpy BERT (BertModel / BertForMaskedLM)
for attnscope's encoder path, and random checkpoints in exact Hugging Face
layout.

Usage: /usr/bin/python3 tests/oracle/bert_oracle.py OUT_DIR   (e.g. build/oracle)

Writes (fixed seed, never committed):
  OUT/bert_mlm/      BertForMaskedLM, "bert."-prefixed names, weight/bias
                     LayerNorms, F32, with the tied cls.predictions.decoder
                     copy, the pooler and the I64 position_ids buffer the real
                     files carry (the engine must ignore them)
  OUT/bert_gamma/    BertForMaskedLM, LayerNorm gamma/beta (TF-converted
                     checkpoints), F16, another shape, and a WordPiece
                     tokenizer.json beside vocab.txt
  OUT/bert_base/     BertModel: no prefix, no MLM head, type_vocab_size 1
  OUT/bert_cases.json      {"cases": ["bert_cases/NAME.json", ...]}
  OUT/bert_cases/NAME.json one forward pass: model, ids, types, scale, mask,
                     ablate (CLI spellings; "keys:" hides keys on top of the
                     encoder's default mask, none) and the expected q, k, v
                     (layer, head, token, d_head), raw, scores (null =
                     masked), att (layer, head, query, key), head_out, logits
                     (token, vocab; MLM models), loss (mean -log p(ids[t])),
                     top_ids (token, 5)
  OUT/bad_bert/*     broken folders for tests/bert_cli_test.sh

BertForMaskedLM as in transformers' modeling_bert, from its definition, in
float64 on the exact stored values: embeddings LN(word + position + type),
post-LN blocks LN(x + dense(attn(x))), LN(x + dense(gelu(dense(x)))), erf GELU,
MLM head LN(gelu(dense(x))) @ word_embeddings^T + bias.
Closing line: "N passed, N failed" for its own sanity checks.
"""
import json
import math
import os
import struct
import sys

import numpy as np

PASSED = [0, 0]


def sanity(cond, what):
    PASSED[0 if cond else 1] += 1
    if not cond:
        print("FAIL", what)


VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", ".",
         "dog", "a", "##s", "ran", ",", "and", "it", "was", "happy", "!", "?", "un", "##aff",
         "##able", "of", "to", "in", "is", "big"]


# --- files -------------------------------------------------------------------

def st_file(tensors):
    """safetensors bytes of {name: (dtype, array)}, data in name order."""
    header, chunks, at = {}, [], 0
    for name in sorted(tensors):
        dt, a = tensors[name]
        raw = np.ascontiguousarray(a).astype({"F32": "<f4", "F16": "<f2", "I64": "<i8"}[dt]).tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [at, at + len(raw)]}
        chunks.append(raw)
        at += len(raw)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(chunks)


def put(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, name + ".tmp%d" % os.getpid())
    with open(tmp, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, os.path.join(folder, name))


def config(L, H, D, F, P, V, types):
    return {"architectures": ["BertForMaskedLM"], "attention_probs_dropout_prob": 0.1,
            "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": D,
            "initializer_range": 0.02, "intermediate_size": F, "layer_norm_eps": 1e-12,
            "max_position_embeddings": P, "model_type": "bert", "num_attention_heads": H,
            "num_hidden_layers": L, "pad_token_id": 0, "position_embedding_type": "absolute",
            "type_vocab_size": types, "vocab_size": V}


def random_bert(rng, cfg, head):
    """float64 parameters under modeling_bert's names (no prefix, weight/bias)."""
    D, F, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    g = lambda *shape, s=0.3: rng.normal(0, s, shape)
    p = {"embeddings.word_embeddings.weight": g(V, D, s=0.5),
         "embeddings.position_embeddings.weight": g(cfg["max_position_embeddings"], D),
         "embeddings.token_type_embeddings.weight": g(cfg["type_vocab_size"], D),
         "embeddings.LayerNorm.weight": 1 + g(D, s=0.2), "embeddings.LayerNorm.bias": g(D, s=0.1)}
    for i in range(cfg["num_hidden_layers"]):
        b = "encoder.layer.%d." % i
        for n, o, k in (("attention.self.query", D, D), ("attention.self.key", D, D),
                        ("attention.self.value", D, D), ("attention.output.dense", D, D),
                        ("intermediate.dense", F, D), ("output.dense", D, F)):
            p[b + n + ".weight"] = g(o, k, s=0.9 / math.sqrt(k) * 2)  # (out, in)
            p[b + n + ".bias"] = g(o, s=0.1)
        for n in ("attention.output.LayerNorm", "output.LayerNorm"):
            p[b + n + ".weight"] = 1 + g(D, s=0.2)
            p[b + n + ".bias"] = g(D, s=0.1)
    if head:
        p["cls.predictions.transform.dense.weight"] = g(D, D, s=0.4)
        p["cls.predictions.transform.dense.bias"] = g(D, s=0.1)
        p["cls.predictions.transform.LayerNorm.weight"] = 1 + g(D, s=0.2)
        p["cls.predictions.transform.LayerNorm.bias"] = g(D, s=0.1)
        p["cls.predictions.bias"] = g(V, s=0.3)
    return p


def stored(p, dtype, prefix, gamma, head, extras):
    """The checkpoint's tensors, and the parameters as stored (f16-rounded)."""
    t, exact = {}, {}
    for k, v in p.items():
        v = v.astype(np.float16).astype(np.float64) if dtype == "F16" else v.astype(np.float32).astype(np.float64)
        exact[k] = v
        name = k if k.startswith("cls.") else prefix + k
        if gamma and "LayerNorm" in name:
            name = name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
        t[name] = (dtype, v)
    if extras:
        P = p["embeddings.position_embeddings.weight"].shape[0]
        t[prefix + "embeddings.position_ids"] = ("I64", np.arange(P).reshape(1, P))
        D = p["embeddings.word_embeddings.weight"].shape[1]
        t[prefix + "pooler.dense.weight"] = (dtype, np.eye(D))
        t[prefix + "pooler.dense.bias"] = (dtype, np.zeros(D))
        if head:
            t["cls.predictions.decoder.weight"] = t[prefix + "embeddings.word_embeddings.weight"]
            t["cls.predictions.decoder.bias"] = t["cls.predictions.bias"]
    return t, exact


def write_model(folder, cfg, tensors, vocab=VOCAB):
    put(folder, "config.json", json.dumps(cfg, indent=2))
    put(folder, "model.safetensors", st_file(tensors))
    put(folder, "vocab.txt", "".join(v + "\n" for v in vocab))


# --- the forward pass ----------------------------------------------------------

def ln(x, w, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def allowed(mask, T):
    """(query, key) visibility for an encoder: default none; keys: on top of none."""
    q, k = np.arange(T)[:, None], np.arange(T)[None, :]
    if mask == "none" or mask.startswith("keys:"):
        vis = np.ones((T, T), bool)
    elif mask == "causal":
        vis = k <= q
    else:
        W = int(mask.split(":")[1])
        vis = (k <= q) & (k > q - W)
    if mask.startswith("keys:"):
        for j in mask[5:].split(","):
            if int(j) < T:
                vis[:, int(j)] = False
    return vis


def forward(p, cfg, ids, types, scale, mask, ablate, head):
    D, H, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    dh, T = D // H, len(ids)
    lin = lambda x, n: x @ p[n + ".weight"].T + p[n + ".bias"]
    x = (p["embeddings.word_embeddings.weight"][ids] + p["embeddings.position_embeddings.weight"][:T]
         + p["embeddings.token_type_embeddings.weight"][types])
    x = ln(x, p["embeddings.LayerNorm.weight"], p["embeddings.LayerNorm.bias"], eps)
    s = {"sqrt": 1 / math.sqrt(dh), "none": 1.0}.get(scale)
    if s is None:
        s = 1 / (math.sqrt(dh) * float(scale[5:]))
    vis = allowed(mask, T)
    off = {(int(a), int(b)) for a, b in (x.split(".") for x in ablate.split(","))} if ablate else set()
    out = {n: [] for n in ("q", "k", "v", "raw", "scores", "att", "head_out")}
    for l in range(cfg["num_hidden_layers"]):
        b = "encoder.layer.%d." % l
        split = lambda y: y.reshape(T, H, dh).transpose(1, 0, 2)  # (H, T, dh)
        q, k, v = (split(lin(x, b + "attention.self." + n)) for n in ("query", "key", "value"))
        raw = q @ k.transpose(0, 2, 1)
        sc = np.where(vis[None], raw * s, -np.inf)
        att = np.zeros_like(sc)
        for h in range(H):
            for i in range(T):
                if vis[i].any():
                    e = np.exp(sc[h, i] - sc[h, i].max())
                    att[h, i] = e / e.sum()
        ho = att @ v
        for h in range(H):
            if (l, h) in off:
                ho[h] = 0
        for n, a in (("q", q), ("k", k), ("v", v), ("raw", raw), ("scores", sc), ("att", att), ("head_out", ho)):
            out[n].append(a)
        a = lin(ho.transpose(1, 0, 2).reshape(T, D), b + "attention.output.dense")
        x = ln(x + a, p[b + "attention.output.LayerNorm.weight"], p[b + "attention.output.LayerNorm.bias"], eps)
        f = lin(gelu(lin(x, b + "intermediate.dense")), b + "output.dense")
        x = ln(x + f, p[b + "output.LayerNorm.weight"], p[b + "output.LayerNorm.bias"], eps)
    r = {n: np.array(a) for n, a in out.items()}
    if head:
        t = gelu(lin(x, "cls.predictions.transform.dense"))
        t = ln(t, p["cls.predictions.transform.LayerNorm.weight"], p["cls.predictions.transform.LayerNorm.bias"], eps)
        logits = t @ p["embeddings.word_embeddings.weight"].T + p["cls.predictions.bias"]
        lse = logits.max(-1) + np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1))
        r["logits"] = logits
        r["loss"] = float(np.mean(lse - logits[np.arange(T), ids]))
        r["top_ids"] = np.argsort(-logits, axis=-1, kind="stable")[:, :5]
        sanity(np.allclose(np.exp(logits - lse[:, None]).sum(-1), 1), "softmax sums to 1")
    return r


def js(a):
    a = np.asarray(a, dtype=np.float64)
    body = ",".join("null" if not math.isfinite(v) else "%.9g" % v for v in a.ravel())
    return '{"shape":%s,"data":[%s]}' % (json.dumps(list(a.shape)), body)


OPTIONS = [("default", "sqrt", "none", ""), ("causal", "sqrt", "causal", ""),
           ("window2", "sqrt", "window:2", ""), ("keys", "sqrt", "keys:1,3", ""),
           ("scale_none", "none", "none", ""), ("temp", "temp:0.5", "none", ""),
           ("ablate", "sqrt", "none", "0.1,1.0"), ("all", "temp:2", "keys:0", "1.1")]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "build/oracle"
    rng = np.random.default_rng(20261130)
    V = len(VOCAB)
    models = {}
    cfg = config(2, 4, 16, 32, 16, V, 2)
    p = random_bert(rng, cfg, True)
    t, exact = stored(p, "F32", "bert.", False, True, True)
    write_model(os.path.join(out, "bert_mlm"), cfg, t)
    models["bert_mlm"] = (exact, cfg, True)
    cfg = config(2, 3, 12, 20, 12, V, 2)
    p = random_bert(rng, cfg, True)
    t, exact = stored(p, "F16", "bert.", True, True, False)
    write_model(os.path.join(out, "bert_gamma"), cfg, t)
    put(os.path.join(out, "bert_gamma"), "tokenizer.json", json.dumps({  # read instead of vocab.txt
        "version": "1.0", "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                                         "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "added_tokens": [{"id": i, "content": v, "special": True, "normalized": False}
                         for i, v in enumerate(VOCAB) if v.startswith("[")],
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {v: i for i, v in enumerate(VOCAB)}}}))
    models["bert_gamma"] = (exact, cfg, True)
    cfg = config(2, 2, 8, 16, 12, V, 1)
    cfg["architectures"] = ["BertModel"]
    p = random_bert(rng, cfg, False)
    t, exact = stored(p, "F32", "", False, False, True)
    write_model(os.path.join(out, "bert_base"), cfg, t)
    models["bert_base"] = (exact, cfg, False)

    inputs = [  # (ids, types): [CLS] the cat sat on the [MASK] . [SEP] and a pair
        ([2, 5, 6, 7, 8, 5, 4, 10, 3], [0] * 9),
        ([2, 5, 11, 14, 3, 17, 18, 19, 20, 3], [0] * 5 + [1] * 5),
        ([2, 4, 3], [0, 0, 0]),
    ]
    names = []
    for mname, (w, cfg, head) in models.items():
        for n_in, (ids, types) in enumerate(inputs):
            if cfg["type_vocab_size"] == 1:
                types = [0] * len(ids)
            for tag, scale, mask, ablate in OPTIONS:
                if mname != "bert_mlm" and tag not in ("default", "keys", "all"):
                    continue
                r = forward(w, cfg, ids, types, scale, mask, ablate, head)
                parts = ['"model":"%s"' % mname, '"ids":%s' % ids, '"types":%s' % types,
                         '"scale":"%s","mask":"%s","ablate":"%s"' % (scale, mask, ablate)]
                for k in ("q", "k", "v", "raw", "scores", "att", "head_out") + (("logits",) if head else ()):
                    parts.append('"%s":%s' % (k, js(r[k])))
                if head:
                    parts.append('"loss":%.9g,"top_ids":%s' % (r["loss"], json.dumps(r["top_ids"].tolist())))
                name = "bert_cases/%s_%d_%s.json" % (mname, n_in, tag)
                put(os.path.join(out, "bert_cases"), os.path.basename(name), "{" + ",\n".join(parts) + "}\n")
                names.append(name)
    put(out, "bert_cases.json", json.dumps({"cases": names}, indent=1))

    # broken folders for the CLI test
    bad = os.path.join(out, "bad_bert")
    w, cfg, _ = models["bert_mlm"]
    good, _ = stored(w, "F32", "bert.", False, True, False)
    write_model(os.path.join(bad, "no_vocab"), cfg, good)
    os.remove(os.path.join(bad, "no_vocab", "vocab.txt"))
    write_model(os.path.join(bad, "empty_vocab"), cfg, good, vocab=[])
    write_model(os.path.join(bad, "no_mask"), cfg, good, vocab=[v if v != "[MASK]" else "[MASX]" for v in VOCAB])
    write_model(os.path.join(bad, "no_cls"), cfg, good, vocab=[v if v != "[CLS]" else "[CLX]" for v in VOCAB])
    shape = dict(good)
    shape["bert.encoder.layer.1.intermediate.dense.weight"] = ("F32", w["encoder.layer.1.intermediate.dense.weight"].T)
    write_model(os.path.join(bad, "wrong_shape"), cfg, shape)
    c2 = dict(cfg)
    c2["hidden_act"] = "swish"
    write_model(os.path.join(bad, "bad_act"), c2, good)

    # sanity: the checkpoint round-trips through an independent read
    with open(os.path.join(out, "bert_mlm", "model.safetensors"), "rb") as f:
        buf = f.read()
    (hn,) = struct.unpack("<Q", buf[:8])
    hdr = json.loads(buf[8:8 + hn])
    e = hdr["bert.encoder.layer.0.attention.self.query.weight"]
    a = np.frombuffer(buf[8 + hn + e["data_offsets"][0]:8 + hn + e["data_offsets"][1]], "<f4").reshape(e["shape"])
    sanity(np.array_equal(a, w["encoder.layer.0.attention.self.query.weight"].astype(np.float32)), "safetensors round trip")
    sanity(len(names) == 3 * len(OPTIONS) + 2 * 3 * 3, "case count %d" % len(names))
    print("%d passed, %d failed" % tuple(PASSED))
    return 1 if PASSED[1] else 0


if __name__ == "__main__":
    sys.exit(main())
