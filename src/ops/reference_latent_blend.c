/* reference_latent_blend.c — see reference_latent_blend.h. */
#include "ops/reference_latent_blend.h"

void ref_latent_blend(float alpha, float beta, const float *x0, const float *noise, const float *mask, int64_t n,
                      int64_t C, int64_t pixels, float *x) {
    for (int64_t i = 0; i < n; i++) {
        float known = alpha * x0[i] + beta * noise[i];
        float m = mask ? mask[(i / C) % pixels] : 0.0f;
        x[i] = m * x[i] + (1.0f - m) * known;
    }
}
