#!/usr/bin/python3
"""chrf.py -- chrF, our own implementation (Popovic 2015, as sacrebleu's
default chrF: character n-grams n = 1..6, beta = 2, spaces removed).

Formula: over the whole corpus, for each order n sum the character n-gram
counts of the hypotheses (H_n), of the references (R_n) and their clipped
matches (M_n = sum over n-grams of min(count in hyp, count in ref), per
sentence). P_n = M_n / H_n, R_n = M_n / R_n,
F_n = (1 + b^2) P_n R_n / (b^2 P_n + R_n). chrF = 100 * mean over the orders
with H_n > 0 and R_n > 0 of F_n.

    /usr/bin/python3 tools/train_mt/chrf.py HYP.txt REF.txt     (one line each)
"""
import sys
from collections import Counter

ORDER, BETA = 6, 2.0


def ngrams(s, n):
    s = s.replace(" ", "")
    return Counter(s[i:i + n] for i in range(len(s) - n + 1))


def chrf(hyps, refs):
    assert len(hyps) == len(refs)
    tot = [[0, 0, 0] for _ in range(ORDER)]
    for h, r in zip(hyps, refs):
        for n in range(1, ORDER + 1):
            hc, rc = ngrams(h, n), ngrams(r, n)
            t = tot[n - 1]
            t[0] += sum(hc.values())
            t[1] += sum(rc.values())
            t[2] += sum(min(c, rc[g]) for g, c in hc.items())
    fs = []
    for H, R, M in tot:
        if H == 0 or R == 0:
            continue
        p, r = M / H, M / R
        b2 = BETA * BETA
        fs.append((1 + b2) * p * r / (b2 * p + r) if p + r > 0 else 0.0)
    return 100.0 * sum(fs) / len(fs) if fs else 0.0


def self_test():
    assert abs(chrf(["the cat"], ["the cat"]) - 100.0) < 1e-9
    assert chrf(["xyz"], ["abc"]) == 0.0
    assert 0 < chrf(["the cat sat"], ["the cat sits"]) < 100


if __name__ == "__main__":
    self_test()
    if len(sys.argv) == 3:
        hyp = open(sys.argv[1], encoding="utf-8").read().splitlines()
        ref = open(sys.argv[2], encoding="utf-8").read().splitlines()
        print("chrF2 = %.2f on %d lines" % (chrf(hyp, ref), len(hyp)))
    else:
        print("chrf.py: self-test passed; usage: chrf.py HYP.txt REF.txt")
