#!/bin/sh
# marian_cli_test.sh — `attnscope translate / dump / info / tokenize` on the
# random Marian checkpoints of tests/oracle/marian_oracle.py, end to end.
#
# Numerics are test_marian_oracle's job; here: translate prints the text of
# dump's target tokens; dump's three matrices have the shapes
# [layer][head][query][key] (encoder S x S, decoder T x T, cross T x S), rows
# sum to 1, the decoder is causal unless --kind decoder --mask none, masked
# source keys get zero weight in the encoder and cross-attention, --ablate
# zeroes nothing but that head's output (the weights stay), --vectors adds
# q, k, v per kind. Bad input gets one line with a HINT and a non-zero exit,
# never a crash: empty text, a missing model, the oracle's broken folders
# (missing encoder_attn tensor, wrong shape, unknown activation, pre-LN),
# an unknown --kind, a beam over 16. Prints "N passed, N failed".
BUILD=${BUILD:-build}
BIN=${ATTNSCOPE_BIN:-$BUILD/attnscope}
ORACLE=$BUILD/oracle
if [ ! -x "$BIN" ] || [ ! -d "$ORACLE/marian_f32" ]; then
    echo "FAIL $BIN or $ORACLE/marian_f32 is missing; HINT: make all, then /usr/bin/python3 tests/oracle/marian_oracle.py $ORACLE (make test does both)"
    echo "0 passed, 1 failed"
    exit 1
fi
exec /usr/bin/python3 - "$BIN" "$ORACLE" <<'EOF'
import json
import subprocess
import sys

import numpy as np

BIN, ORACLE = sys.argv[1], sys.argv[2]
M = ORACLE + "/marian_f32"
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)


def run(*args, stdin=None):
    p = subprocess.run([BIN] + list(args), capture_output=True, timeout=120, input=stdin)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


TEXT = "Y dijo Dios: Sea la luz: y fué la luz."
rc, out, err = run("translate", "--model", M, "--text", TEXT, "-n", "8")
check(rc == 0 and out.endswith("\n") and out.count("\n") == 1, "translate prints one line: rc=%d %r" % (rc, err))
translation = out[:-1]

rc, out, err = run("dump", "--model", M, "--text", TEXT, "-n", "8", "--vectors")
check(rc == 0, "dump runs: %s" % err)
d = json.loads(out) if rc == 0 else {}
S, T = len(d.get("source_tokens", [])), len(d.get("target_tokens", []))
check(S >= 3 and d["source_tokens"][-1]["id"] == 0 and 1 <= T <= 8, "source ends with </s>, 1..8 target tokens")
check(d.get("translation") == translation, "dump's translation is translate's: %r vs %r" % (d.get("translation"), translation))
enc, dec, cross = (np.array(d[k], dtype=float) for k in ("encoder_attention", "decoder_attention", "cross_attention"))
check(enc.shape == (2, 2, S, S) and dec.shape == (2, 2, T, T) and cross.shape == (2, 2, T, S),
      "shapes %s %s %s" % (enc.shape, dec.shape, cross.shape))
for name, a in (("encoder", enc), ("decoder", dec), ("cross", cross)):
    check(np.allclose(a.sum(-1), 1, atol=1e-5), name + " rows sum to 1")
check(np.allclose(np.triu(dec, 1), 0), "decoder attention is causal by default")
check(np.triu(enc, 1).max() > 0, "encoder attention sees later tokens (no mask)")
dec_in = [t["id"] for t in d["decoder_input_tokens"]]
check(dec_in[0] == 1299 and dec_in[1:] == [t["id"] for t in d["target_tokens"]][:-1],
      "decoder input = <pad> then the target tokens but the last")
for kind, rows, cols in (("encoder", S, S), ("decoder", T, T), ("cross", T, S)):
    for v in "qkv":
        key = "%s_%s" % (kind, v)
        n = (rows if v == "q" else cols)
        check(key in d and np.array(d[key]).shape == (2, 2, n, 8), key + " shape")

rc, out, err = run("dump", "--model", M, "--text", TEXT, "-n", "4", "--kind", "decoder", "--mask", "none")
d2 = json.loads(out) if rc == 0 else {}
check(rc == 0 and np.triu(np.array(d2["decoder_attention"]), 1).max() > 0, "--kind decoder --mask none lifts the causal mask")
check(rc == 0 and "mask=none" in d2["options"]["decoder"] and "mask=none" in d2["options"]["encoder"], "options named per kind")

rc, out, err = run("dump", "--model", M, "--text", TEXT, "-n", "4", "--kind", "cross", "--mask", "keys:1,2")
d3 = json.loads(out) if rc == 0 else {}
if rc == 0:
    e3, c3 = np.array(d3["encoder_attention"]), np.array(d3["cross_attention"])
    check(np.all(e3[..., 1:3] == 0) and np.all(c3[..., 1:3] == 0) and np.allclose(c3.sum(-1), 1, atol=1e-5),
          "masked source keys 1,2 get no weight in encoder and cross-attention")
else:
    check(False, "dump with masked keys: " + err)

rc, out, err = run("dump", "--model", M, "--text", TEXT, "-n", "4", "--kind", "encoder", "--scale", "temp:0.25")
d4 = json.loads(out) if rc == 0 else {}
check(rc == 0 and "temp:0.25" in d4["options"]["encoder"] and "scale=sqrt" in d4["options"]["cross"],
      "--scale acts on the --kind only")

rc, out, err = run("translate", "--model", M, "--text", TEXT, "-n", "5", "--beam", "4")
rc2, out2, err2 = run("dump", "--model", M, "--text", TEXT, "-n", "5", "--beam", "4")
check(rc == 0 and rc2 == 0 and json.loads(out2)["translation"] == out[:-1] and
      len(json.loads(out2)["cross_attention"][0][0]) == len(json.loads(out2)["target_tokens"]),
      "--beam 4: translate and dump agree, the trace covers the beam's output")

rc, out, err = run("info", "--model", M)
check(rc == 0 and "marian" in out and "encoder:      2 layers x 2 heads" in out, "info describes the model")
rc, out, err = run("tokenize", "--model", M, "--text", "fué")
check(rc == 0 and json.loads(out)["tokens"][-1]["text"] == "</s>", "tokenize ends with </s>")
rc, out, err = run("translate", "--model", M, "--text", "-", stdin=TEXT.encode())
rc2, out2, err2 = run("translate", "--model", M, "--text", TEXT)
check(rc == 0 and rc2 == 0 and out == out2 and out2.startswith(translation), "translate reads stdin; -n cuts")


def png_texts(path):
    """The text chunks of a PNG (tEXt, zTXt, iTXt) as a dict."""
    import struct
    import zlib
    out = {}
    with open(path, "rb") as f:
        data = f.read()
    i = 8
    while i + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        body = data[i + 8:i + 8 + n]
        i += 12 + n
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            key, rest = body.split(b"\0", 1)
            if kind == b"zTXt":
                rest = zlib.decompress(rest[1:])
            elif kind == b"iTXt":
                comp, rest = rest[0], rest[2:]
                rest = rest.split(b"\0", 2)[2]
                rest = zlib.decompress(rest) if comp else rest
            out[key.decode("latin-1")] = rest.decode("utf-8", "replace")
    return out


# export --kind: one PNG per attention kind, rows x columns of that kind, both texts named
import os
import tempfile
tmpd = tempfile.mkdtemp()
rc, out, err = run("dump", "--model", M, "--text", TEXT)
full = json.loads(out) if rc == 0 else {}
S, T = len(full.get("source_tokens", [])), len(full.get("target_tokens", []))
for kind, rows, cols in (("cross", T, S), ("encoder", S, S), ("decoder", T, T)):
    png = os.path.join(tmpd, kind + ".png")
    rc, out, err = run("export", "--model", M, "--text", TEXT, "--kind", kind, "--layer", "1", "--head", "1",
                       "--out", png)
    t = png_texts(png) if rc == 0 and os.path.exists(png) else {}
    geom = dict(kv.split("=") for kv in t.get("Heatmap", "").split())
    check(rc == 0 and geom.get("n") == str(rows) and geom.get("keys") == str(cols),
          "export --kind %s: %s rows x %s columns, want %d x %d (%r)" % (kind, geom.get("n"), geom.get("keys"),
                                                                     rows, cols, err))
    check(TEXT in t.get("Description", "") and full.get("translation", "?") in t.get("Description", "") and
          t.get("Settings", "").startswith(kind + " layer 1 head 1"),
          "export --kind %s names both texts and the kind: %r" % (kind, t.get("Settings")))
rc, out, err = run("export", "--model", M, "--text", TEXT, "--kind", "cross", "--grid", "--out",
                   os.path.join(tmpd, "grid.png"))
check(rc == 0 and png_texts(os.path.join(tmpd, "grid.png")).get("Settings", "").startswith("cross grid"),
      "export --kind cross --grid: %r" % err)


def bad(what, args, needle):
    rc, out, err = run(*args)
    lines = err.strip().split("\n")
    check(rc not in (0, -6, -11) and rc > 0 and len(lines) == 1 and "HINT:" in err and needle in err,
          "%s: want one line with %r and a HINT, got rc=%d %r" % (what, needle, rc, err))


bad("empty text", ["translate", "--model", M, "--text", ""], "empty")
bad("all-space text", ["translate", "--model", M, "--text", "   "], "empty")
bad("no --text", ["translate", "--model", M], "--text")
bad("missing model", ["translate", "--model", ORACLE + "/no_such", "--text", "a"], "no_such")
bad("missing encoder_attn", ["translate", "--model", ORACLE + "/marian_bad/missing_encoder_attn", "--text", "a"],
    "encoder_attn.k_proj.weight")
bad("wrong shape", ["translate", "--model", ORACLE + "/marian_bad/wrong_shape", "--text", "a"], "fc1.weight")
bad("unknown activation", ["dump", "--model", ORACLE + "/marian_bad/unknown_activation", "--text", "a"], "mish")
bad("pre-LN", ["translate", "--model", ORACLE + "/marian_bad/pre_ln", "--text", "a"], "normalize_before")
bad("generate on a Marian model", ["generate", "--model", M, "--text", "a"], "encoder-decoder")
bad("missing source.spm", ["translate", "--model", ORACLE + "/marian_bad/missing_spm", "--text", "a"], "source.spm")
bad("target.spm not a ModelProto", ["translate", "--model", ORACLE + "/marian_bad/spm_not_modelproto", "--text", "a"],
    "not a SentencePiece model")
bad("vocab.json disagrees", ["translate", "--model", ORACLE + "/marian_bad/vocab_disagrees", "--text", "a"],
    "is missing")
bad("unknown kind", ["dump", "--model", M, "--text", "a", "--kind", "sideways"], "--kind")
bad("export: unknown kind", ["export", "--model", M, "--text", "a", "--kind", "sideways", "--layer", "0", "--head",
                              "0", "--out", "/tmp/x.png"], "--kind")
bad("export: head out of range", ["export", "--model", M, "--text", "a", "--kind", "encoder", "--layer", "0",
                                   "--head", "7", "--out", os.path.join(tmpd, "x.png")], "head 7")
bad("export: no --out", ["export", "--model", M, "--text", "a", "--layer", "0", "--head", "0"], "--out")
bad("beam too wide", ["translate", "--model", M, "--text", "a", "--beam", "20"], "--beam 20")
bad("invalid UTF-8", ["translate", "--model", M, "--text", "a\udcff".encode("utf-8", "surrogateescape")], "UTF-8")
import shutil
shutil.rmtree(tmpd, ignore_errors=True)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
