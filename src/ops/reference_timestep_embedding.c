/* reference_timestep_embedding.c — see reference_timestep_embedding.h. */
#include "ops/reference_timestep_embedding.h"

#include <math.h>

void ref_timestep_embedding(const float *timesteps, size_t rows, size_t dim, bool flip_sin_to_cos,
                            float downscale_freq_shift, float scale, float max_period, float *out) {
    size_t half = dim / 2;
    for (size_t r = 0; r < rows; r++) {
        for (size_t k = 0; k < half; k++) {
            /* torch: exponent = -log(max_period) * arange(half) (fp32) / (half - shift); exp; t * emb; scale * emb */
            float exponent = -logf(max_period) * (float)k;
            exponent = exponent / ((float)half - downscale_freq_shift);
            float arg = timesteps[r] * expf(exponent);
            arg = scale * arg;
            float s = (float)sin((double)arg), c = (float)cos((double)arg);
            out[r * dim + k] = flip_sin_to_cos ? c : s;
            out[r * dim + half + k] = flip_sin_to_cos ? s : c;
        }
        if (dim % 2) out[r * dim + dim - 1] = 0;
    }
}
