/* embeddings.h — textual-inversion embeddings as the prompt sees them: each is a name (its file's
 * stem, tokenized like any prompt text) standing for `vectors` token positions whose embedding
 * vectors come from a side table (rows first_row .. first_row + vectors - 1), not from the
 * vocabulary. As AUTOMATIC1111's EmbeddingDatabase.find_embedding_at_position: at each position of
 * a tokenized segment, the embeddings whose name starts with that token are tried longest first,
 * and the first whose whole token sequence is there replaces it. prompt_encode_embeddings
 * (text/prompt_weights.h) then places the vectors (never split across 77-token chunks).
 * The vectors themselves are read by models/embedding_file.h and injected on the GPU
 * (ops/embedding_inject.h). Entry points: prompt_embedding_set_add, prompt_embedding_set_free,
 * prompt_embedding_match. */
#ifndef PIXEEN_TEXT_EMBEDDINGS_H
#define PIXEEN_TEXT_EMBEDDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "text/tokenizer.h"

typedef struct prompt_embedding {
    int32_t *ids;       /* the name, tokenized (no start/end), owned */
    size_t id_count;
    int32_t vectors;    /* positions it fills (1..75) */
    int32_t first_row;  /* in the side table */
    size_t uses;        /* times prompt_encode_embeddings placed it */
} prompt_embedding;

typedef struct prompt_embedding_set {
    prompt_embedding *items;
    size_t count;
    int32_t rows;       /* side-table rows so far (the sum of vectors) */
} prompt_embedding_set;

/* Adds `name` with `vectors` rows (appended to the side table). */
pixeen_status prompt_embedding_set_add(prompt_embedding_set *set, const tokenizer *tok, const char *name, int32_t vectors);
void prompt_embedding_set_free(prompt_embedding_set *set);
/* The embedding whose name's tokens start at ids[at] (longest first), or NULL. */
prompt_embedding *prompt_embedding_match(const prompt_embedding_set *set, const int32_t *ids, size_t n, size_t at);

#endif
