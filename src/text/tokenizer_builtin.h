/* tokenizer_builtin.h — OpenAI's CLIP tokenizer, built into the library: the BPE merges of
 * third_party/clip-vocab (MIT, embedded at build time) and the vocabulary that follows from them,
 * built exactly as openai's SimpleTokenizer and Hugging Face's vocab.json order it:
 *   ids 0-255     the 256 byte symbols in bytes_to_unicode order (printable bytes first),
 *   ids 256-511   the same with "</w>",
 *   ids 512-49405 the 48894 merges, each the concatenation of its two parts,
 *   49406 <|startoftext|>, 49407 <|endoftext|>.
 * Every Stable Diffusion family's text encoders (OpenAI CLIP ViT-L, OpenCLIP ViT-H and ViT-bigG)
 * use this vocabulary; they differ only in the pad token ("!" for OpenCLIP, <|endoftext|> else).
 * Used when no tokenizer folder is given or found beside a model.
 * Entry points: tokenizer_load_builtin, tokenizer_builtin_vocab_size. */
#ifndef PIXEEN_TEXT_TOKENIZER_BUILTIN_H
#define PIXEEN_TEXT_TOKENIZER_BUILTIN_H

#include <stdbool.h>

#include "text/tokenizer.h"

/* The label tokenizer folders are named by in messages and `pixeen tokenize` output. */
#define TOKENIZER_BUILTIN_NAME "built-in CLIP vocabulary"

/* openclip_pad: pad with "!" (SD 2.x, SDXL's second encoder) instead of the end token. */
pixeen_status tokenizer_load_builtin(bool openclip_pad, tokenizer **out);

/* 49408: the size of the built-in vocabulary. */
int tokenizer_builtin_vocab_size(void);

#endif
