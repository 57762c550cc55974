/* fuzz_tokenizer.c — the tokenizer's file readers and encoder on arbitrary bytes.
 * Input: VOCAB_JSON \0 MERGES \0 PROMPT. When the first two parts do not load (the usual case),
 * a small built-in vocabulary encodes PROMPT, through both the plain encoder and the A1111
 * prompt-weight parser. Invalid UTF-8 must be an error, never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/prompt_weights.h"
#include "text/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char builtin_vocab[] =
    "{\"a\":0,\"b\":1,\"c\":2,\",\":3,\"a</w>\":4,\"b</w>\":5,\"c</w>\":6,\",</w>\":7,\"ab\":8,\"ab</w>\":9,"
    "\"abc</w>\":10,\"\\u00c3\":11,\"\\u00a9</w>\":12,\"<|startoftext|>\":13,\"<|endoftext|>\":14}";
static const char builtin_merges[] = "#version: 0.2\na b\nab c</w>\na b</w>\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    const char *z1 = memchr(s, 0, size);
    const char *z2 = z1 ? memchr(z1 + 1, 0, size - (size_t)(z1 + 1 - s)) : NULL;
    tokenizer *tok = NULL;
    const char *prompt = s;
    size_t prompt_len = size;
    if (z1 && z2) {
        (void)tokenizer_load_memory(s, (size_t)(z1 - s), z1 + 1, (size_t)(z2 - z1 - 1), NULL, 0, &tok);
        prompt = z2 + 1;
        prompt_len = size - (size_t)(prompt - s);
    }
    if (!tok && tokenizer_load_memory(builtin_vocab, sizeof builtin_vocab - 1, builtin_merges,
                                      sizeof builtin_merges - 1, NULL, 0, &tok) != PIXEEN_OK)
        abort(); /* the built-in vocabulary must always load */
    int32_t *ids = NULL;
    size_t n = 0;
    (void)tokenizer_encode(tok, prompt, prompt_len, &ids, &n);
    for (size_t i = 0; i < n; i++) (void)tokenizer_piece(tok, ids[i]);
    free(ids);
    prompt_chunks ch;
    if (prompt_encode(tok, prompt, prompt_len, &ch) == PIXEEN_OK) prompt_chunks_free(&ch);
    tokenizer_free(tok);
    return 0;
}
