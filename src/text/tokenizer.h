/* tokenizer.h — the CLIP byte-level BPE tokenizer, reproducing Hugging Face transformers'
 * CLIPTokenizer exactly in its "basic" mode (ftfy not installed):
 *   1. split out the special tokens <|startoftext|> and <|endoftext|> written in the text;
 *   2. BERT BasicTokenizer clean-up: drop NUL, U+FFFD and control/format characters, turn
 *      whitespace into spaces, put spaces around CJK ideographs, collapse whitespace, lower-case;
 *   3. CLIP's pattern  <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+
 *      (done by hand with the classes of text/unicode.h);
 *   4. each piece as bytes mapped to printable characters (GPT-2's bytes_to_unicode), BPE with
 *      the merges' ranks and "</w>" on the last symbol, then the vocabulary's ids (unknown -> unk).
 * Left out: Unicode NFC normalisation (HF applies it: decomposed accents in a prompt would
 * differ), ftfy's fixes and html unescaping (the "ftfy"/"openai" modes of the fixtures), added
 * tokens beyond the special ones.
 * Entry points: tokenizer_load (a folder with vocab.json + merges.txt [+ tokenizer_config.json,
 * special_tokens_map.json]), tokenizer_load_memory, tokenizer_free, tokenizer_encode (no start/end),
 * tokenizer_encode_padded (HF's padding="max_length", truncation=True), tokenizer_piece. */
#ifndef PIXEEN_TEXT_TOKENIZER_H
#define PIXEEN_TEXT_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* CLIP's context: 77 positions = start + 75 tokens + end. */
#define TOKENIZER_CONTEXT 77
/* A prompt longer than 64 KiB is not a prompt; the bound keeps BPE's quadratic worst case small. */
#define TOKENIZER_MAX_TEXT (64u << 10)

typedef struct tokenizer tokenizer;

pixeen_status tokenizer_load(const char *dir, tokenizer **out);
/* config_json may be NULL (then pad = end token, as SD 1.x). Bytes are copied. */
pixeen_status tokenizer_load_memory(const char *vocab_json, size_t vocab_len, const char *merges,
                                    size_t merges_len, const char *config_json, size_t config_len,
                                    tokenizer **out);
void tokenizer_free(tokenizer *t);

int32_t tokenizer_bos(const tokenizer *t);
int32_t tokenizer_eos(const tokenizer *t);
int32_t tokenizer_pad(const tokenizer *t);
int32_t tokenizer_vocab_size(const tokenizer *t); /* largest id + 1 */
/* The vocabulary string of an id (byte-encoded, e.g. "photo</w>"), or NULL. */
const char *tokenizer_piece(const tokenizer *t, int32_t id);

/* Appends the ids of `text` (UTF-8, len bytes; no start/end tokens) to *ids (grown; the caller
 * releases it with secure_free(*ids, *count * sizeof **ids): ids spell the prompt) and updates
 * *count. Invalid UTF-8 is PIXEEN_ERROR_INVALID_ARGUMENT. */
pixeen_status tokenizer_encode(const tokenizer *t, const char *text, size_t len, int32_t **ids, size_t *count);

/* HF's tokenizer(text, padding="max_length", max_length=77, truncation=True): start, the first
 * 75 ids, end, then the pad token. *n_ids (optional) gets the untruncated count without start/end. */
pixeen_status tokenizer_encode_padded(const tokenizer *t, const char *text, size_t len,
                                      int32_t out[TOKENIZER_CONTEXT], size_t *n_ids);

#endif
