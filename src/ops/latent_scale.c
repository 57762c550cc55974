/* latent_scale.c — see latent_scale.h and shaders/latent_scale.comp. */
#include "ops/latent_scale.h"

#include "ops/common.h"

void op_latent_scale_record(gpu_recorder *rec, const tensor *x, float scale, const tensor *out) {
    if (x->dtype != DTYPE_F32 || tensor_count(out) != tensor_count(x)) {
        char xs[80], os[80];
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: latent_scale: x %s (%s), out %s (expected x "
                               "f32, as many values)",
                               op_shape_text(x, xs, sizeof xs), x->dtype == DTYPE_F32 ? "f32" : "not f32",
                               op_shape_text(out, os, sizeof os)));
        return;
    }
    gpu_pipeline_desc desc = {
        .shader = OP_SHADER(LATENT_SCALE, out->dtype), .binding_count = 2, .push_size = 8};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n;
        float scale;
    } push = {(uint32_t)tensor_count(x), scale};
    gpu_binding b[2] = {op_bind(x, false), op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, b, 2, &push, sizeof push, op_groups_of_256(push.n), "latent_scale");
}
