#!/usr/bin/python3
"""gpt2_oracle.py — an independent numpy reference for attnscope's GPT-2
forward pass, its run options (scale, mask, ablate), and test checkpoints.

Usage: /usr/bin/python3 tests/oracle/gpt2_oracle.py OUT_DIR   (e.g. build/oracle)

Writes, all made here from a fixed seed (never committed):
  OUT/gpt2_f32/         config.json, model.safetensors (F32), vocab.json, merges.txt
  OUT/gpt2_f16/         the same layout, another shape (3 heads), weights in F16
  OUT/gpt2_bf16/        2 heads of 10, weights in BF16
  OUT/gpt2_prefixed/    the f32 weights under "transformer." names, laid out so
                        that every F32 tensor sits at an offset that is 2 mod 4
                        (the engine must copy it rather than use it in place)
  OUT/gpt2_cases.json   {"cases": ["cases/NAME.json", ...]}
  OUT/cases/NAME.json   one forward pass: model folder, text, text_ids (the
                        text's tokens), ids (what the forward pass sees: the
                        last n_positions of text_ids when "truncated"; any ids
                        when text is ""), scale, mask, ablate spec strings,
                        and the expected tensors
  OUT/bad/*             corrupted checkpoints for tests/bad_input_test.sh
                        (see make_bad_models below)

Expected tensors in a case file are {"shape": [...], "data": [flat, row-major]}:
  q, k, v, head_out   (layer, head, token, d_head); head_out is zero for an
                      ablated head (what enters c_proj)
  raw                 (layer, head, query, key) q.k for every pair
  scores              (layer, head, query, key) scaled + masked; null = masked
  att                 (layer, head, query, key) softmax; all-zero rows when a
                      query sees no key
  logits              (token, vocab)
  token_loss          (token) -log p(ids[t+1]); last entry 0
  loss                mean of token_loss[0..T-2] in nats; null when T < 2
  top_ids, top_p      (token, 5) most likely next tokens and their probabilities

The math follows Hugging Face's GPT2Model / GPT2LMHeadModel written from the
definitions, in float64, from the exact stored weight values (f16-rounded for
the F16 checkpoint). Closing line: "N passed, N failed" for its own sanity
checks (safetensors round trip, tokenizer round trip, softmax rows, ...).
"""
import json
import math
import os
import struct
import sys

import numpy as np

try:
    import regex  # Debian python3-regex: real \p{L} / \p{N}
except ImportError:  # pragma: no cover
    regex = None

N_PASSED = 0
N_FAILED = 0


def check(cond, what):
    global N_PASSED, N_FAILED
    if cond:
        N_PASSED += 1
    else:
        N_FAILED += 1
        print("FAIL oracle: " + what)


# --- tokenizer: a tiny byte-level BPE in GPT-2's exact file layout ---------

def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character map, in the
    order GPT-2 assigns ids 0..255."""
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
          + list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return list(zip(bs, [chr(c) for c in cs]))


BYTE_ORDER = bytes_to_unicode()            # [(byte, char)] in id order
B2U = dict(BYTE_ORDER)
MERGES = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"),
          ("e", "r"), ("o", "n"), ("Ġ", "s"), ("a", "t"), ("Ġ", "c"),
          ("Ġc", "at"), ("Ġs", "at"), ("l", "l"), ("e", "ll"), ("h", "ell"),
          ("Ġ", "w"), ("o", "r"), ("Ġw", "or"), ("1", "2"), ("Ġ", "Ġ"),
          ("t", "he")]
EOT = "<|endoftext|>"
PAT = (r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|"""
       r"""\s+(?!\S)|\s+""")


def make_vocab():
    vocab = {}
    for _, ch in BYTE_ORDER:
        vocab[ch] = len(vocab)
    for a, b in MERGES:
        vocab[a + b] = len(vocab)
    vocab[EOT] = len(vocab)
    return vocab


VOCAB = make_vocab()
RANKS = {m: i for i, m in enumerate(MERGES)}


def bpe_word(word):
    parts = list(word)
    while len(parts) > 1:
        best = None
        for i in range(len(parts) - 1):
            r = RANKS.get((parts[i], parts[i + 1]))
            if r is not None and (best is None or r < best[0]):
                best = (r, i)
        if best is None:
            break
        i = best[1]
        parts = parts[:i] + [parts[i] + parts[i + 1]] + parts[i + 2:]
    return parts


def encode(text):
    ids = []
    for piece in regex.findall(PAT, text):
        word = "".join(B2U[b] for b in piece.encode("utf-8"))
        ids.extend(VOCAB[p] for p in bpe_word(word))
    return ids


def decode(ids):
    inv = {v: k for k, v in VOCAB.items()}
    u2b = {c: b for b, c in BYTE_ORDER}
    return bytes(u2b[c] for i in ids for c in inv[i]).decode("utf-8")


def write_atomic(path, data):
    """Replaces path with data (bytes or str) in one rename, so a test
    reading the same build folder concurrently never sees a partial file."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def tokenizer_files():
    merges = "#version: 0.2\n" + "".join(a + " " + b + "\n" for a, b in MERGES)
    return {"vocab.json": json.dumps(VOCAB, ensure_ascii=False), "merges.txt": merges}


# --- safetensors writer ----------------------------------------------------

ST_DTYPE = {"F32": ("<f4", 4), "F16": ("<f2", 2), "I32": ("<i4", 4), "BOOL": ("|u1", 1),
            "BF16": ("<u2", 2)}


def bf16_bits(arr):
    """bfloat16 bit patterns of arr (round to nearest even from float32)."""
    u = np.ascontiguousarray(arr, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def bf16_round(arr):
    """arr rounded to bfloat16, as float64."""
    return (bf16_bits(arr).astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def safetensors_bytes(tensors, order=None):
    """tensors: {name: (dtype_name, ndarray)}; order: names in data order
    (default: sorted). Returns the file's bytes."""
    names = order if order is not None else sorted(tensors)
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    off = 0
    for name in names:
        dt, arr = tensors[name]
        if dt == "BF16":
            raw = bf16_bits(arr).astype("<u2").tobytes()
        else:
            raw = np.ascontiguousarray(arr).astype(ST_DTYPE[dt][0]).tobytes()
        header[name] = {"dtype": dt, "shape": list(arr.shape),
                        "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def read_safetensors(path):
    """Independent reader for the round-trip sanity check."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    data = buf[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[b:end], dtype=ST_DTYPE[e["dtype"]][0]).reshape(e["shape"])
    return header, out


# --- random checkpoints ----------------------------------------------------

def make_weights(rng, n_layer, n_head, n_embd, n_pos, vocab):
    """Float64 parameters named as in openai-community/gpt2. Scales chosen so
    softmax rows are far from uniform and the MLP is not linear."""
    d = n_embd
    w = {"wte.weight": rng.normal(0, 0.4, (vocab, d)),
         "wpe.weight": rng.normal(0, 0.2, (n_pos, d))}
    for i in range(n_layer):
        p = "h.%d." % i
        w[p + "ln_1.weight"] = 1 + rng.normal(0, 0.2, d)
        w[p + "ln_1.bias"] = rng.normal(0, 0.1, d)
        w[p + "attn.c_attn.weight"] = rng.normal(0, 0.35, (d, 3 * d))   # (in, out)
        w[p + "attn.c_attn.bias"] = rng.normal(0, 0.1, 3 * d)
        w[p + "attn.c_proj.weight"] = rng.normal(0, 0.2, (d, d))
        w[p + "attn.c_proj.bias"] = rng.normal(0, 0.05, d)
        w[p + "ln_2.weight"] = 1 + rng.normal(0, 0.2, d)
        w[p + "ln_2.bias"] = rng.normal(0, 0.1, d)
        w[p + "mlp.c_fc.weight"] = rng.normal(0, 0.3, (d, 4 * d))
        w[p + "mlp.c_fc.bias"] = rng.normal(0, 0.1, 4 * d)
        w[p + "mlp.c_proj.weight"] = rng.normal(0, 0.15, (4 * d, d))
        w[p + "mlp.c_proj.bias"] = rng.normal(0, 0.05, d)
    w["ln_f.weight"] = 1 + rng.normal(0, 0.2, d)
    w["ln_f.bias"] = rng.normal(0, 0.1, d)
    return w


def make_config(n_layer, n_head, n_embd, n_pos, vocab):
    # Field set of openai-community/gpt2's config.json (n_inner absent = 4 * n_embd).
    return {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
            "attn_pdrop": 0.1, "bos_token_id": vocab - 1, "embd_pdrop": 0.1,
            "eos_token_id": vocab - 1, "initializer_range": 0.02,
            "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": n_pos,
            "n_embd": n_embd, "n_head": n_head, "n_layer": n_layer,
            "n_positions": n_pos, "resid_pdrop": 0.1, "vocab_size": vocab}


def checkpoint_tensors(w, cfg, dtype, prefix="", buffers_dtype="F32"):
    """The file's tensors: weights in dtype plus the attn.bias / masked_bias
    buffers old transformers versions saved (the engine must ignore them)."""
    n_pos = cfg["n_positions"]
    t = {prefix + k: (dtype, v) for k, v in w.items()}
    tri = np.tril(np.ones((n_pos, n_pos))).reshape(1, 1, n_pos, n_pos)
    for i in range(cfg["n_layer"]):
        t[prefix + "h.%d.attn.bias" % i] = (buffers_dtype, tri)
        t[prefix + "h.%d.attn.masked_bias" % i] = ("F32", np.array(-1e4))
    return t


def checkpoint_files(cfg, tensors, order=None):
    files = {"config.json": json.dumps(cfg, indent=2),
             "model.safetensors": safetensors_bytes(tensors, order)}
    files.update(tokenizer_files())
    return files


def write_folder(folder, files):
    """Writes {name: bytes or str} into folder; files written earlier under
    other names stay (the contents are deterministic, so a concurrent reader
    sees the same data either way)."""
    os.makedirs(folder, exist_ok=True)
    for name, data in files.items():
        write_atomic(os.path.join(folder, name), data)


def write_checkpoint(folder, cfg, tensors, order=None):
    write_folder(folder, checkpoint_files(cfg, tensors, order))


# --- the forward pass (float64) --------------------------------------------

def layer_norm(x, g, b, eps):
    # x (T, d); biased variance as torch.nn.LayerNorm
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def gelu_new(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def visible(mask, masked_keys, T):
    """(query, key) bool: which keys each query may attend to."""
    qi = np.arange(T)[:, None]
    kj = np.arange(T)[None, :]
    if mask == "causal":
        vis = kj <= qi
    elif mask == "none":
        vis = np.ones((T, T), dtype=bool)
    elif mask.startswith("window:"):
        W = int(mask[7:])
        vis = (kj <= qi) & (kj > qi - W)
    else:
        raise ValueError(mask)
    for key in masked_keys:
        if key < T:
            vis[:, key] = False
    return vis


def parse_opts(scale, mask, ablate):
    if scale == "sqrt":
        temp = 1.0
        use_sqrt = True
    elif scale == "none":
        temp = 1.0
        use_sqrt = False
    else:
        assert scale.startswith("temp:")
        temp = float(scale[5:])
        use_sqrt = True
    keys = []
    if mask.startswith("keys:"):
        keys = [int(s) for s in mask[5:].split(",")]
        mask = "causal"
    abl = set()
    if ablate:
        for s in ablate.split(","):
            L, H = s.split(".")
            abl.add((int(L), int(H)))
    return use_sqrt, temp, mask, keys, abl


def forward(w, cfg, ids, scale="sqrt", mask="causal", ablate=""):
    """Hugging Face GPT2LMHeadModel in float64 with attnscope's run options.
    Returns a dict of every traced tensor."""
    L, H, d = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
    dh = d // H
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    T = len(ids)
    use_sqrt, temp, mask_mode, keys, abl = parse_opts(scale, mask, ablate)
    div = (math.sqrt(dh) if use_sqrt else 1.0) * temp
    vis = visible(mask_mode, keys, T)                        # (query, key)

    q_all = np.zeros((L, H, T, dh))
    k_all = np.zeros((L, H, T, dh))
    v_all = np.zeros((L, H, T, dh))
    raw_all = np.zeros((L, H, T, T))
    sc_all = np.zeros((L, H, T, T))
    att_all = np.zeros((L, H, T, T))
    ho_all = np.zeros((L, H, T, dh))

    x = w["wte.weight"][ids] + w["wpe.weight"][:T]          # (T, d)
    for l in range(L):
        p = "h.%d." % l
        hn = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = hn @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]  # (T, 3d)
        heads = np.zeros((T, d))
        for h in range(H):
            q = qkv[:, h * dh:(h + 1) * dh]                   # (T, dh)
            k = qkv[:, d + h * dh:d + (h + 1) * dh]
            v = qkv[:, 2 * d + h * dh:2 * d + (h + 1) * dh]
            raw = q @ k.T                                     # (query, key)
            sc = np.where(vis, raw / div, -np.inf)
            att = np.zeros((T, T))
            for i in range(T):
                if vis[i].any():
                    m = sc[i][vis[i]].max()
                    e = np.where(vis[i], np.exp(sc[i] - m), 0.0)
                    att[i] = e / e.sum()
            out = att @ v                                      # (T, dh)
            q_all[l, h], k_all[l, h], v_all[l, h] = q, k, v
            raw_all[l, h], sc_all[l, h], att_all[l, h] = raw, sc, att
            if (l, h) not in abl:  # an ablated head's recorded output is the zero fed to c_proj
                ho_all[l, h] = out
                heads[:, h * dh:(h + 1) * dh] = out
        x = x + heads @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        hn = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        f = gelu_new(hn @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + f @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    logits = x @ w["wte.weight"].T                             # (T, vocab)
    mx = logits.max(-1, keepdims=True)
    logp = logits - mx - np.log(np.exp(logits - mx).sum(-1, keepdims=True))
    tl = np.zeros(T)
    for t in range(T - 1):
        tl[t] = -logp[t, ids[t + 1]]
    loss = float(tl[:T - 1].mean()) if T >= 2 else None
    probs = np.exp(logp)
    top_ids = np.argsort(-probs, axis=-1, kind="stable")[:, :5]
    top_p = np.take_along_axis(probs, top_ids, -1)
    return {"q": q_all, "k": k_all, "v": v_all, "raw": raw_all, "scores": sc_all,
            "att": att_all, "head_out": ho_all, "logits": logits,
            "token_loss": tl, "loss": loss, "top_ids": top_ids, "top_p": top_p}


# --- a second, differently written forward, to cross-check the first --------

def forward_batched(w, cfg, ids, scale, mask, ablate):
    """Same math with all heads at once (einsum + masked softmax by
    multiplication) — guards the oracle against its own slips."""
    L, H, d = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
    dh = d // H
    eps = cfg["layer_norm_epsilon"]
    T = len(ids)
    use_sqrt, temp, mask_mode, keys, abl = parse_opts(scale, mask, ablate)
    vis = visible(mask_mode, keys, T).astype(float)
    x = w["wte.weight"][ids] + w["wpe.weight"][np.arange(T)]
    atts = []
    for l in range(L):
        p = "h.%d." % l
        hn = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = hn @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(T, H, dh).transpose(1, 0, 2)
                   for i in range(3))                          # (head, T, dh)
        s = np.einsum("hqd,hkd->hqk", q, k) / ((math.sqrt(dh) if use_sqrt else 1.0) * temp)
        s = s - np.where(vis > 0, s, -1e300).max(-1, keepdims=True).clip(-1e300, None)
        e = np.exp(np.where(vis > 0, s, -700.0)) * vis
        z = e.sum(-1, keepdims=True)
        a = np.divide(e, z, out=np.zeros_like(e), where=z > 0)
        atts.append(a)
        o = np.einsum("hqk,hkd->hqd", a, v)
        for (la, ha) in abl:
            if la == l:
                o[ha] = 0
        x = x + o.transpose(1, 0, 2).reshape(T, d) @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        hn = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        x = x + gelu_new(hn @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"]) @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    return np.stack(atts), np.einsum("td,vd->tv", x, w["wte.weight"])


# --- corrupted checkpoints for tests/bad_input_test.sh -----------------------

def make_bad_models(w, cfg, bad_root):
    """Writes bad_root/NAME/: the files of the good f32 checkpoint (w, cfg)
    with exactly one defect each. The shell test knows which file or field each must name.
    Returns how many folders were written."""
    tensors = checkpoint_tensors(w, cfg, "F32")
    good_files = checkpoint_files(cfg, tensors)
    made = []

    def folder(name, weights=None, drop=None, config=None):
        """The good files, with model.safetensors replaced by weights,
        config.json by config, and drop left out."""
        files = dict(good_files)
        if weights is not None:
            files["model.safetensors"] = weights
        if config is not None:
            files["config.json"] = config
        if drop:
            del files[drop]
        d = os.path.join(bad_root, name)
        write_folder(d, files)
        if drop and os.path.exists(os.path.join(d, drop)):
            os.remove(os.path.join(d, drop))
        made.append(name)

    def with_header(edit):
        """The good file with its JSON header edited by edit(header_dict)."""
        blob = safetensors_bytes(tensors)
        n = struct.unpack("<Q", blob[:8])[0]
        header = json.loads(blob[8:8 + n])
        data = blob[8 + n:]
        edit(header)
        h = json.dumps(header, separators=(",", ":")).encode()
        h += b" " * ((-len(h)) % 8)
        return struct.pack("<Q", len(h)) + h + data

    folder("no_config", drop="config.json")
    folder("no_weights", drop="model.safetensors")
    folder("no_vocab", drop="vocab.json")

    folder("config_not_json", config='{"model_type": "gpt2", "n_layer": 2,, oops\n')
    no_head = dict(cfg)
    del no_head["n_head"]
    folder("config_no_n_head", config=json.dumps(no_head, indent=2))
    folder("config_model_type", config=json.dumps(dict(cfg, model_type="mamba"), indent=2))

    # 32 wide cannot split into 5 heads.
    folder("config_head_split", config=json.dumps(dict(cfg, n_head=5), indent=2))
    folder("config_n_layer_string", config=json.dumps(dict(cfg, n_layer="two"), indent=2))

    good_blob = safetensors_bytes(tensors)
    folder("empty_weights", weights=b"")
    folder("header_not_json", weights=struct.pack("<Q", 16) + b"{not json at all" + good_blob[8:])
    t = dict(tensors)
    del t["h.1.ln_2.bias"]
    folder("missing_tensor", weights=safetensors_bytes(t))
    folder("header_too_long", weights=struct.pack("<Q", len(good_blob) * 4) + good_blob[8:])

    def past_end(h):
        b, e = h["ln_f.bias"]["data_offsets"]
        h["ln_f.bias"]["data_offsets"] = [b + 10 ** 9, e + 10 ** 9]
    folder("offsets_out_of_range", weights=with_header(past_end))

    def beyond_size_t(h):  # no size_t can hold 1e30: must be rejected before any cast
        h["ln_f.bias"]["data_offsets"] = [1e30, 1e30 + 128]
    folder("offsets_huge", weights=with_header(beyond_size_t))

    def overlap(h):
        h["ln_f.bias"]["data_offsets"] = list(h["ln_f.weight"]["data_offsets"])
    folder("offsets_overlap", weights=with_header(overlap))

    def newline_name(h):  # a legal JSON escape; echoed raw, it would split the error line
        h["evil\nname"] = 5
    folder("name_newline", weights=with_header(newline_name))

    def transpose(h):
        h["h.0.attn.c_attn.weight"]["shape"] = h["h.0.attn.c_attn.weight"]["shape"][::-1]
    folder("wrong_shape", weights=with_header(transpose))

    t = dict(tensors)
    t["wte.weight"] = ("I32", np.zeros(w["wte.weight"].shape))
    folder("wrong_dtype", weights=safetensors_bytes(t))

    folder("truncated", weights=good_blob[:len(good_blob) * 2 // 3])

    t = dict(tensors)
    nan = w["h.1.mlp.c_fc.weight"].copy()
    nan[3, 5] = np.nan
    t["h.1.mlp.c_fc.weight"] = ("F32", nan)
    folder("nan_weight", weights=safetensors_bytes(t))
    return len(made)


# --- case files ------------------------------------------------------------

def fmt(x):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "null"
    return "%.9g" % x


def tensor_json(arr):
    a = np.asarray(arr, dtype=np.float64)
    body = ",".join(fmt(float(v)) for v in a.ravel())
    return '{"shape":%s,"data":[%s]}' % (json.dumps(list(a.shape)), body)


def write_case(path, model, text, ids, scale, mask, ablate, r):
    text_ids = encode(text)
    parts = ['"model":%s' % json.dumps(model), '"text":%s' % json.dumps(text),
             '"text_ids":%s' % json.dumps(text_ids),
             '"truncated":%s' % json.dumps(len(text_ids) > len(ids)),
             '"ids":%s' % json.dumps([int(i) for i in ids]),
             '"scale":%s' % json.dumps(scale), '"mask":%s' % json.dumps(mask),
             '"ablate":%s' % json.dumps(ablate), '"loss":%s' % fmt(r["loss"]),
             '"top_ids":%s' % json.dumps(r["top_ids"].tolist())]
    for name in ("q", "k", "v", "raw", "scores", "att", "head_out", "logits",
                 "token_loss", "top_p"):
        parts.append('"%s":%s' % (name, tensor_json(r[name])))
    write_atomic(path, "{" + ",\n".join(parts) + "}\n")


OPTIONS = [  # (tag, scale, mask, ablate)
    ("default", "sqrt", "causal", ""),
    ("scale_none", "none", "causal", ""),
    ("temp0.5", "temp:0.5", "causal", ""),
    ("temp2", "temp:2", "causal", ""),
    ("mask_none", "sqrt", "none", ""),
    ("window2", "sqrt", "window:2", ""),
    ("keys0_2", "sqrt", "keys:0,2", ""),
    ("keys0", "sqrt", "keys:0", ""),
    ("ablate1.2", "sqrt", "causal", "1.2"),
    ("ablate0.0_1.1", "sqrt", "causal", "0.0,1.1"),
    ("combo", "temp:2", "window:3", "0.1"),
]

LONG_TEXT = "the cat sat on the mat; " * 6

TEXTS = [
    ("hello", "Hello world, hello there!"),
    ("cat", "the cat sat on the mat."),
    ("mixed", "  Héllo\n\n12 cats 😀"),
]


def sanity_checks(w, cfg, out):
    check(sorted(VOCAB.values()) == list(range(len(VOCAB))), "vocab ids are 0..n-1")
    check(VOCAB["!"] == 0 and VOCAB["Ġ"] == 220 and len(BYTE_ORDER) == 256,
          "byte map matches GPT-2 (! = 0, space = 220)")
    for _, text in TEXTS:
        check(decode(encode(text)) == text, "tokenizer round trip: %r" % text)
    check(encode("the cat") == [VOCAB["the"], VOCAB["Ġcat"]], "merges apply by rank")
    header, back = read_safetensors(os.path.join(out, "gpt2_f32", "model.safetensors"))
    check(all(np.array_equal(back[k].astype(np.float64), w[k].astype(np.float32).astype(np.float64))
              for k in w), "f32 safetensors round trip")
    with open(os.path.join(out, "gpt2_f32", "model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
    check(n % 8 == 0, "header length padded to 8 bytes")
    _, pre = read_safetensors(os.path.join(out, "gpt2_prefixed", "model.safetensors"))
    check(all(np.array_equal(pre["transformer." + k], back[k]) for k in w),
          "prefixed checkpoint holds the f32 weights")
    with open(os.path.join(out, "gpt2_prefixed", "model.safetensors"), "rb") as f:
        hn = struct.unpack("<Q", f.read(8))[0]
        hp = json.loads(f.read(hn))
    check(all(e["data_offsets"][0] % 4 == 2 for k, e in hp.items()
              if k != "__metadata__" and e["dtype"] == "F32"),
          "prefixed F32 tensors are misaligned on purpose")
    ids = encode(TEXTS[0][1])
    for tag, scale, mask, ablate in OPTIONS:
        r = forward(w, cfg, ids, scale, mask, ablate)
        a2, lg2 = forward_batched(w, cfg, ids, scale, mask, ablate)
        check(np.abs(r["att"] - a2).max() < 1e-12 and np.abs(r["logits"] - lg2).max() < 1e-9,
              "two independent forwards agree (%s)" % tag)
        rows = r["att"].sum(-1)
        check(np.all((np.abs(rows - 1) < 1e-12) | (rows == 0)), "softmax rows sum to 1 or 0 (%s)" % tag)
        check(np.isfinite(r["logits"]).all(), "finite logits (%s)" % tag)
    # The test data must exercise the knobs: non-uniform attention, and
    # each option actually changing the result.
    base = forward(w, cfg, ids)
    row = base["att"][0, 0, len(ids) - 1]
    check(row.max() > 2.0 / len(ids), "attention is far from uniform (max %.3f)" % row.max())
    for tag, scale, mask, ablate in OPTIONS[1:]:
        r = forward(w, cfg, ids, scale, mask, ablate)
        check(abs(r["loss"] - base["loss"]) > 1e-3, "option %s changes the loss (%.4f vs %.4f)" % (tag, r["loss"], base["loss"]))
    r = forward(w, cfg, ids, "sqrt", "keys:0", "")
    check(np.all(r["att"][:, :, 0] == 0) and np.all(r["head_out"][:, :, 0] == 0),
          "keys:0 leaves query 0 with a zero row and zero output")
    r = forward(w, cfg, ids, "sqrt", "causal", "1.2")
    check(np.array_equal(r["att"], base["att"]) and np.abs(r["logits"] - base["logits"]).max() > 1e-3,
          "ablating a layer-1 head keeps every attention map but changes the logits")
    r = forward(w, cfg, ids, "sqrt", "causal", "0.0")
    check(not np.allclose(r["att"][1], base["att"][1]), "ablating a layer-0 head changes layer 1")


def main():
    if regex is None:
        print("FAIL oracle: python3-regex is missing (apt-get install python3-regex)")
        print("0 passed, 1 failed")
        return 1
    out = sys.argv[1] if len(sys.argv) > 1 else "build/oracle"
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20240611)
    vocab = len(VOCAB)
    case_files = []
    cases_dir = os.path.join(out, "cases")
    os.makedirs(cases_dir, exist_ok=True)

    # F32: 2 layers, 4 heads of 8.
    cfg32 = make_config(2, 4, 32, 32, vocab)
    w32 = make_weights(rng, 2, 4, 32, 32, vocab)
    w32r = {k: v.astype(np.float32).astype(np.float64) for k, v in w32.items()}
    write_checkpoint(os.path.join(out, "gpt2_f32"), cfg32, checkpoint_tensors(w32, cfg32, "F32"))

    # F16: 2 layers, 3 heads of 12; buffers as a BOOL tensor the engine skips.
    cfg16 = make_config(2, 3, 36, 32, vocab)
    w16 = make_weights(rng, 2, 3, 36, 32, vocab)
    w16r = {k: v.astype(np.float16).astype(np.float64) for k, v in w16.items()}
    write_checkpoint(os.path.join(out, "gpt2_f16"), cfg16,
                     checkpoint_tensors(w16, cfg16, "F16", buffers_dtype="BOOL"))

    # BF16: 2 layers, 2 heads of 10.
    cfgbf = make_config(2, 2, 20, 32, vocab)
    wbf = make_weights(rng, 2, 2, 20, 32, vocab)
    wbfr = {k: bf16_round(v) for k, v in wbf.items()}
    write_checkpoint(os.path.join(out, "gpt2_bf16"), cfgbf, checkpoint_tensors(wbf, cfgbf, "BF16"))

    # "transformer." names; an F16 scalar first so every F32 tensor after it
    # starts 2 bytes past a 4-byte boundary.
    tp = checkpoint_tensors(w32, cfg32, "F32", prefix="transformer.")
    tp["transformer.h.0.attn.masked_bias"] = ("F16", np.array(-1e4))
    order = ["transformer.h.0.attn.masked_bias"] + sorted(k for k in tp if k != "transformer.h.0.attn.masked_bias")
    write_checkpoint(os.path.join(out, "gpt2_prefixed"), cfg32, tp, order)

    def add(model, w, cfg, tname, text, ids, tag, scale, mask, ablate):
        r = forward(w, cfg, ids, scale, mask, ablate)
        name = "%s__%s__%s.json" % (model, tname, tag)
        write_case(os.path.join(cases_dir, name), model, text, ids, scale, mask, ablate, r)
        case_files.append("cases/" + name)

    for model, w, cfg in (("gpt2_f32", w32r, cfg32), ("gpt2_f16", w16r, cfg16)):
        for tname, text in TEXTS:
            ids = encode(text)
            assert 1 < len(ids) <= cfg["n_positions"]
            for tag, scale, mask, ablate in OPTIONS:
                add(model, w, cfg, tname, text, ids, tag, scale, mask, ablate)
        # Edge lengths: one token (loss undefined) and a full context.
        add(model, w, cfg, "one", "", [VOCAB["Ġcat"]], "default", "sqrt", "causal", "")
        add(model, w, cfg, "one", "", [VOCAB["Ġcat"]], "keys0", "sqrt", "keys:0", "")
        full = [int(i) for i in np.random.default_rng(7).integers(0, vocab, cfg["n_positions"])]
        add(model, w, cfg, "full", "", full, "default", "sqrt", "causal", "")
        add(model, w, cfg, "full", "", full, "window2", "sqrt", "window:2", "")
        # Text longer than the context: the engine keeps its last n_positions tokens.
        long_ids = encode(LONG_TEXT)
        assert len(long_ids) > cfg["n_positions"]
        add(model, w, cfg, "long", LONG_TEXT, long_ids[-cfg["n_positions"]:], "default", "sqrt", "causal", "")
    for tag, scale, mask, ablate in (OPTIONS[0], OPTIONS[2], OPTIONS[6], OPTIONS[9]):
        add("gpt2_bf16", wbfr, cfgbf, "mixed", TEXTS[2][1], encode(TEXTS[2][1]), tag, scale, mask, ablate)
    for tag, scale, mask, ablate in (OPTIONS[0], OPTIONS[6], OPTIONS[9]):
        add("gpt2_prefixed", w32r, cfg32, "cat", TEXTS[1][1], encode(TEXTS[1][1]), tag, scale, mask, ablate)

    write_atomic(os.path.join(out, "gpt2_cases.json"), json.dumps({"cases": case_files}, indent=1))

    sanity_checks(w32r, cfg32, out)
    check(len(case_files) == 2 * (len(TEXTS) * len(OPTIONS) + 5) + 4 + 3, "case count")
    _, bf = read_safetensors(os.path.join(out, "gpt2_bf16", "model.safetensors"))
    check(np.array_equal((bf["wte.weight"].astype(np.uint32) << 16).view(np.float32), wbfr["wte.weight"]),
          "bf16 checkpoint holds the rounded weights")
    check(bf16_round(np.array([1.0, 1.00390625, 1.01171875, -3.0]))[1:3].tolist() == [1.0, 1.015625],
          "bf16 rounds to nearest even")

    n_bad = make_bad_models(w32, cfg32, os.path.join(out, "bad"))
    check(n_bad >= 12, "bad checkpoints written (%d)" % n_bad)

    print("wrote %d cases, 4 checkpoints and %d bad checkpoints into %s" % (len(case_files), n_bad, out))
    print("%d passed, %d failed" % (N_PASSED, N_FAILED))
    return 1 if N_FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
