"""export.py -- writes a trained Marian (model.py) as a Hugging Face folder:
config.json and model.safetensors (F32 or F16) beside the source.spm,
target.spm and vocab.json that prepare.py wrote."""
import json
import os
import struct

import numpy as np


def hf_config(cfg):
    c = dict(cfg)
    c.update({"model_type": "marian", "architectures": ["MarianMTModel"], "activation_function": "swish",
              "scale_embedding": True, "normalize_before": False, "decoder_vocab_size": cfg["vocab_size"],
              "share_encoder_decoder_embeddings": True, "tie_word_embeddings": True, "static_position_embeddings": True,
              "add_bias_logits": False, "is_encoder_decoder": True, "init_std": 0.02, "dropout": 0.1,
              "attention_dropout": 0.0, "activation_dropout": 0.0, "torch_dtype": "float32"})
    return c


def save(model, out, dtype="F16"):
    tensors = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    header = {"__metadata__": {"format": "pt"}}
    blobs, off = [], 0
    for name in sorted(tensors):
        raw = np.ascontiguousarray(tensors[name]).astype("<f2" if dtype == "F16" else "<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    tmp = os.path.join(out, "model.safetensors.tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    os.replace(tmp, os.path.join(out, "model.safetensors"))
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(hf_config(model.cfg), f, indent=1)
