#!/usr/bin/python3
"""make_seeds.py — writes the small seed corpus of every fuzz target into
tests/fuzz/corpus/<target>/ (committed; rerun only to change the seeds).

Seeds are tiny valid inputs of each format, made here from a fixed random
seed, plus the oracle's small checkpoints when $BUILD/oracle exists:
  safetensors     F32/F16/BF16 tensors, with and without __metadata__
  config          GPT-2 and Llama config.json
  vocab           vocab.json + "\\n#####\\n" + merges.txt
  tokenizer       '{' tokenizer.json (byte-level BPE and byte-fallback),
                  other bytes: text for the GPT-2 tokenizer
  llama           'B' llama2.c .bin, 'T' tokenizer.bin, other: text
  cli             argv words separated by NUL bytes
  spm             a small SentencePiece .spm (0x0A first), other: text
  wordpiece       'V' vocab.txt, other: text for the fixed vocabulary
  session         app session files: as saved, base64 text, cut, wrong types
  spec            app state specs
"""
import json
import os
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "corpus")
BUILD = os.environ.get("BUILD", "build")
rng = np.random.default_rng(13)


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def safetensors(tensors, meta=None):
    header, blobs, off = {}, [], 0
    if meta:
        header["__metadata__"] = meta
    for name, (dtype, arr) in tensors.items():
        if dtype == "F32":
            b = arr.astype("<f4").tobytes()
        elif dtype == "F16":
            b = arr.astype("<f2").tobytes()
        else:  # BF16: the top half of f32
            b = (arr.astype("<f4").view("<u4") >> 16).astype("<u2").tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def r(*shape):
    return rng.standard_normal(shape).astype(np.float32) * 0.1


# safetensors
put("safetensors", "f32", safetensors({"wte.weight": ("F32", r(8, 4)), "ln_f.bias": ("F32", r(4))}))
put("safetensors", "f16_meta", safetensors({"a": ("F16", r(3, 5)), "b": ("F32", r(2))}, {"format": "pt"}))
put("safetensors", "bf16", safetensors({"x.weight": ("BF16", r(4, 4)), "y": ("F16", r(1))}))
put("safetensors", "empty", safetensors({}))

# config.json
gpt2 = {"model_type": "gpt2", "n_layer": 2, "n_head": 4, "n_embd": 32, "n_positions": 32, "n_ctx": 32,
        "vocab_size": 278, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"}
put("config", "gpt2", json.dumps(gpt2, indent=1))
llama = {"model_type": "llama", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64,
         "vocab_size": 512, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": True}
put("config", "llama", json.dumps(llama))
put("config", "other_type", '{"model_type": "bert", "n_layer": 1}')

# vocab.json + merges.txt: a byte-level vocabulary and a few merges
bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
cs, n = bs[:], 0
for b in range(256):
    if b not in bs:
        bs.append(b)
        cs.append(256 + n)
        n += 1
byte_chars = [chr(c) for c in cs]
vocab = {ch: i for i, ch in enumerate(byte_chars)}
merges = [("\u0120", "t"), ("h", "e"), ("\u0120t", "he"), ("i", "n")]
for a, b in merges:
    vocab[a + b] = len(vocab)
vocab["<|endoftext|>"] = len(vocab)
merges_txt = "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges)
put("vocab", "bytes_merges", json.dumps(vocab, ensure_ascii=False) + "\n#####\n" + merges_txt)
put("vocab", "tiny", '{"a": 0, "b": 1, "ab": 2}\n#####\n#version: 0.2\na b\n')

# tokenizer.json, byte-level BPE
tj = {"version": "1.0", "normalizer": None,
      "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
      "added_tokens": [{"id": vocab["<|endoftext|>"], "content": "<|endoftext|>", "special": True}],
      "model": {"type": "BPE", "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]}}
put("tokenizer", "bpe_json", json.dumps(tj, ensure_ascii=False))
tj["pre_tokenizer"]["add_prefix_space"] = True
tj["model"]["merges"] = [[a, b] for a, b in merges]
put("tokenizer", "bpe_json_prefix_pairs", json.dumps(tj, ensure_ascii=False))
# byte-fallback (SentencePiece-style)
sp_vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
for b in range(256):
    sp_vocab[f"<0x{b:02X}>"] = len(sp_vocab)
for p in ["\u2581", "\u2581t", "he", "\u2581the", "\u2581a", "on", "ce"]:
    sp_vocab[p] = len(sp_vocab)
sp = {"version": "1.0", "normalizer": {"type": "Sequence", "normalizers": [
          {"type": "Prepend", "prepend": "\u2581"}, {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
      "pre_tokenizer": None,
      "added_tokens": [{"id": 0, "content": "<unk>", "special": True}, {"id": 1, "content": "<s>", "special": True},
                       {"id": 2, "content": "</s>", "special": True}],
      "model": {"type": "BPE", "byte_fallback": True, "unk_token": "<unk>", "vocab": sp_vocab,
                "merges": ["\u2581 t", "h e", "\u2581t he", "\u2581 a", "o n", "c e"]}}
put("tokenizer", "sp_json", json.dumps(sp, ensure_ascii=False))
put("tokenizer", "text_hello", "xHello, world! It's 2024 \u4f60\u597d\n\n  x")
put("tokenizer", "text_numbers", "x   123 4567 'll 've \t\r\n\u00e9\U0001F436")

# llama2.c .bin (vocab 512, as tok512.bin) and tokenizer.bin
def l2c(dim, hidden, layers, heads, kv, vocab_size, seq, shared=True):
    hs = dim // heads
    n = (vocab_size * dim + layers * (dim + dim * dim + 2 * kv * hs * dim + dim * dim + dim + 3 * hidden * dim)
         + dim + seq * hs)
    if not shared:
        n += vocab_size * dim
    head = struct.pack("<7i", dim, hidden, layers, heads, kv, vocab_size if shared else -vocab_size, seq)
    return head + r(n).tobytes()
put("llama", "bin_gqa", b"B" + l2c(8, 16, 1, 2, 1, 512, 8))
put("llama", "bin_untied", b"B" + l2c(8, 12, 2, 2, 2, 512, 4, shared=False))
pieces = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + [" t", "he", " the", " a", "on", "ce", " "]
tok = struct.pack("<i", 8) + b"".join(struct.pack("<fi", -float(i), len(p.encode())) + p.encode()
                                      for i, p in enumerate(pieces))
put("llama", "tokenizer_bin", b"T" + tok)
put("llama", "text", "xOnce upon a time \U0001F436\n")

# SentencePiece: the committed identity-normalizer model (11 KB), texts
with open(os.path.join(ROOT, "..", "tokenizer", "spm_identity.model"), "rb") as f:
    put("spm", "identity_spm", f.read())
put("spm", "text_es", "xY fu\u00e9 la luz.  \uff28\uff45 \ufb01\n")
put("spm", "text_ws", "x  a  b\t\n c  \u2581\u2581")

# WordPiece: a vocab.txt ('V'), texts for the fuzzer's fixed vocabulary
put("wordpiece", "vocab", "V[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\n##s\n.\ncaf\n##e\nun\n##able\n")
put("wordpiece", "text_pair", "The cat's caf\u00e9 ||| [MASK]!")
put("wordpiece", "text_scripts", "\u03c3\u03c2 \u4f60\u597d a\u200daa,  !!")

# CLI argv, NUL-separated
for name, argv in {
    "dump": ["dump", "--model", "m", "--text", "hi", "--scale", "temp:0.5", "--mask", "keys:0,3", "--ablate", "0.1,5.5"],
    "export": ["export", "--text", "-", "--layer", "1", "--head", "2", "--grid", "--out", "x.png", "--mask", "window:3"],
    "bench": ["bench", "--tokens", "64", "--scale", "none", "--mask", "none"],
    "app": ["--model", "m", "--ablate", "63.63", "--scale", "sqrt"],
    "generate": ["generate", "-n", "5", "--bos", "--mask", "causal"],
    "fill": ["fill", "--model", "m", "--text", "a [MASK] b", "--top", "3", "--ablate", "1.1"],
    "translate": ["translate", "--text", "hola", "-n", "4", "--beam", "2", "--kind", "encoder", "--mask", "keys:1"],
    "roles": ["roles", "--text", "a b a b", "--bos", "--out", "r.json", "--scale", "temp:2"],
    "app_session": ["app", "--session", "s.json", "--fresh", "--export-dir", "d"],
}.items():
    put("cli", name, b"\0".join(a.encode() for a in argv))
print("seeds written to", OUT)

# session files (src/app/session.c): as saved, base64 text, cut short, wrong types
session = {"format": "attnscope-session", "version": 1, "model": "models/pd-gpt2",
           "text": "Mr. Darcy walked in. Mr. Darcy walked in.\n\u00e9\U0001F436",
           "run": {"scale": "temp", "temperature": 0.3, "mask": "window", "window": 3, "top_k": 10,
                   "masked_words": [[0, 3], [9, 15]], "masked_keys": [2, 5], "ablated_heads": [[0, 1], [3, 2]]},
           "view": {"layer": 1, "head": 2, "pinned": [5, 3], "zoom": 2.5, "zoom_origin": [1, 0],
                    "colormap": "magma", "theme": "light", "qk_before_rope": True, "pair_filter": 2}}
put("session", "saved", json.dumps(session, indent=2, ensure_ascii=False) + "\n")
b64 = dict(session, text_base64="/+4AYWJj", view={"pinned": None, "zoom": 1})
del b64["text"]
put("session", "base64", json.dumps(b64))
put("session", "cut", json.dumps(session)[:150])
put("session", "wrong_types", json.dumps({"format": "attnscope-session", "version": 2, "text": 5, "extra": [],
                                          "run": {"scale": "x", "window": 0.5, "masked_keys": [-1, 1e9, "a"],
                                                  "ablated_heads": [[64, 0], [1]]},
                                          "view": {"zoom": 100, "colormap": "nope", "pinned": [1, 2, 3]}}))

# state specs (src/app/spec.c)
for name, spec in {
    "view": "layer=1;head=2;focus=5:3;help=1;white=1;cmap=magma;edit=1;vec=0",
    "run": "rope=pre;zoom=3:10:5;scale=temp:0.5;mask=window:3;ablate=0.1,1.2;mouse=10:20",
    "modes": "text=the cat ||| the dog;maskword=2;pairs=AB;role=induction;kind=decoder;focus=auto",
    "edges": "scale=none;;mask=keys:1,2;role=off;zoom=1000;layer=-1;pairs=A\u2192B",
}.items():
    put("spec", name, spec)
