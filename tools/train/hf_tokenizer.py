#!/usr/bin/env python3
"""Write the Hugging Face tokenizer files of a byte-level BPE model folder.

  hf_tokenizer.py models/pd-llama [--ctx 256]

From the folder's vocab.json + merges.txt (GPT-2 format, our trainer),
writes:
  tokenizer.json           the same BPE as a `tokenizers` file: ByteLevel
                           pre-tokenizer (GPT-2's regex, no prefix space),
                           ByteLevel decoder, <|endoftext|> as an added special
                           token, and a post-processor that puts it first (BOS),
                           as the model was trained;
  tokenizer_config.json    PreTrainedTokenizerFast, bos/eos <|endoftext|>;
  special_tokens_map.json
so `AutoTokenizer.from_pretrained` gives the ids attnscope gives (attnscope
reads vocab.json + merges.txt, or tokenizer.json alone, and adds BOS itself
for Llama models).
"""
import argparse
import json
import os

EOT = "<|endoftext|>"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--ctx", type=int, default=256)
    args = ap.parse_args()
    with open(os.path.join(args.folder, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(args.folder, "merges.txt"), encoding="utf-8") as f:
        merges = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#version")]
    eot = vocab[EOT]
    special = {"id": eot, "content": EOT, "single_word": False, "lstrip": False, "rstrip": False,
               "normalized": False, "special": True}
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": EOT, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": EOT, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": EOT, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {EOT: {"id": EOT, "ids": [eot], "tokens": [EOT]}},
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": merges},
    }
    with open(os.path.join(args.folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
        f.write("\n")
    cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": EOT, "eos_token": EOT,
           "unk_token": None, "pad_token": None, "add_bos_token": True, "add_eos_token": False,
           "clean_up_tokenization_spaces": False, "model_max_length": args.ctx,
           "added_tokens_decoder": {str(eot): special}}
    with open(os.path.join(args.folder, "tokenizer_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.folder, "special_tokens_map.json"), "w") as f:
        json.dump({"bos_token": EOT, "eos_token": EOT}, f, indent=2)
        f.write("\n")
    print(f"{args.folder}: tokenizer.json ({len(vocab)} tokens, {len(merges)} merges), "
          "tokenizer_config.json, special_tokens_map.json")


if __name__ == "__main__":
    main()
