/* reference_sampler.c — see reference_sampler.h. */
#include "ops/reference_sampler.h"

void ref_sampler_step(const sampler_scalars *s, const float *model_out, bool cfg, float *x, float *prev,
                      const float *noise, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float eps = model_out[i];
        if (cfg) eps = eps + s->guidance * (model_out[n + i] - eps);
        float den = s->alpha_x * x[i] + s->alpha_e * eps;
        float next = s->a * x[i] + s->b * den;
        if (prev) {
            next += s->c * prev[i];
            prev[i] = den;
        }
        if (noise) next += s->d * noise[i];
        x[i] = next;
    }
}

void ref_sampler_scale_input(const sampler_scalars *s, const float *x, size_t n, size_t copies, float *x_in) {
    for (size_t k = 0; k < copies; k++)
        for (size_t i = 0; i < n; i++) x_in[k * n + i] = s->c_in * x[i];
}

void ref_scale_shift(const float *x, size_t n, float scale, float shift, float *out) {
    for (size_t i = 0; i < n; i++) out[i] = x[i] * scale + shift;
}
