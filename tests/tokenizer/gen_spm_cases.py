#!/usr/bin/python3
"""gen_spm_cases.py -- small SentencePiece models and their expected pieces.

Trains three unigram .spm models and one BPE model with Debian's python3-sentencepiece (0.1.97)
on ../shared/corpus/parallel/bible_en_es.tsv (English and Spanish verses),
with fixed seeds and one thread, and encodes a fixed list of >= 300 strings
with each. attnscope's own SentencePiece (src/engine/tokenizer_spm.c) must give
the same pieces, ids and decoded text; tests/test_tokenizer_spm.c compares.

    /usr/bin/python3 tests/tokenizer/gen_spm_cases.py ../shared tests/tokenizer

writes into tests/tokenizer/:
  spm_nfkc.model        unigram, nmt_nfkc, unknown characters -> <unk>
  spm_nfkc_bytes.model  unigram, nmt_nfkc, byte fallback, user-defined symbols
  spm_identity.model    unigram, no normalization table, no dummy prefix,
                        extra whitespace kept
  spm_bpe.model         BPE, nmt_nfkc, byte fallback
  spm_vocab.json        a Marian vocab.json for spm_nfkc_bytes.model, ordered
                        as Marian's are (</s>, <unk>, the pieces, <pad> last),
                        so ids differ from the .spm ids
  spm_cases.jsonl       one case per line (see below)

Each line of spm_cases.jsonl: {"model", "kind", "hex" (input bytes),
"text" (input for humans; invalid bytes shown as U+FFFD), "pieces_hex"
(the pieces' UTF-8 bytes, hex), "ids" (.spm ids), "decoded_hex"
(sp.decode(ids)), and for spm_nfkc_bytes "marian_ids" (pieces through
spm_vocab.json, unknown pieces -> <unk>, then </s>) and "marian_decoded_hex"
(what MarianTokenizer.decode(..., skip_special_tokens=True) gives: the
non-special pieces through sp.decode_pieces, U+2581 -> space, stripped)}.
Invalid UTF-8 input is passed to sentencepiece as bytes; it replaces each
invalid byte with U+FFFD and goes on.

Deterministic: re-running it reproduces the committed files.
"""
import json
import os
import sys

import sentencepiece as spm

SEED = 1909


def corpus_lines(shared):
    path = os.path.join(shared, "corpus", "parallel", "bible_en_es.tsv")
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    return rows


def train(rows, out_dir, tmp, name, model_type="unigram", **kw):
    text = os.path.join(tmp, "spm_train.txt")
    with open(text, "w", encoding="utf-8") as f:
        for ref, en, es in rows[::4]:  # every 4th verse keeps training fast
            f.write(en + "\n" + es + "\n")
    spm.set_random_generator_seed(SEED)
    prefix = os.path.join(tmp, name)
    spm.SentencePieceTrainer.train(input=text, model_prefix=prefix, model_type=model_type,
                                   num_threads=1, minloglevel=2, input_sentence_size=0,
                                   shuffle_input_sentence=False, **kw)
    with open(prefix + ".model", "rb") as f:
        blob = f.read()
    with open(os.path.join(out_dir, name + ".model"), "wb") as f:
        f.write(blob)
    return spm.SentencePieceProcessor(model_file=os.path.join(out_dir, name + ".model"))


def cases(rows):
    """(kind, bytes) for every string to encode."""
    out = []
    # Verses: English and Spanish, whole and cut mid-word.
    for i in range(0, len(rows), len(rows) // 60):
        ref, en, es = rows[i]
        out.append(("verse_en", en.encode()))
        out.append(("verse_es", es.encode()))
        out.append(("verse_cut", es[: len(es) // 3].encode()))
    # Old Spanish orthography, accents, punctuation.
    for s in ["fué", "á", "crió", "Y dijo Dios: Sea la luz: y fué la luz.", "¿Qué es esto?", "¡Ay de mí!",
              "Jehová", "JEHOVÁ", "niño año señor", "pingüino", "Noemí y Booz", "Pablo á Filemón",
              "él, ella; ellos: «así»", "—dijo—", "“quoted” ‘single’", "God’s", "it's", "e.g. etc...",
              "a-b_c/d\\e", "(paréntesis) [corchetes] {llaves}", "50% & $3.50 @home #tag",
              "Ruth 1:16", "Filemón 1:1-3", "Génesis 1:1", "ÁÉÍÓÚÜÑ", "áéíóúüñ", "Ç ç à è ì ò ù",
              "Ελληνικά", "Русский текст", "עברית", "العربية", "中文字符", "日本語のテキスト", "한국어",
              "emoji 😀👍🏽", "🇪🇸", "x" * 40, "ab" * 30]:
        out.append(("crafted", s.encode()))
    # Digits.
    for s in ["0", "7", "42", "1909", "3.14159", "12,345,678", "2020-01-01", "v1.2.3", "007", "1st 2nd 3rd",
              "Ⅳ Ⅻ", "½ ¾ ⅓", "²³¹", "①②③", "٣٤٥", "१२३"]:
        out.append(("digits", s.encode()))
    # Whitespace: runs, leading, trailing, tabs, newlines, only spaces, empty.
    for s in ["", " ", "  ", "\t", "\n", "\r\n", " \t \n ", "a", " a", "a ", "  a  ", "a  b", "a   b    c",
              "a\tb", "a\nb", "a\n\nb", "a \n b", "   leading", "trailing   ", "  both  ends  ",
              "en\u00a0dash", "thin\u2009space", "ideo\u3000space", "zero\u200bwidth", "soft\u00adhyphen",
              "line\u2028sep", "nel\u0085x", "\u00a0", "\u3000\u3000", "\u200b", "a\u200b\u200bb",
              " " * 10 + "x" + " " * 10, "\t\tx\t\t", "x\u000by\u000cz"]:
        out.append(("whitespace", s.encode()))
    # NFKC-relevant: full-width, ligatures, compatibility, combining marks.
    for s in ["ＡＢＣ１２３", "Ｈｅｌｌｏ　Ｗｏｒｌｄ", "ﬁnal ﬂow ﬀ ﬃ", "Æsop œuvre", "ǅ ǈ ǋ", "™ ℠ ©",
              "Å Ω K", "ｶﾀｶﾅ", "㍻ ㎏ ㎞", "e\u0301", "n\u0303", "A\u030a", "cafe\u0301", "\u0301alone",
              "ﬅ", "…", "‥", "⁇ ⁈", "µ", "ſ", "ﬀ", "℃ ℉", "¼", "Ⓐ ⓐ", "𝐀𝐁𝐂 𝑥𝑦𝑧", "ｆｕé", "＂ｑｕｏｔｅ＂",
              "！？", "，．：；", "（括弧）", "～", "－", "\ufeffbom", "ǲ", "ﬆ", "ʰ", "ᵃ", "℡", "№ 5"]:
        out.append(("nfkc", s.encode()))
    # Control characters.
    for s in ["a\x00b", "\x01\x02\x03", "bell\x07", "del\x7f", "esc\x1b[0m", "\x1f"]:
        out.append(("control", s.encode()))
    # Invalid UTF-8.
    for b in [b"\xff", b"\xfe\xff", b"abc\xc3", b"\xc3(", b"\xa0\xa1", b"\xe2\x82", b"\xe2\x82(", b"\xed\xa0\x80",
              b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\xf4\x90\x80\x80", b"fu\xe9", b"a\x80b\x80c",
              b"\xc3\xa1\xff\xc3\xa1", b" \xff ", b"\xf0\x9f\x98", b"ni\xf1o", b"\xef\xbf\xbd", b"\xe0\x80\x80",
              b"\xc2"]:
        out.append(("invalid_utf8", b))
    # User-defined symbols (the bytes model has <sep> and Jehová as such).
    for s in ["<sep>", "a<sep>b", "<sep><sep>", "Jehová dijo", "JehováJehová", "< sep >", "<se"]:
        out.append(("user_defined", s.encode()))
    return out


def marian_vocab(sp):
    """A Marian-style vocab.json: </s>, <unk>, then the other pieces in .spm
    order (control pieces but </s> left out), <pad> last."""
    vocab = {"</s>": 0, "<unk>": 1}
    for i in range(sp.get_piece_size()):
        p = sp.id_to_piece(i)
        if sp.is_control(i) or sp.is_unknown(i):
            continue
        vocab[p] = len(vocab)
    vocab["<pad>"] = len(vocab)
    return vocab


def marian_decode(sp, inv, specials, ids):
    """MarianTokenizer.decode(ids, skip_special_tokens=True)."""
    pieces = [inv[i] for i in ids if inv[i] not in specials]
    return sp.decode_pieces(pieces).replace("\u2581", " ").strip()


def main():
    shared, out_dir = sys.argv[1], sys.argv[2]
    rows = corpus_lines(shared)
    tmp = os.path.join(out_dir, ".spm_tmp")
    os.makedirs(tmp, exist_ok=True)
    models = {
        "spm_nfkc": train(rows, out_dir, tmp, "spm_nfkc", vocab_size=1000,
                          normalization_rule_name="nmt_nfkc", character_coverage=0.999),
        "spm_nfkc_bytes": train(rows, out_dir, tmp, "spm_nfkc_bytes", vocab_size=1300,
                                normalization_rule_name="nmt_nfkc", byte_fallback=True,
                                character_coverage=0.999, user_defined_symbols=["<sep>", "Jehová"]),
        "spm_identity": train(rows, out_dir, tmp, "spm_identity", vocab_size=800,
                              normalization_rule_name="identity", add_dummy_prefix=False,
                              remove_extra_whitespaces=False, character_coverage=0.9995),
        "spm_bpe": train(rows, out_dir, tmp, "spm_bpe", model_type="bpe", vocab_size=1200,
                         normalization_rule_name="nmt_nfkc", byte_fallback=True, character_coverage=0.999),
    }
    for f in os.listdir(tmp):
        os.remove(os.path.join(tmp, f))
    os.rmdir(tmp)
    sp_b = models["spm_nfkc_bytes"]
    vocab = marian_vocab(sp_b)
    with open(os.path.join(out_dir, "spm_vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False, indent=1)
    inv = {v: k for k, v in vocab.items()}
    specials = {"</s>", "<unk>", "<pad>"}
    n = 0
    with open(os.path.join(out_dir, "spm_cases.jsonl"), "w", encoding="utf-8") as f:
        for name, sp in models.items():
            for kind, b in cases(rows):
                pieces = sp.encode(b, out_type=str)
                ids = sp.encode(b)
                assert len(pieces) == len(ids)
                case = {"model": name, "kind": kind, "hex": b.hex(),
                        "text": b.decode("utf-8", errors="replace"),
                        "pieces_hex": [p.hex() if isinstance(p, bytes) else p.encode().hex() for p in pieces],
                        "ids": ids, "decoded_hex": sp.decode(ids).encode().hex()}
                if name == "spm_nfkc_bytes":
                    pstr = [p.decode() if isinstance(p, bytes) else p for p in pieces]
                    mids = [vocab.get(p, vocab["<unk>"]) for p in pstr] + [vocab["</s>"]]
                    case["marian_ids"] = mids
                    case["marian_decoded_hex"] = marian_decode(sp, inv, specials, mids).encode().hex()
                f.write(json.dumps(case, ensure_ascii=False) + "\n")
                n += 1
    print("wrote %d cases" % n, file=sys.stderr)


if __name__ == "__main__":
    main()
