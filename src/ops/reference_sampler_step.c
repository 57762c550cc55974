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

void ref_sampler_input(const sampler_step *step, const float *x, size_t n, uint32_t halves, float *unet_in, float *t,
                       size_t rows) {
    for (size_t r = 0; r < rows; r++) t[r] = step->timestep;
    for (uint32_t h = 0; h < halves; h++)
        for (size_t i = 0; i < n; i++) unet_in[h * n + i] = step->c_in * x[i];
}

void ref_guidance(const float *uncond, const float *cond, float guidance, size_t n, float *out) {
    for (size_t i = 0; i < n; i++) out[i] = uncond[i] + guidance * (cond[i] - uncond[i]);
}
