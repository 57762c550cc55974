/* reference_sampler_step.c — see reference_sampler_step.h. */
#include "ops/reference_sampler_step.h"

void ref_sampler_step(const sampler_step *step, const float *x, const float *model_out, float *prev_denoised,
                      const float *noise, float *out, size_t n) {
    const int use_prev = (step->flags & SAMPLER_STEP_USE_PREV) != 0;
    const int keep = (step->flags & SAMPLER_STEP_KEEP_DENOISED) != 0;
    const int use_noise = step->d != 0.0f;
    for (size_t i = 0; i < n; i++) {
        float xi = x[i];
        float denoised = step->dn_x * xi + step->dn_eps * model_out[i];
        float y = step->a * xi + step->b * denoised;
        if (use_prev) y += step->c * prev_denoised[i];
        if (use_noise) y += step->d * noise[i];
        if (keep) prev_denoised[i] = denoised;
        out[i] = y;
    }
}
