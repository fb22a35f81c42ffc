"""The shipped model (models/pd-gpt2) through attnscope agrees with PyTorch.

tests/data/pd_gpt2_reference.json is written by tools/train/export_reference.py
from the exported weights: held-out validation texts, the token ids of our
Python BPE encoder, and PyTorch's mean next-token loss. Here `attnscope
tokenize` must give the same ids (the C tokenizer loads the trained BPE
unchanged) and `attnscope dump` the same loss within 1e-3 nats.

usage: /usr/bin/python3 tests/default_model_check.py ATTNSCOPE_BIN [MODEL REFERENCE]
       (default: models/pd-gpt2 tests/data/pd_gpt2_reference.json)
"""
import json
import os
import subprocess
import sys

TOL = 1e-3


def main():
    binary = sys.argv[1]
    model = sys.argv[2] if len(sys.argv) > 2 else "models/pd-gpt2"
    ref_path = sys.argv[3] if len(sys.argv) > 3 else "tests/data/pd_gpt2_reference.json"
    passed = failed = 0
    if not os.path.exists(os.path.join(model, "model.safetensors")):
        print(f"FAIL: {model}/model.safetensors is missing: the shipped model must be in the repo")
        print("0 passed, 1 failed")
        return 1
    with open(ref_path) as f:
        ref = json.load(f)
    cases = ref["cases"] if isinstance(ref, dict) else ref
    for i, case in enumerate(cases):
        text = case["text"]
        tok = subprocess.run([binary, "tokenize", "--model", model, "--text", "-"],
                             input=text.encode(), capture_output=True)
        dump = subprocess.run([binary, "dump", "--model", model, "--text", "-"],
                              input=text.encode(), capture_output=True)
        if tok.returncode or dump.returncode:
            print(f"FAIL case {i}: attnscope exited {tok.returncode}/{dump.returncode}: "
                  f"{(tok.stderr or dump.stderr).decode().strip()}")
            failed += 1
            continue
        ids = [t["id"] for t in json.loads(tok.stdout)["tokens"]]
        if ids == case["ids"]:
            passed += 1
        else:
            first = next((j for j, (a, b) in enumerate(zip(ids, case["ids"])) if a != b), min(len(ids), len(case["ids"])))
            print(f"FAIL case {i}: token ids differ from the Python encoder at position {first}")
            failed += 1
        out = json.loads(dump.stdout)
        # the top 5 at the last position, in order (ties aside)
        got_top = [t["id"] for t in out["top_k"][-1]]
        want_top = [t["id"] for t in case.get("last_top5", [])]
        if want_top and got_top[:len(want_top)] != want_top:
            print(f"FAIL case {i}: last-position top-5 {got_top} != PyTorch {want_top}")
            failed += 1
        elif want_top:
            passed += 1
        loss = out["loss"]
        want = case["mean_loss_nats"]
        ok = abs(loss - want) <= TOL
        print(f"case {i}: {len(ids)} tokens, attnscope loss {loss:.6f}, PyTorch {want:.6f}, "
              f"|diff| {abs(loss - want):.2e} {'ok' if ok else 'FAIL'}")
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
