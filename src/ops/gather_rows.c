/* gather_rows.c — see gather_rows.h and shaders/gather_rows.comp. */
#include "ops/gather_rows.h"

#include "ops/common.h"

void op_gather_rows_record(gpu_recorder *rec, const tensor *rows, const tensor *x, const tensor *out) {
    int64_t R = rows->shape[0], N = x->shape[0], D = x->shape[1];
    if (rows->dtype != DTYPE_I32 || rows->rank != 1 || x->rank != 2 || out->rank != 2 || out->shape[0] != R ||
        out->shape[1] != D || out->dtype != x->dtype || R * D > UINT32_MAX || N > UINT32_MAX) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: gather_rows: rows [%lld], x [%lld,%lld]: shapes do not fit",
                               (long long)R, (long long)N, (long long)D));
        return;
    }
    if (!op_fits_binding(rec, x, "gather_rows") || !op_fits_binding(rec, out, "gather_rows")) return;
    gpu_pipeline_desc desc = {
        .shader = OP_SHADER(GATHER_ROWS, x->dtype), .binding_count = 3, .push_size = 12};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, d, rows;
    } push = {(uint32_t)(R * D), (uint32_t)D, (uint32_t)N};
    gpu_binding bindings[3] = {op_bind(rows, false), op_bind(x, false), op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, bindings, 3, &push, sizeof push, ((uint64_t)push.n + 255) / 256, "gather_rows");
}
