/* tokenizer.h — text <-> token ids, with byte offsets.
 *
 * Two families share this interface:
 *   - GPT-2 byte-level BPE (tokenizer_bpe.c): vocab.json + merges.txt, or a
 *     Hugging Face tokenizer.json whose model.type is "BPE". Pre-tokenizes
 *     with GPT-2's pattern (real Unicode categories via PCRE2), maps bytes
 *     through GPT-2's byte-to-unicode table, merges by rank.
 *   - SentencePiece-style BPE as in llama2.c's tokenizer.bin (tokenizer_sp.c):
 *     merges chosen by score, byte fallback <0xNN>, leading-space convention.
 *   - BERT's WordPiece (tokenizer_wordpiece.c): vocab.txt or a tokenizer.json
 *     with model.type "WordPiece"; BasicTokenizer normalization, [CLS]/[SEP],
 *     sentence pairs "A ||| B" with token types.
 *
 * Usage:
 *     Tokenizer *tok;
 *     if (tokenizer_load_gpt2(&tok, "m/vocab.json", "m/merges.txt", &err)) ...
 *     TokenList list;
 *     if (tokenizer_encode(tok, text, strlen(text), false, &list, &err)) ...
 *     for (size_t i = 0; i < list.n; i++) list.tokens[i].id ...
 *     token_list_free(&list);
 *     tokenizer_free(tok);
 */
#ifndef ENGINE_TOKENIZER_H
#define ENGINE_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef enum {
    TOKENIZER_BYTE_BPE,    /* GPT-2 byte-level BPE */
    TOKENIZER_SENTENCEPIECE, /* llama2.c / SentencePiece-style BPE */
    TOKENIZER_WORDPIECE,     /* BERT WordPiece */
    TOKENIZER_MARIAN         /* a SentencePiece .spm (unigram or BPE) + Marian vocab.json */
} TokenizerKind;

typedef struct {
    int id;
    size_t start, end; /* byte range [start, end) in the encoded text; an
                          added BOS token has start == end == 0 */
    int type;          /* token type (segment): 0, or 1 for a pair's B [SEP] */
} Token;

typedef struct {
    Token *tokens; /* (n) */
    size_t n;
} TokenList;

typedef struct Tokenizer Tokenizer;

/* Loads a GPT-2 byte-level BPE from HF vocab.json + merges.txt. */
int tokenizer_load_gpt2(Tokenizer **out, const char *vocab_json_path,
                        const char *merges_txt_path, EngineError *err);

/* Loads a Hugging Face tokenizer.json. model.type must be "BPE" (byte-level
 * GPT-2 or byte-fallback Llama) or "WordPiece" (BERT). */
int tokenizer_load_hf_json(Tokenizer **out, const char *tokenizer_json_path,
                           EngineError *err);

/* Loads a BERT WordPiece vocabulary: vocab.txt (one token per line, id =
 * line) and, if config_path is not NULL and the file exists, the casing
 * switches of tokenizer_config.json (do_lower_case, strip_accents,
 * tokenize_chinese_chars; default: uncased). The vocabulary must hold [UNK],
 * [CLS], [SEP] and [MASK]. */
int tokenizer_load_wordpiece(Tokenizer **out, const char *vocab_txt_path,
                             const char *config_path, EngineError *err);

/* WordPiece: with add_bos, text "A ||| B" encodes as a sentence pair. */
#define TOKENIZER_PAIR_SEPARATOR " ||| "

/* The [MASK] token's id (WordPiece), or -1 if the tokenizer has none. */
int tokenizer_mask_id(const Tokenizer *tok);

/* Cuts an encoded [CLS] A [SEP] (B [SEP]) list to max tokens as Hugging Face's
 * longest_first truncation does: one token at a time from the end of the
 * longer segment (B on ties), special tokens kept. Returns how many tokens
 * were dropped; 0 if it fits (or max cannot hold the special tokens). */
size_t token_list_truncate_pair(TokenList *list, size_t max);

/* Loads a llama2.c tokenizer.bin (SentencePiece-style, scores + byte fallback).
 * vocab_size is the model's; vocab_size <= 0 takes every token in the file. */
int tokenizer_load_llama2c(Tokenizer **out, const char *tokenizer_bin_path,
                           int vocab_size, EngineError *err);

/* Loads a Marian folder's tokenizer (tokenizer_marian.c): a SentencePiece
 * unigram .spm (source.spm to encode, target.spm to decode) whose pieces are
 * numbered by vocab.json, as transformers' MarianTokenizer. add_bos adds
 * nothing (Marian has no BOS; its models append tokenizer_eos_id). */
int tokenizer_load_marian(Tokenizer **out, const char *spm_path, const char *vocab_json_path,
                          EngineError *err);

/* Marian only: ids -> text as MarianTokenizer.decode(ids,
 * skip_special_tokens=True). *out is a NUL-terminated heap string (free())
 * of *out_len bytes (out_len may be NULL). */
int tokenizer_marian_decode(const Tokenizer *tok, const int *ids, size_t n, char **out, size_t *out_len,
                            EngineError *err);

void tokenizer_free(Tokenizer *tok);

/* Encodes len bytes of text. Text must be valid UTF-8: otherwise returns -1
 * with the byte offset of the first bad sequence in err. add_bos prepends the
 * BOS token (GPT-2: <|endoftext|>; llama: id 1); for WordPiece it adds
 * [CLS] ... [SEP] and reads "A ||| B" as a sentence pair (Token.type 0/1).
 * Empty text gives n == 0 (or just BOS). BPE: special-token text in the
 * input (a literal "<|endoftext|>") is never interpreted: it is encoded as
 * ordinary text, as OpenAI's encoder does; only add_bos yields the special
 * id. WordPiece: [MASK], [SEP] etc. spelled in the text are those tokens, as
 * in Hugging Face's BERT tokenizers. On success *out owns a heap array; free with token_list_free. */
int tokenizer_encode(const Tokenizer *tok, const char *text, size_t len,
                     bool add_bos, TokenList *out, EngineError *err);

void token_list_free(TokenList *list);

/* Cuts list to its last max tokens (text longer than the context), keeping
 * token 0 when keep_first (a BOS the model was trained with). Returns how
 * many tokens were dropped (0 if the list already fits). */
size_t token_list_keep_last(TokenList *list, size_t max, bool keep_first);

/* The bytes that token id stands for (after undoing the byte map / byte
 * fallback), NUL-terminated in buf, truncated to cap-1 bytes. Returns the
 * full byte length, or -1 for an id out of range. A token's bytes may be an
 * incomplete UTF-8 sequence (byte-level BPE splits characters). */
int tokenizer_decode_token(const Tokenizer *tok, int id, char *buf, size_t cap);

/* A printable label for token id: its bytes as UTF-8, with bytes that do not
 * form valid UTF-8 and control bytes (below 0x20, 0x7F) shown as \xNN, except
 * newline, carriage return and tab as \n, \r, \t; special tokens as they
 * are spelled (<|endoftext|>, <s>). For chips and axis labels. */
void tokenizer_token_label(const Tokenizer *tok, int id, char *buf, size_t cap);

int tokenizer_vocab_size(const Tokenizer *tok);
int tokenizer_bos_id(const Tokenizer *tok); /* -1 if none */
int tokenizer_eos_id(const Tokenizer *tok); /* -1 if none */
int tokenizer_pad_id(const Tokenizer *tok); /* Marian's <pad>; -1 if none */
TokenizerKind tokenizer_kind(const Tokenizer *tok);

/* UTF-8 helpers shared by the engine, the CLI and the app. */

/* Returns the byte offset of the first invalid UTF-8 sequence in s[0..len),
 * or len if s is valid (overlongs, surrogates and > U+10FFFF are invalid). */
size_t utf8_first_invalid(const char *s, size_t len);

/* Copies s into a new heap string (NUL-terminated), replacing each maximal
 * invalid subsequence with U+FFFD. *out_len gets the new length. Returns NULL
 * only when out of memory. */
char *utf8_sanitize(const char *s, size_t len, size_t *out_len);

#endif
