/* reference_latent_scale.c — see reference_latent_scale.h. */
#include "ops/reference_latent_scale.h"

void ref_latent_scale(const float *x, size_t n, float scale, float *out) {
    for (size_t i = 0; i < n; i++) out[i] = x[i] * scale;
}
