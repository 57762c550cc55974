/* reference_latent_preview.c — see reference_latent_preview.h. */
#include "ops/reference_latent_preview.h"

#include <math.h>

void ref_latent_preview(const float *latents, uint64_t pixels, const op_preview_factors *factors, uint8_t *rgb) {
    for (uint64_t i = 0; i < pixels; i++)
        for (int k = 0; k < 3; k++) {
            float v = factors->bias[k];
            for (int c = 0; c < 4; c++) v += latents[4 * i + c] * factors->f[c][k];
            v = (v + 1.0f) * 0.5f;
            v = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
            rgb[3 * i + k] = (uint8_t)lrintf(v * 255.0f);
        }
}
