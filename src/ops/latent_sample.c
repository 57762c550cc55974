/* latent_sample.c — see latent_sample.h. */
#include <math.h>

#include "ops/common.h"
#include "ops/latent_sample.h"

static uint64_t groups_of_256(uint64_t invocations) { return (invocations + 255) / 256; }

void op_latent_sample_record(gpu_recorder *rec, const tensor *moments, const tensor *noise, float scale,
                             const tensor *out) {
    int64_t C = out->rank == 4 ? out->shape[3] : 0;
    int64_t per = C ? tensor_count(out) / out->shape[0] : 0;
    if (out->rank != 4 || moments->rank != 4 || moments->shape[0] != 1 || moments->shape[3] != 2 * C ||
        moments->shape[1] != out->shape[1] || moments->shape[2] != out->shape[2] || noise->dtype != DTYPE_F32 ||
        out->dtype != DTYPE_F32 || tensor_count(noise) != per || C == 0) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: latent_sample: moments, noise and output disagree"));
        return;
    }
    char name[64];
    gpu_pipeline_desc desc = {.shader = shader_name(name, sizeof name, "latent_sample", moments->dtype),
                              .binding_count = 3,
                              .push_size = 16};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, per, C;
        float scale;
    } push = {(uint32_t)tensor_count(out), (uint32_t)per, (uint32_t)C, scale};
    gpu_binding b[3] = {op_bind(moments, false), op_bind(noise, false), op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, b, 3, &push, sizeof push, groups_of_256(push.n), "latent_sample");
}

void op_latent_sample_reference(const float *moments, const float *noise, float scale, int64_t B, int64_t pixels,
                                int64_t C, float *out) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t p = 0; p < pixels; p++)
            for (int64_t c = 0; c < C; c++) {
                float mean = moments[p * 2 * C + c], logvar = moments[p * 2 * C + C + c];
                logvar = logvar < -30.0f ? -30.0f : logvar > 20.0f ? 20.0f : logvar;
                out[(b * pixels + p) * C + c] = scale * (mean + expf(0.5f * logvar) * noise[p * C + c]);
            }
}

void op_latent_blend_record(gpu_recorder *rec, const op_blend_bindings *bb, uint32_t index, bool use_state) {
    const tensor *x = bb->x;
    int64_t n = tensor_count(x), C = x->rank == 4 ? x->shape[3] : 0, pixels = C ? x->shape[1] * x->shape[2] : 0;
    if (x->rank != 4 || x->dtype != DTYPE_F32 || bb->x0->dtype != DTYPE_F32 || bb->noise->dtype != DTYPE_F32 ||
        tensor_count(bb->x0) != n || tensor_count(bb->noise) != n || (bb->mask && tensor_count(bb->mask) != pixels) ||
        (use_state && !bb->state) || !bb->coeffs) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: latent_blend: latents, image latents, noise and mask disagree"));
        return;
    }
    gpu_pipeline_desc desc = {.shader = "latent_blend", .binding_count = 6, .push_size = 24};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, C, pixels, index, use_state, has_mask;
    } push = {(uint32_t)n, (uint32_t)C, (uint32_t)pixels, index, use_state, bb->mask != NULL};
    /* Unused bindings (state without use_state, mask without has_mask) point at a real buffer. */
    gpu_binding b[6] = {{bb->coeffs, 0, 0, false}, {use_state ? bb->state : bb->coeffs, 0, 0, false},
                        op_bind(x, true), op_bind(bb->x0, false), op_bind(bb->noise, false),
                        op_bind(bb->mask ? bb->mask : bb->x0, false)};
    op_dispatch_groups(rec, pipeline, b, 6, &push, sizeof push, groups_of_256((uint64_t)n), "latent_blend");
}

void op_latent_blend_reference(float alpha, float beta, const float *x0, const float *noise, const float *mask,
                               int64_t n, int64_t C, int64_t pixels, float *x) {
    for (int64_t i = 0; i < n; i++) {
        float known = alpha * x0[i] + beta * noise[i];
        float m = mask ? mask[(i / C) % pixels] : 0.0f;
        x[i] = m * x[i] + (1.0f - m) * known;
    }
}
