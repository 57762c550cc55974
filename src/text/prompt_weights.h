/* prompt_weights.h — AUTOMATIC1111's prompt syntax and 77-token chunking.
 *
 * Emphasis (modules/prompt_parser.py, parse_prompt_attention): "(text)" multiplies the weight of
 * its tokens by 1.1, "[text]" divides it by 1.1, "(text:1.3)" sets the factor to 1.3; brackets
 * nest and multiply; "\(", "\)", "\[", "\]", "\\" are literal; brackets left open apply to the end;
 * an unmatched ")" or "]" is literal text; "BREAK" (a whole word, in capitals) starts a new chunk.
 * Segments are tokenized separately (no start/end), as A1111 does.
 * Chunking (modules/sd_hijack_clip.py, tokenize_line): 75 tokens per chunk; when a chunk is full
 * and a comma appeared within its last 20 tokens (A1111's default comma_padding_backtrack = 20),
 * the tokens after that comma move to the next chunk. Each chunk is then start + 75 + end, padded
 * with the end token, and with the tokenizer's pad token after the first end token when the two
 * differ (A1111 does that for SD 2.x's OpenCLIP: pad id 0). Every chunk's weights are 1.0 on
 * start, end and padding.
 * Textual-inversion embeddings (text/embeddings.h): prompt_encode_embeddings replaces their names
 * by placeholder positions (token 0, as A1111) that `side` maps to side-table rows; an embedding is
 * never split across chunks (A1111 starts a new chunk when its vectors do not fit).
 * Left out: scheduling syntax ([a:b:0.5], [a|b]), AND.
 * A weight that does not parse as a number (e.g. "(x:1.2.3)", which makes A1111 raise) is literal
 * text here. Entry points: prompt_parse, prompt_segments_free, prompt_encode, prompt_chunks_free. */
#ifndef PIXEEN_TEXT_PROMPT_WEIGHTS_H
#define PIXEEN_TEXT_PROMPT_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text/embeddings.h"
#include "text/tokenizer.h"

/* A1111 constants: the factors of () and [], and how far back a comma may move the chunk break. */
#define PROMPT_ROUND_FACTOR 1.1
#define PROMPT_COMMA_BACKTRACK 20
#define PROMPT_CHUNK_TOKENS (TOKENIZER_CONTEXT - 2)
/* At most this many 77-token chunks per prompt (2400 tokens; BREAK starts a chunk). A1111 sets no
 * limit, but every chunk is one more text-encoder pass and 77 more keys in each cross-attention of
 * every step: a 400-chunk prompt took minutes and gigabytes on SD 1.5. Real prompts use 1 to 4. */
#define PROMPT_MAX_CHUNKS 32

typedef struct prompt_segment {
    char *text;    /* UTF-8, owned */
    size_t len;
    double weight; /* -1 with text "BREAK" marks a chunk break */
} prompt_segment;

pixeen_status prompt_parse(const char *text, size_t len, prompt_segment **segments, size_t *count);
void prompt_segments_free(prompt_segment *segments, size_t count);

typedef struct prompt_chunks {
    size_t count;                            /* >= 1 */
    int32_t (*ids)[TOKENIZER_CONTEXT];       /* [count][77] */
    float (*weights)[TOKENIZER_CONTEXT];     /* [count][77] */
    int32_t (*side)[TOKENIZER_CONTEXT];      /* [count][77] side-table row or -1; NULL without embeddings */
    size_t token_count;                      /* A1111's count shown as "n/75" */
} prompt_chunks;

pixeen_status prompt_encode(const tokenizer *tok, const char *text, size_t len, prompt_chunks *out);
/* The same, with the names of `set` replaced by their vectors' placeholders (set may be NULL). */
pixeen_status prompt_encode_embeddings(const tokenizer *tok, const char *text, size_t len, prompt_embedding_set *set,
                                       prompt_chunks *out);
void prompt_chunks_free(prompt_chunks *chunks);

#endif
