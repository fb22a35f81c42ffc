"""Exports the bench checkpoint to ONNX for the ONNX Runtime peer of `make bench`:
the GPT-2 forward pass (the same math as torch_gpt2.py) with a dynamic sequence
axis, outputs the logits and every layer's attention probabilities
(layer, head, query, key). Debian's torch, torch.onnx.export, opset 14. The
file is written at bench time into build/, never committed.

usage: /usr/bin/python3 tools/bench/export_onnx.py MODEL_DIR OUT.onnx
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_gpt2 import load  # noqa: E402


class GPT2(torch.nn.Module):
    def __init__(self, cfg, w):
        super().__init__()
        self.L, self.H, self.D = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
        # parameters, so the exporter stores them as initializers (constants)
        self.w = torch.nn.ParameterDict({k.replace(".", "_"): torch.nn.Parameter(v, requires_grad=False)
                                         for k, v in w.items()})

    def p(self, name):
        return self.w[name.replace(".", "_")]

    def forward(self, ids):  # ids (T,) int64
        T = ids.shape[0]
        D, H = self.D, self.H
        dh = D // H
        x = self.p("wte.weight")[ids] + self.p("wpe.weight")[:T]
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        atts = []
        for i in range(self.L):
            pre = f"h.{i}."
            h = torch.nn.functional.layer_norm(x, (D,), self.p(pre + "ln_1.weight"), self.p(pre + "ln_1.bias"), 1e-5)
            qkv = torch.addmm(self.p(pre + "attn.c_attn.bias"), h, self.p(pre + "attn.c_attn.weight"))
            q, k, v = (t.reshape(T, H, dh).transpose(0, 1) for t in qkv.split(D, dim=1))
            scores = (q @ k.transpose(1, 2) / math.sqrt(dh)).masked_fill(~causal, float("-inf"))
            att = torch.softmax(scores, dim=-1)
            atts.append(att)
            a = (att @ v).transpose(0, 1).reshape(T, D)
            x = x + torch.addmm(self.p(pre + "attn.c_proj.bias"), a, self.p(pre + "attn.c_proj.weight"))
            h = torch.nn.functional.layer_norm(x, (D,), self.p(pre + "ln_2.weight"), self.p(pre + "ln_2.bias"), 1e-5)
            h = torch.nn.functional.gelu(torch.addmm(self.p(pre + "mlp.c_fc.bias"), h, self.p(pre + "mlp.c_fc.weight")),
                                         approximate="tanh")
            x = x + torch.addmm(self.p(pre + "mlp.c_proj.bias"), h, self.p(pre + "mlp.c_proj.weight"))
        x = torch.nn.functional.layer_norm(x, (D,), self.p("ln_f.weight"), self.p("ln_f.bias"), 1e-5)
        return x @ self.p("wte.weight").T, torch.stack(atts)


def main():
    cfg, w = load(sys.argv[1])
    model = GPT2(cfg, w).eval()
    ids = torch.arange(8, dtype=torch.int64)
    with torch.no_grad():
        torch.onnx.export(model, (ids,), sys.argv[2], opset_version=14, input_names=["ids"],
                          output_names=["logits", "attentions"],
                          dynamic_axes={"ids": {0: "T"}, "logits": {0: "T"}, "attentions": {2: "T", 3: "T"}})
        # the export must compute what the torch module does
        logits, att = model(torch.arange(5, dtype=torch.int64))
    print(f"exported {sys.argv[2]} (torch {torch.__version__}, opset 14); "
          f"check: logits[0,:3] {logits[0, :3].tolist()}")


if __name__ == "__main__":
    main()
