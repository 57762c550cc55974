/* sampler_step.c — see sampler_step.h. */
#include "ops/common.h"
#include "ops/sampler_step.h"
#include "sample/sampler.h"

/* Workgroups of 256 invocations covering `invocations`. */
static uint64_t groups_of_256(uint64_t invocations) { return (invocations + 255) / 256; }

static gpu_binding whole(gpu_buffer *b, bool write) { return (gpu_binding){b, 0, 0, write}; }

void op_sampler_input_record(gpu_recorder *rec, const op_sampler_bindings *s, uint32_t halves, const tensor *unet_in,
                             const tensor *t) {
    int64_t n = tensor_count(s->x);
    if (s->x->dtype != DTYPE_F32 || tensor_count(unet_in) != n * halves || t->dtype != DTYPE_F32 ||
        tensor_count(t) != unet_in->shape[0]) {
        char xs[80], us[80], ts[80];
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: sampler_input: latents %s (%s), UNet input %s (expected %u x the latents' values), "
                               "timesteps %s (%s; expected one per UNet input row)",
                               op_shape_text(s->x, xs, sizeof xs), s->x->dtype == DTYPE_F32 ? "f32" : "not f32",
                               op_shape_text(unet_in, us, sizeof us), halves, op_shape_text(t, ts, sizeof ts),
                               t->dtype == DTYPE_F32 ? "f32" : "not f32"));
        return;
    }
    char name[64];
    gpu_pipeline_desc desc = {.shader = shader_name(name, sizeof name, "sampler_input", unet_in->dtype),
                              .binding_count = 5,
                              .push_size = 12};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, halves, rows;
    } push = {(uint32_t)n, halves, (uint32_t)tensor_count(t)};
    gpu_binding b[5] = {whole(s->plan, false), whole(s->state, false), op_bind(s->x, false), op_bind(unet_in, true), op_bind(t, true)};
    uint64_t invocations = (uint64_t)n > push.rows ? (uint64_t)n : push.rows;
    op_dispatch_groups(rec, pipeline, b, 5, &push, sizeof push, groups_of_256(invocations), "sampler_input");
}

void op_sampler_update_record(gpu_recorder *rec, const op_sampler_bindings *s, uint32_t halves, float guidance,
                              const tensor *model_out, const tensor *prev, const tensor *noise, uint32_t noise_steps) {
    int64_t n = tensor_count(s->x);
    if (tensor_count(model_out) != n * halves || tensor_count(prev) != n || prev->dtype != DTYPE_F32 ||
        noise->dtype != DTYPE_F32 || (noise_steps && tensor_count(noise) < n * noise_steps)) {
        char xs[80], ms[80], ps[80];
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: sampler_update: latents %s, model output %s (expected %u x the latents' %lld values), "
                               "previous %s %s (expected the latents' shape, f32), noise of %lld values %s (expected %lld "
                               "for %u steps, f32)",
                               op_shape_text(s->x, xs, sizeof xs), op_shape_text(model_out, ms, sizeof ms), halves, (long long)n,
                               op_shape_text(prev, ps, sizeof ps), prev->dtype == DTYPE_F32 ? "f32" : "not f32",
                               (long long)tensor_count(noise), noise->dtype == DTYPE_F32 ? "f32" : "not f32",
                               (long long)n * noise_steps, noise_steps));
        return;
    }
    char name[64];
    gpu_pipeline_desc desc = {.shader = shader_name(name, sizeof name, "sampler_update", model_out->dtype),
                              .binding_count = 6,
                              .push_size = 16};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, halves;
        float guidance;
        uint32_t noise_steps;
    } push = {(uint32_t)n, halves, guidance, noise_steps};
    gpu_binding b[6] = {whole(s->plan, false), whole(s->state, false), op_bind(s->x, true),
                        op_bind(model_out, false),   op_bind(prev, true),           op_bind(noise, false)};
    op_dispatch_groups(rec, pipeline, b, 6, &push, sizeof push, groups_of_256((uint64_t)n), "sampler_update");
}

void op_latent_scale_record(gpu_recorder *rec, const tensor *x, float scale, const tensor *out) {
    if (x->dtype != DTYPE_F32 || tensor_count(out) != tensor_count(x)) {
        char xs[80], os[80];
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: latent_scale: x %s (%s), out %s (expected x f32, as many values)",
                               op_shape_text(x, xs, sizeof xs), x->dtype == DTYPE_F32 ? "f32" : "not f32",
                               op_shape_text(out, os, sizeof os)));
        return;
    }
    char name[64];
    gpu_pipeline_desc desc = {.shader = shader_name(name, sizeof name, "latent_scale", out->dtype),
                              .binding_count = 2,
                              .push_size = 8};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n;
        float scale;
    } push = {(uint32_t)tensor_count(x), scale};
    gpu_binding b[2] = {op_bind(x, false), op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, b, 2, &push, sizeof push, groups_of_256(push.n), "latent_scale");
}

void op_image_rgba8_record(gpu_recorder *rec, const tensor *image, gpu_buffer *out, uint64_t out_offset) {
    int64_t pixels = tensor_count(image) / 3;
    if (image->rank != 4 || image->shape[3] != 3 || out_offset + (uint64_t)pixels * 4 > gpu_buffer_size(out)) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: image_rgba8: expected [B, H, W, 3] and room for the pixels"));
        return;
    }
    char name[64];
    gpu_pipeline_desc desc = {.shader = shader_name(name, sizeof name, "image_rgba8", image->dtype),
                              .binding_count = 2,
                              .push_size = 4};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    uint32_t push = (uint32_t)pixels;
    gpu_binding b[2] = {op_bind(image, false), {out, out_offset, (uint64_t)pixels * 4, true}};
    op_dispatch_groups(rec, pipeline, b, 2, &push, sizeof push, groups_of_256(push), "image_rgba8");
}

void op_token_weights_record(gpu_recorder *rec, const tensor *z, const tensor *w) {
    if (z->rank != 3 || w->dtype != DTYPE_F32 || tensor_count(w) != z->shape[0] * z->shape[1]) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: token_weights: weights do not match the embeddings"));
        return;
    }
    char name[64];
    gpu_pipeline_desc desc = {.shader = shader_name(name, sizeof name, "token_weights", z->dtype),
                              .binding_count = 2,
                              .push_size = 16};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    uint32_t per_group = op_rows_per_subgroup_group(rec);
    struct {
        uint32_t rows, t, d, rows_per_group;
    } push = {(uint32_t)z->shape[0], (uint32_t)z->shape[1], (uint32_t)z->shape[2], per_group};
    gpu_binding b[2] = {op_bind(z, true), op_bind(w, false)};
    op_dispatch_groups(rec, pipeline, b, 2, &push, sizeof push, (push.rows + per_group - 1) / per_group, "token_weights");
}

_Static_assert(sizeof(sampler_step) == 64, "sampler_step must match shaders/common/sampler_step.glsl");
