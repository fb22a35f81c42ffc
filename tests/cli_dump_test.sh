#!/bin/sh
# cli_dump_test.sh — `attnscope dump` end to end against the numpy oracle.
#
# For every oracle case that has a text (tests/oracle/gpt2_oracle.py writes
# them into $BUILD/oracle/cases/), runs
#     $ATTNSCOPE_BIN dump --model M --text TEXT --scale S --mask M [--ablate A] --vectors
# and compares its JSON with the case: token ids, "truncated" (text longer
# than the context keeps its last n_positions tokens, with one warning line on
# stderr), attention, q, k, v, loss and the top-k ids and probabilities, with
# |got - want| <= 1e-4 * (1 + |want|). So the CLI's own option parsing,
# tokenization and truncation are covered, not just the library.
# One pass or fail per case; prints "N passed, N failed".
BUILD=${BUILD:-build}
BIN=${ATTNSCOPE_BIN:-$BUILD/attnscope}
ORACLE=$BUILD/oracle
if [ ! -x "$BIN" ] || [ ! -f "$ORACLE/gpt2_cases.json" ]; then
    echo "FAIL $BIN or $ORACLE/gpt2_cases.json is missing; HINT: make all, then /usr/bin/python3 tests/oracle/gpt2_oracle.py $ORACLE (make test does both)"
    echo "0 passed, 1 failed"
    exit 1
fi
exec /usr/bin/python3 - "$BIN" "$ORACLE" <<'EOF'
import json
import os
import subprocess
import sys

import numpy as np

BIN, ORACLE = sys.argv[1], sys.argv[2]
TOL = 1e-4
passed = failed = 0


def close(got, want):
    """abs + rel tolerance; returns (ok, max abs diff)."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return False, float("inf")
    if not np.isfinite(got).all():
        return False, float("inf")
    diff = np.abs(got - want)
    return bool((diff <= TOL * (1 + np.abs(want))).all()), float(diff.max(initial=0.0))


def expected(case, key):
    t = case[key]
    return np.array([np.nan if v is None else v for v in t["data"]]).reshape(t["shape"])


def check_case(path):
    """Returns None when the CLI agrees with the case, else what differs."""
    case = json.load(open(path))
    args = [BIN, "dump", "--model", os.path.join(ORACLE, case["model"]),
            "--text", case["text"], "--scale", case["scale"], "--mask", case["mask"],
            "--vectors"]
    if case["ablate"]:
        args += ["--ablate", case["ablate"]]
    p = subprocess.run(args, capture_output=True, timeout=120)
    if p.returncode != 0:
        return "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip())
    err_lines = [l for l in p.stderr.decode(errors="replace").splitlines() if l.strip()]
    if case["truncated"] and len(err_lines) != 1:
        return "want one warning line on stderr for a truncated text, got %d" % len(err_lines)
    if not case["truncated"] and err_lines:
        return "unexpected stderr: %s" % err_lines[0]
    try:
        d = json.loads(p.stdout)
    except ValueError as e:
        return "stdout is not JSON: %s" % e
    ids = [t["id"] for t in d["tokens"]]
    if ids != case["ids"]:
        return "token ids %s, want %s" % (ids[:8], case["ids"][:8])
    if d["truncated"] is not case["truncated"]:
        return "truncated %s, want %s" % (d["truncated"], case["truncated"])
    diffs = []
    for key, want_key in (("attention", "att"), ("q", "q"), ("k", "k"), ("v", "v")):
        ok, md = close(d[key], expected(case, want_key))
        if not ok:
            return "%s differs (max abs diff %.3g)" % (key, md)
        diffs.append("%s %.1e" % (key, md))
    ok, md = close([d["loss"]], [case["loss"]])
    if not ok:
        return "loss %s, want %s" % (d["loss"], case["loss"])
    want_p = expected(case, "top_p")
    for t, row in enumerate(d["top_k"]):
        k = min(len(row), len(case["top_ids"][t]))
        if k == 0:
            return "empty top_k at position %d" % t
        for r in range(k):
            wp = want_p[t, r]
            tie = any(abs(want_p[t, o] - wp) < 1e-5 for o in (r - 1, r + 1) if 0 <= o < want_p.shape[1])
            if row[r]["id"] != case["top_ids"][t][r] and not tie:
                return "top_k[%d][%d] id %d, want %d" % (t, r, row[r]["id"], case["top_ids"][t][r])
            if abs(row[r]["p"] - wp) > TOL * (1 + wp):
                return "top_k[%d][%d] p %g, want %g" % (t, r, row[r]["p"], wp)
    print("ok   %-40s %s loss %.1e" % (os.path.basename(path)[:-5], " ".join(diffs), md))
    return None


cases = json.load(open(os.path.join(ORACLE, "gpt2_cases.json")))["cases"]
n_text = 0
for rel in cases:
    path = os.path.join(ORACLE, rel)
    if not json.load(open(path))["text"]:
        continue
    n_text += 1
    try:
        why = check_case(path)
    except (KeyError, TypeError, ValueError, subprocess.TimeoutExpired) as e:
        why = "bad dump JSON or case: %r" % (e,)
    if why is None:
        passed += 1
    else:
        failed += 1
        print("FAIL %s: %s" % (os.path.basename(rel), why))
if n_text < 40:
    failed += 1
    print("FAIL only %d oracle cases with text" % n_text)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
