/* softmax.c — see softmax.h and shaders/softmax.comp. */
#include "ops/softmax.h"

#include "ops/common.h"

void op_softmax_record(gpu_recorder *rec, const tensor *x, float scale, bool causal, int64_t rows_per_head) {
    int64_t n = x->shape[x->rank - 1], rows = tensor_count(x) / (n ? n : 1);
    if (n <= 0 || (causal && rows_per_head <= 0) || !op_fits_binding(rec, x, "softmax")) {
        if (n <= 0 || causal)
            op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: softmax: empty rows or no head length"));
        return;
    }
    gpu_pipeline_desc desc = {
        .shader = OP_SHADER(SOFTMAX, x->dtype),
        .binding_count = 1,
        .push_size = 24,
    };
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    uint32_t per_group = op_rows_per_subgroup_group(rec);
    struct {
        uint32_t rows, n, rows_per_head, causal;
        float scale;
        uint32_t rows_per_group;
    } push = {(uint32_t)rows, (uint32_t)n, (uint32_t)(causal ? rows_per_head : 1), causal, scale, per_group};
    gpu_binding binding = op_bind(x, true);
    op_dispatch_groups(rec, pipeline, &binding, 1, &push, sizeof push, ((uint64_t)rows + per_group - 1) / per_group,
                       "softmax");
}
