/* reference_token_embedding.c — see reference_token_embedding.h. */
#include "ops/reference_token_embedding.h"

void ref_token_embedding(const int32_t *ids, size_t rows, size_t t, const float *table, size_t vocab, const float *pos,
                         size_t d, float *out) {
    for (size_t r = 0; r < rows; r++) {
        size_t id = ids[r] >= 0 && (size_t)ids[r] < vocab ? (size_t)ids[r] : 0;
        for (size_t c = 0; c < d; c++) out[r * d + c] = table[id * d + c] + (pos ? pos[(r % t) * d + c] : 0.0f);
    }
}
