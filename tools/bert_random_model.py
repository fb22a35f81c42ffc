#!/usr/bin/python3
"""bert_random_model.py -- a small random BertForMaskedLM with the real
bert-base-uncased WordPiece vocabulary, for the encoder-mode screenshots
(tools/screenshots.sh) while no trained BERT is shipped.

Usage: /usr/bin/python3 tools/bert_random_model.py VOCAB_TXT OUT_DIR

Writes OUT_DIR/{config.json, model.safetensors, vocab.txt}: 4 layers x 4
heads, hidden 64, 128 positions, F16 (about 4 MB), fixed seed. The weights
are random: the maps and fill-ins show the app, not a trained model. Built
from tests/oracle/bert_oracle.py's Hugging Face layout writer.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "oracle"))
import bert_oracle  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bert_random_model.py VOCAB_TXT OUT_DIR")
    with open(sys.argv[1], encoding="utf-8") as f:
        vocab = [line.rstrip("\n") for line in f]
    cfg = bert_oracle.config(4, 4, 64, 128, 128, len(vocab), 2)
    p = bert_oracle.random_bert(np.random.default_rng(11), cfg, True)
    t, _ = bert_oracle.stored(p, "F16", "bert.", False, True, False)
    bert_oracle.write_model(sys.argv[2], cfg, t, vocab=vocab)
    print("wrote", sys.argv[2])


if __name__ == "__main__":
    main()
