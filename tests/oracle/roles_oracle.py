#!/usr/bin/python3
"""roles_oracle.py — an independent numpy reference for the head-role scores
of src/engine/roles.c (definitions in src/engine/roles.h).

Usage: /usr/bin/python3 tests/oracle/roles_oracle.py OUT_DIR   (e.g. build/oracle)

Reads the expected attention that gpt2_oracle.py and llama_oracle.py wrote
into OUT_DIR (running them first if their output is missing), computes every
role score from it in float64, and writes OUT_DIR/roles/manifest.json:
  cases: [{model (path), ids, scale, mask, ablate, is_delim (a seeded random
           0/1 flag per token: the C test passes the same flags), expected:
           {metric: {scores [layer][head], baseline, n_queries}}}]
  delimiters: [{tokenizer files, delimiter_ids}] the ids whose bytes read as
           delimiters under roles.h's rule, for models/pd-gpt2's vocabulary
           and stories260K's tok512.bin (when ../shared is present).
tests/test_roles.c loads each model, runs the forward pass with the case's
options, and compares roles_compute's output with these numbers.

The formulas here are written as boolean key-set matrices (query, key), not
as the C code's per-query loops. Closing line: "N passed, N failed".
"""
import json
import os
import subprocess
import sys

import numpy as np

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gpt2_oracle as gpt2ref  # noqa: E402
import sp_tokenizer_oracle as spref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
MASS = ["previous_token", "first_token", "current_token", "delimiter", "duplicate_token", "induction"]
PASSED = 0
FAILED = 0


def check(cond, what):
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL", what)


def key_sets(ids, is_delim):
    """metric -> (T, T) bool: key k belongs to query q's set K(q) (roles.h)."""
    ids = np.asarray(ids)
    T = len(ids)
    q = np.arange(T)[:, None]
    k = np.arange(T)[None, :]
    same = ids[:, None] == ids[None, :]
    after_same = np.zeros((T, T), bool)  # ids[k-1] == ids[q]
    after_same[:, 1:] = same[:, :-1]
    return {
        "previous_token": (q >= 2) & (k == q - 1),
        "first_token": (q >= 1) & (k == 0),
        "current_token": (q >= 1) & (k == q),
        "delimiter": (q >= 1) & np.asarray(is_delim, bool)[None, :],
        "duplicate_token": (k < q) & same,
        "induction": (k >= 1) & (k < q) & after_same,
    }


def role_scores(att, visible, ids, is_delim):
    """att (L, H, T, T) float64, visible (T, T) bool -> {metric: (scores, baseline, n_queries)}."""
    T = att.shape[-1]
    n_vis = visible.sum(1)
    has_keys = n_vis > 0
    out = {}
    for name, ks in key_sets(ids, is_delim).items():
        kv = ks & visible
        Q = has_keys & kv.any(1)
        mass = (att * kv).sum(-1)  # (L, H, T)
        if Q.any():
            out[name] = (mass[..., Q].mean(-1), float((kv.sum(1)[Q] / n_vis[Q]).mean()), int(Q.sum()))
        else:
            out[name] = (np.full(att.shape[:2], np.nan), float("nan"), 0)
    Q = has_keys & (np.arange(T) >= 1)
    p = np.where(visible, att, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    dist = np.abs(np.arange(T)[:, None] - np.arange(T)[None, :])
    if Q.any():
        out["entropy"] = ((-plogp.sum(-1))[..., Q].mean(-1), float(np.log(n_vis[Q]).mean()), int(Q.sum()))
        out["distance"] = ((p * dist).sum(-1)[..., Q].mean(-1),
                           float(((visible * dist).sum(1)[Q] / n_vis[Q]).mean()), int(Q.sum()))
    else:
        for name in ("entropy", "distance"):
            out[name] = (np.full(att.shape[:2], np.nan), float("nan"), 0)
    return out


def seeded_delims(ids):
    rng = np.random.default_rng([len(ids), int(sum(ids)) % 100003])
    return (rng.random(len(ids)) < 0.3).astype(int).tolist()


def as_json(scores):
    def num(x):
        return None if not np.isfinite(x) else float(x)
    return {name: {"scores": [[num(v) for v in row] for row in s], "baseline": num(b), "n_queries": n}
            for name, (s, b, n) in scores.items()}


def ensure(out_dir, script, marker):
    if not os.path.exists(os.path.join(out_dir, marker)):
        rc = subprocess.call([sys.executable, os.path.join(HERE, script), out_dir],
                             stdout=subprocess.DEVNULL)
        check(rc == 0, "%s ran to make %s" % (script, marker))


def gpt2_cases(out_dir):
    with open(os.path.join(out_dir, "gpt2_cases.json")) as f:
        files = json.load(f)["cases"]
    cases = []
    for rel in files:
        if not os.path.basename(rel).startswith("gpt2_f32__"):
            continue  # one checkpoint is enough here; the forward tests cover the rest
        with open(os.path.join(out_dir, rel)) as f:
            c = json.load(f)
        shape = c["att"]["shape"]
        att = np.array(c["att"]["data"], dtype=np.float64).reshape(shape)
        sc = np.array([np.nan if v is None else v for v in c["scores"]["data"]]).reshape(shape)
        cases.append((os.path.abspath(os.path.join(out_dir, c["model"])), c, att, ~np.isnan(sc[0, 0])))
    return cases


def llama_cases(out_dir):
    root = os.path.join(out_dir, "llama")
    with open(os.path.join(root, "manifest.json")) as f:
        models = json.load(f)["models"]
    cases = []
    for m in models:
        path = m["hf"] if m["hf"] else m["l2c"]
        path = path if os.path.isabs(path) else os.path.abspath(os.path.join(root, path))
        for c in m["cases"]:
            def arr(name):
                a = c["arrays"][name]
                return np.fromfile(os.path.join(root, a["file"]), dtype="<f4").astype(np.float64).reshape(a["shape"])
            att, sc = arr("att"), arr("scores")
            cases.append((path, c, att, ~np.isneginf(sc[0, 0])))
    return cases


def gpt2_vocab_bytes(vocab_path):
    dec = {ch: b for b, ch in gpt2ref.BYTE_ORDER}
    with open(vocab_path, encoding="utf-8") as f:
        vocab = json.load(f)
    out = {}
    for s, i in vocab.items():
        out[i] = s.encode("utf-8") if s == "<|endoftext|>" else bytes(dec[ch] for ch in s)
    return out


def is_delimiter(b):
    """roles.h's rule on a token's bytes."""
    if b"\n" in b or b"\r" in b:
        return True
    core = b.replace(b" ", b"").replace(b"\t", b"")
    return (len(core) > 0 and all(c in b".,;:!?\"'" for c in core)
            and any(c in b".,;:!?" for c in core))


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "build/oracle"
    ensure(out_dir, "gpt2_oracle.py", "gpt2_cases.json")
    ensure(out_dir, "llama_oracle.py", "llama/manifest.json")
    cases = []
    for path, c, att, vis in gpt2_cases(out_dir) + llama_cases(out_dir):
        ids = c["ids"]
        delim = seeded_delims(ids)
        sc = role_scores(att, vis, ids, delim)
        # Sanity: a role's score never exceeds 1, and heads average to the
        # uniform baseline only by chance.
        check(all(np.nanmax(sc[n][0]) <= 1 + 1e-9 for n in MASS if sc[n][2]), "mass scores <= 1")
        cases.append({"model": path, "ids": ids, "scale": c["scale"], "mask": c["mask"],
                      "ablate": c["ablate"], "is_delim": delim, "expected": as_json(sc)})
    check(len(cases) >= 40, "at least 40 cases (%d)" % len(cases))
    check(any(c["expected"]["induction"]["n_queries"] > 5 for c in cases), "some case has repeats")

    # The role definitions on a hand-made pattern: a pure previous-token head scores 1.
    T = 9
    att = np.zeros((1, 1, T, T))
    att[0, 0, 0, 0] = 1
    for q in range(1, T):
        att[0, 0, q, q - 1] = 1
    s = role_scores(att, np.tril(np.ones((T, T), bool)), list(range(T)), [0] * T)
    check(abs(s["previous_token"][0][0, 0] - 1) < 1e-12, "pure previous-token head scores 1")
    check(abs(s["previous_token"][1] - np.mean([1 / (q + 1) for q in range(2, T)])) < 1e-12,
          "previous-token baseline is mean 1/(q+1)")

    delims = []
    vocab = os.path.join(ROOT, "models", "pd-gpt2", "vocab.json")
    vb = gpt2_vocab_bytes(vocab)
    ids = sorted(i for i, b in vb.items() if is_delimiter(b))
    check(len(ids) > 20, "pd-gpt2 has delimiter tokens (%d)" % len(ids))
    delims.append({"vocab": vocab, "merges": os.path.join(ROOT, "models", "pd-gpt2", "merges.txt"),
                   "n_vocab": len(vb), "delimiter_ids": ids})
    shared = os.environ.get("ATTNSCOPE_SHARED", os.path.join(ROOT, "..", "shared"))
    tok = os.path.join(shared, "models", "stories260K", "tok512.bin")
    if os.path.exists(tok):
        pieces, scores = spref.read_llama2c_tokenizer(tok, 512)
        ref = spref.SpReference(pieces, scores=scores)
        ids = [i for i in range(3, 512) if is_delimiter(ref.token_bytes(i))]  # 0-2: <unk> <s> </s>
        check(len(ids) > 3, "stories260K has delimiter tokens (%d)" % len(ids))
        delims.append({"llama2c": os.path.abspath(tok), "n_vocab": 512, "first_id": 3,
                       "delimiter_ids": ids})
    else:
        print("SKIP: %s absent; no stories260K delimiter reference" % tok)

    os.makedirs(os.path.join(out_dir, "roles"), exist_ok=True)
    path = os.path.join(out_dir, "roles", "manifest.json")
    with open(path + ".tmp", "w") as f:
        json.dump({"cases": cases, "delimiters": delims}, f)
    os.replace(path + ".tmp", path)
    print("wrote %s: %d cases" % (path, len(cases)))
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
