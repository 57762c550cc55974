/* token_weights.c — see token_weights.h and shaders/token_weights.comp. */
#include "ops/token_weights.h"

#include "ops/common.h"

void op_token_weights_record(gpu_recorder *rec, const tensor *z, const tensor *w) {
    if (z->rank != 3 || w->dtype != DTYPE_F32 || tensor_count(w) != z->shape[0] * z->shape[1]) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: token_weights: weights do not match the embeddings"));
        return;
    }
    gpu_pipeline_desc desc = {
        .shader = OP_SHADER(TOKEN_WEIGHTS, z->dtype), .binding_count = 2, .push_size = 16};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    uint32_t per_group = op_rows_per_subgroup_group(rec);
    struct {
        uint32_t rows, t, d, rows_per_group;
    } push = {(uint32_t)z->shape[0], (uint32_t)z->shape[1], (uint32_t)z->shape[2], per_group};
    gpu_binding b[2] = {op_bind(z, true), op_bind(w, false)};
    op_dispatch_groups(rec, pipeline, b, 2, &push, sizeof push, (push.rows + per_group - 1) / per_group,
                       "token_weights");
}
