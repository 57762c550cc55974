/* embeddings.c — see embeddings.h. */
#include "text/embeddings.h"

#include <stdlib.h>
#include <string.h>

pixeen_status prompt_embedding_set_add(prompt_embedding_set *set, const tokenizer *tok, const char *name, int32_t vectors) {
    if (vectors < 1 || vectors > TOKENIZER_CONTEXT - 2)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "embedding '%s': %d vectors (expected 1..75)", name, vectors);
    int32_t *ids = NULL;
    size_t n = 0;
    PX_TRY(tokenizer_encode(tok, name, strlen(name), &ids, &n));
    if (n == 0) {
        free(ids);
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "embedding '%s': the name has no tokens", name);
    }
    prompt_embedding *grown = realloc(set->items, (set->count + 1) * sizeof *grown);
    if (!grown) {
        free(ids);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "embedding: out of host memory");
    }
    set->items = grown;
    set->items[set->count++] = (prompt_embedding){ids, n, vectors, set->rows, 0};
    set->rows += vectors;
    return PIXEEN_OK;
}

void prompt_embedding_set_free(prompt_embedding_set *set) {
    for (size_t i = 0; set && i < set->count; i++) free(set->items[i].ids);
    if (set) free(set->items);
    if (set) memset(set, 0, sizeof *set);
}

prompt_embedding *prompt_embedding_match(const prompt_embedding_set *set, const int32_t *ids, size_t n, size_t at) {
    prompt_embedding *best = NULL;
    for (size_t i = 0; set && i < set->count; i++) {
        prompt_embedding *e = &set->items[i];
        if (e->id_count > n - at || (best && e->id_count <= best->id_count)) continue;
        if (!memcmp(e->ids, ids + at, e->id_count * sizeof *ids)) best = e;
    }
    return best;
}
