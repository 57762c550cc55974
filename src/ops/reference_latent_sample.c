/* reference_latent_sample.c — see reference_latent_sample.h. */
#include "ops/reference_latent_sample.h"

#include <math.h>

void ref_latent_sample(const float *moments, const float *noise, float scale, int64_t B, int64_t pixels, int64_t C,
                       float *out) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t p = 0; p < pixels; p++)
            for (int64_t c = 0; c < C; c++) {
                float mean = moments[p * 2 * C + c], logvar = moments[p * 2 * C + C + c];
                logvar = logvar < -30.0f ? -30.0f : logvar > 20.0f ? 20.0f : logvar;
                out[(b * pixels + p) * C + c] = scale * (mean + expf(0.5f * logvar) * noise[p * C + c]);
            }
}
