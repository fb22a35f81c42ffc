#!/bin/sh
# cli_roles_test.sh — `attnscope roles` end to end: on the shipped default
# model and on ../shared's stories260K (skipped when absent), the JSON has
# every metric of src/engine/roles.h with a [layer][head] score table, a
# uniform baseline and the best head; mass scores lie in [0, 1]; a sentence
# said twice has induction queries (the second copy) and the best induction
# head is consistent with the table; the per-token losses average to "loss".
# Bad input (no --text, empty text, unwritable --out) gives one line with a
# HINT and exit 1. The numbers themselves are checked against numpy by
# test_roles (tests/oracle/roles_oracle.py).
BUILD=${BUILD:-build}
BIN=${ATTNSCOPE_BIN:-$BUILD/attnscope}
SHARED=${ATTNSCOPE_SHARED:-../shared}
exec /usr/bin/python3 - "$BIN" "$SHARED/models/stories260K/stories260K.bin" <<'EOF'
import json
import math
import os
import subprocess
import sys

BIN, STORIES = sys.argv[1], sys.argv[2]
METRICS = ["previous_token", "first_token", "current_token", "delimiter", "duplicate_token",
           "induction", "entropy", "distance"]
TEXT = "The cat sat on the mat, and the dog slept.\nThe cat sat on the mat, and the dog slept.\n"
passed = failed = skipped = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


def run(*args, text=None):
    return subprocess.run([BIN, "roles", *args], input=text.encode() if text is not None else None,
                          capture_output=True)


def check_model(label, model_args):
    p = run(*model_args, "--text", "-", text=TEXT)
    check(p.returncode == 0, f"{label}: exit {p.returncode}: {p.stderr.decode().strip()}")
    if p.returncode:
        return
    d = json.loads(p.stdout)
    L, H, T = d["n_layer"], d["n_head"], len(d["tokens"])
    r = d["roles"]
    check(sorted(r) == sorted(METRICS + ["dominant"]), f"{label}: metrics {sorted(r)}")
    for m in METRICS:
        x = r[m]
        sc = x["scores"]
        check(len(sc) == L and all(len(row) == H for row in sc), f"{label} {m}: {L}x{H} table")
        if m in METRICS[:6]:
            check(all(0 <= v <= 1 + 1e-6 for row in sc for v in row), f"{label} {m}: scores in [0, 1]")
            check(0 < x["baseline"] <= 1, f"{label} {m}: baseline {x['baseline']}")
        b = x["best"]
        flat = [v for row in sc for v in row]
        want = min(flat) if m == "entropy" else max(flat)
        check(b is not None and abs(sc[b["layer"]][b["head"]] - want) < 1e-9, f"{label} {m}: best head")
    n = len(d["tokens"]) - 1
    check(r["induction"]["n_queries"] >= 5, f"{label}: induction queries {r['induction']['n_queries']}")
    losses = [t["next_loss"] for t in d["tokens"][:-1]]
    check(d["tokens"][-1]["next_loss"] is None and abs(sum(losses) / n - d["loss"]) < 1e-4,
          f"{label}: per-token losses average to loss")
    check(len(r["dominant"]) == L and all(v is None or v in METRICS for row in r["dominant"] for v in row),
          f"{label}: dominant roles")
    print(f"{label}: {L}x{H} heads, {T} tokens; best previous-token L{r['previous_token']['best']['layer']}"
          f"H{r['previous_token']['best']['head']} {r['previous_token']['best']['score']:.3f}, induction "
          f"L{r['induction']['best']['layer']}H{r['induction']['best']['head']} {r['induction']['best']['score']:.3f}")


check_model("default model", [])
if os.path.exists(STORIES):
    check_model("stories260K", ["--model", STORIES])
else:
    skipped += 1
    print(f"SKIP: {STORIES} absent")

for args, text, what in (([], None, "no --text"), ([], "", "empty text"),
                         (["--out", "/nonexistent-dir/x.json"], "hi", "unwritable --out")):
    a = list(args) + (["--text", "-"] if text is not None else [])
    p = run(*a, text=text)
    err = p.stderr.decode().strip().splitlines()
    check(p.returncode == 1 and len(err) == 1 and "HINT" in err[0], f"{what}: exit {p.returncode}, {err}")

print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
EOF
