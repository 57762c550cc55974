/* reference_lora_merge.c — see reference_lora_merge.h. */
#include "ops/reference_lora_merge.h"

#include "core/f16.h"

void ref_lora_merge(uint16_t *w, int64_t n, int64_t k, int64_t rank, const float *up, const float *down, float scale) {
    for (int64_t i = 0; i < n; i++)
        for (int64_t c = 0; c < k; c++) {
            float acc = 0.0f;
            for (int64_t j = 0; j < rank; j++) acc += up[i * rank + j] * down[j * k + c];
            w[i * k + c] = f32_to_f16(f16_to_f32(w[i * k + c]) + scale * acc);
        }
}
