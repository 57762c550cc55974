/* reference_embedding_inject.c — see reference_embedding_inject.h. */
#include "ops/reference_embedding_inject.h"

void ref_embedding_inject(const int32_t *side_index, int64_t B, int64_t T, const float *side, int64_t S, int64_t D,
                          const float *pos, float *out) {
    for (int64_t r = 0; r < B * T; r++) {
        int32_t s = side_index[r];
        if (s < 0 || s >= S) continue;
        for (int64_t c = 0; c < D; c++) out[r * D + c] = side[s * D + c] + (pos ? pos[(r % T) * D + c] : 0.0f);
    }
}
