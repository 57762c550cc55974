/* sampler_step.c — see sampler_step.h, shaders/sampler_input.comp and
 * sampler_update.comp. */
#include "ops/sampler_step.h"

#include "ops/abi/sampler_input_push.h"
#include "ops/abi/sampler_update_push.h"
#include "ops/common.h"

static gpu_binding whole(gpu_buffer *b, bool write) { return (gpu_binding){b, 0, 0, write}; }

void op_sampler_input_record(gpu_recorder *rec, const op_sampler_bindings *s, uint32_t halves, const tensor *unet_in,
                             const tensor *t) {
    int64_t n = tensor_count(s->x);
    if (s->x->dtype != DTYPE_F32 || tensor_count(unet_in) != n * halves || t->dtype != DTYPE_F32 ||
        tensor_count(t) != unet_in->shape[0]) {
        char xs[80], us[80], ts[80];
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: sampler_input: latents %s (%s), UNet input %s "
                               "(expected %u x the latents' values), "
                               "timesteps %s (%s; expected one per UNet input row)",
                               op_shape_text(s->x, xs, sizeof xs), s->x->dtype == DTYPE_F32 ? "f32" : "not f32",
                               op_shape_text(unet_in, us, sizeof us), halves, op_shape_text(t, ts, sizeof ts),
                               t->dtype == DTYPE_F32 ? "f32" : "not f32"));
        return;
    }
    gpu_pipeline_desc desc = {.shader = OP_SHADER(SAMPLER_INPUT, unet_in->dtype),
                              .binding_count = 5,
                              .push_size = SAMPLER_INPUT_PUSH_SIZE};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    sampler_input_push push = {(uint32_t)n, halves, (uint32_t)tensor_count(t)};
    gpu_binding b[5] = {whole(s->plan, false), whole(s->state, false), op_bind(s->x, false), op_bind(unet_in, true),
                        op_bind(t, true)};
    uint64_t invocations = (uint64_t)n > push.rows ? (uint64_t)n : push.rows;
    op_dispatch_groups(rec, pipeline, b, 5, &push, sizeof push, op_groups_of_256(invocations), "sampler_input");
}

void op_sampler_update_record(gpu_recorder *rec, const op_sampler_bindings *s, uint32_t halves, float guidance,
                              const tensor *model_out, const tensor *prev, const tensor *noise, uint32_t noise_steps) {
    int64_t n = tensor_count(s->x);
    if (tensor_count(model_out) != n * halves || tensor_count(prev) != n || prev->dtype != DTYPE_F32 ||
        noise->dtype != DTYPE_F32 || (noise_steps && tensor_count(noise) < n * noise_steps)) {
        char xs[80], ms[80], ps[80];
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: sampler_update: latents %s, model output %s "
                               "(expected %u x the latents' %lld values), "
                               "previous %s %s (expected the latents' shape, f32), "
                               "noise of %lld values %s (expected %lld "
                               "for %u steps, f32)",
                               op_shape_text(s->x, xs, sizeof xs), op_shape_text(model_out, ms, sizeof ms), halves,
                               (long long)n, op_shape_text(prev, ps, sizeof ps),
                               prev->dtype == DTYPE_F32 ? "f32" : "not f32", (long long)tensor_count(noise),
                               noise->dtype == DTYPE_F32 ? "f32" : "not f32", (long long)n * noise_steps, noise_steps));
        return;
    }
    gpu_pipeline_desc desc = {.shader = OP_SHADER(SAMPLER_UPDATE, model_out->dtype),
                              .binding_count = 6,
                              .push_size = SAMPLER_UPDATE_PUSH_SIZE};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    sampler_update_push push = {(uint32_t)n, halves, guidance, noise_steps};
    gpu_binding b[6] = {whole(s->plan, false),     whole(s->state, false), op_bind(s->x, true),
                        op_bind(model_out, false), op_bind(prev, true),    op_bind(noise, false)};
    op_dispatch_groups(rec, pipeline, b, 6, &push, sizeof push, op_groups_of_256((uint64_t)n), "sampler_update");
}
