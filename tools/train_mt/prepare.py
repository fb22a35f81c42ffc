#!/usr/bin/python3
"""prepare.py -- data for the Spanish->English Marian model.

    /usr/bin/python3 tools/train_mt/prepare.py --corpus ../shared/corpus --work tools/train_mt/work \
        --out models/bible-es-en [--vocab-size 8000]

- Splits ../shared/corpus/parallel/bible_en_es.tsv by verse reference:
  test = the books of Ruth and Philemon, entirely (never trained on, never
  used for choosing anything); val = every 40th remaining verse; train = the
  rest. Writes work/{train,val,test}.tsv (ref, es, en).
- Trains ONE shared SentencePiece unigram model (nmt_nfkc, byte fallback) on
  the Spanish and English training text, with a fixed seed and one thread,
  and writes it as both OUT/source.spm and OUT/target.spm (a shared
  vocabulary: Spanish and English share names and numbers), plus a Marian
  vocab.json: </s> 0, <unk> 1, the pieces in .spm order, <pad> last.
- Encodes train and val into work/{train,val}.pt: lists of (src ids + </s>,
  tgt ids + </s>) in vocab.json ids, verses over --max-len tokens dropped.
"""
import argparse
import json
import os

import sentencepiece as spm
import torch

HELD_OUT = ("Ruth ", "Philemon ")


def split(corpus, work):
    rows = []
    with open(os.path.join(corpus, "parallel", "bible_en_es.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            ref, en, es = line.rstrip("\n").split("\t")
            rows.append((ref, es, en))
    parts = {"train": [], "val": [], "test": []}
    k = 0
    for r in rows:
        if r[0].startswith(HELD_OUT):
            parts["test"].append(r)
        else:
            parts["val" if k % 40 == 0 else "train"].append(r)
            k += 1
    for name, rs in parts.items():
        with open(os.path.join(work, name + ".tsv"), "w", encoding="utf-8") as f:
            for r in rs:
                f.write("\t".join(r) + "\n")
    return parts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="../shared/corpus")
    ap.add_argument("--work", default="tools/train_mt/work")
    ap.add_argument("--out", default="models/bible-es-en")
    ap.add_argument("--vocab-size", type=int, default=8000)
    ap.add_argument("--max-len", type=int, default=160)
    ap.add_argument("--seed", type=int, default=1909)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)
    parts = split(a.corpus, a.work)
    assert not any(r[0].startswith(HELD_OUT) for r in parts["train"] + parts["val"])
    text = os.path.join(a.work, "spm_input.txt")
    with open(text, "w", encoding="utf-8") as f:
        for ref, es, en in parts["train"]:
            f.write(es + "\n" + en + "\n")
    spm.set_random_generator_seed(a.seed)
    prefix = os.path.join(a.work, "spm")
    spm.SentencePieceTrainer.train(input=text, model_prefix=prefix, model_type="unigram", vocab_size=a.vocab_size,
                                   normalization_rule_name="nmt_nfkc", byte_fallback=True, num_threads=1,
                                   character_coverage=1.0, input_sentence_size=0, shuffle_input_sentence=False,
                                   minloglevel=2)
    blob = open(prefix + ".model", "rb").read()
    for name in ("source.spm", "target.spm"):
        with open(os.path.join(a.out, name), "wb") as f:
            f.write(blob)
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    vocab = {"</s>": 0, "<unk>": 1}
    for i in range(sp.get_piece_size()):
        if not (sp.is_control(i) or sp.is_unknown(i)):
            vocab[sp.id_to_piece(i)] = len(vocab)
    vocab["<pad>"] = len(vocab)
    with open(os.path.join(a.out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False, indent=1)

    def ids(text):
        return [vocab.get(p, 1) for p in sp.encode(text, out_type=str)] + [0]

    stats = {"vocab_size": len(vocab)}
    for name in ("train", "val"):
        pairs = [(ids(es), ids(en)) for ref, es, en in parts[name]]
        kept = [p for p in pairs if len(p[0]) <= a.max_len and len(p[1]) <= a.max_len]
        torch.save(kept, os.path.join(a.work, name + ".pt"))
        stats[name] = {"verses": len(pairs), "kept": len(kept),
                       "src_tokens": sum(len(p[0]) for p in kept), "tgt_tokens": sum(len(p[1]) for p in kept)}
    stats["test_verses"] = len(parts["test"])
    with open(os.path.join(a.work, "data_stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
