/* bias_per_batch.c — see bias_per_batch.h. */
#include "ops/bias_per_batch.h"
#include "ops/common.h"

void op_bias_per_batch_record(gpu_recorder *rec, const tensor *x, const tensor *e) {
    int64_t B = x->shape[0], C = x->shape[x->rank - 1];
    uint64_t range = gpu_context_caps(gpu_recorder_context(rec))->max_storage_buffer_range;
    if (e->rank != 2 || e->shape[0] != B || e->shape[1] != C || e->dtype != x->dtype || tensor_bytes(x) > range) {
        char xs[80], es[80];
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: bias_per_batch: x %s, e %s (expected e [B, C] of x's dtype, x within one %llu-byte "
                               "binding)",
                               op_shape_text(x, xs, sizeof xs), op_shape_text(e, es, sizeof es), (unsigned long long)range));
        return;
    }
    gpu_pipeline_desc desc = {.shader = OP_SHADER(BIAS_PER_BATCH, x->dtype),
                              .binding_count = 2,
                              .push_size = 12};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, p, c;
    } push = {(uint32_t)tensor_count(x), (uint32_t)(tensor_count(x) / (B * C)), (uint32_t)C};
    gpu_binding b[2] = {op_bind(x, true), op_bind(e, false)};
    op_dispatch_groups(rec, pipeline, b, 2, &push, sizeof push, ((uint64_t)push.n + 255) / 256, "bias_per_batch");
}
