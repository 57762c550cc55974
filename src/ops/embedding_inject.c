/* embedding_inject.c — see embedding_inject.h. */
#include "ops/embedding_inject.h"

#include "ops/common.h"

void op_embedding_inject_record(gpu_recorder *rec, const tensor *side_index, const tensor *side, const tensor *pos,
                                const tensor *out) {
    int64_t B = side_index->shape[0], T = side_index->rank == 2 ? side_index->shape[1] : 0, D = side->shape[1];
    if (side_index->dtype != DTYPE_I32 || side_index->rank != 2 || side->dtype != DTYPE_F16 || side->rank != 2 ||
        out->rank != 3 || out->shape[0] != B || out->shape[1] != T || out->shape[2] != D ||
        (pos && (pos->dtype != DTYPE_F16 || pos->shape[1] != D || pos->shape[0] < T)) ||
        (uint64_t)tensor_bytes(out) > gpu_context_caps(gpu_recorder_context(rec))->max_storage_buffer_range) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: embedding inject: index [%lld, %lld], side [%lld, %lld], out rank %u: shapes do not fit",
                               (long long)B, (long long)T, (long long)side->shape[0], (long long)D, out->rank));
        return;
    }
    gpu_pipeline_desc desc = {.shader = OP_SHADER(EMBEDDING_INJECT, out->dtype),
                              .binding_count = 4, .push_size = 20};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, d, t, rows, has_pos;
    } push = {(uint32_t)(B * T * D), (uint32_t)D, (uint32_t)T, (uint32_t)side->shape[0], pos != NULL};
    /* without position embeddings the side table is bound twice: the shader does not read binding 2 */
    gpu_binding bindings[4] = {op_bind(side_index, false), op_bind(side, false), op_bind(pos ? pos : side, false),
                               op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, bindings, 4, &push, sizeof push, ((uint64_t)push.n + 255) / 256, "embedding_inject");
}

