/* token_embedding.c — see token_embedding.h. */
#include <stdbool.h>
#include <stdint.h>

#include "ops/common.h"
#include "ops/token_embedding.h"

static bool fits_binding(gpu_recorder *rec, const tensor *t, const char *op) {
    if (tensor_bytes(t) > gpu_context_caps(gpu_recorder_context(rec))->max_storage_buffer_range) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: %s: a %llu-byte tensor exceeds one storage binding", op,
                               (unsigned long long)tensor_bytes(t)));
        return false;
    }
    return true;
}

void op_embedding_record(gpu_recorder *rec, const tensor *ids, const tensor *table, const tensor *pos,
                         const tensor *out) {
    int64_t B = ids->shape[0], T = ids->shape[1], D = table->shape[1];
    if (ids->dtype != DTYPE_I32 || table->dtype != DTYPE_F16 || out->rank != 3 || out->shape[0] != B ||
        out->shape[1] != T || out->shape[2] != D || (pos && (pos->shape[1] != D || pos->shape[0] < T))) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: embedding: ids [%lld,%lld], table [%lld,%lld]: shapes do not fit",
                               (long long)B, (long long)T, (long long)table->shape[0], (long long)D));
        return;
    }
    if (!fits_binding(rec, table, "embedding") || !fits_binding(rec, out, "embedding")) return;
    char name[64];
    gpu_pipeline_desc desc = {
        .shader = shader_name(name, sizeof name, "token_embedding", out->dtype),
        .binding_count = 4,
        .push_size = 20,
    };
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, d, t, vocab, has_pos;
    } push = {(uint32_t)(B * T * D), (uint32_t)D, (uint32_t)T, (uint32_t)table->shape[0], pos != NULL};
    /* without position embeddings the table is bound twice: the shader does not read binding 2 */
    gpu_binding bindings[4] = {op_bind(ids, false), op_bind(table, false), op_bind(pos ? pos : table, false),
                               op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, bindings, 4, &push, sizeof push, ((uint64_t)push.n + 255) / 256, "token_embedding");
}

void op_softmax_record(gpu_recorder *rec, const tensor *x, float scale, bool causal, int64_t rows_per_head) {
    int64_t n = x->shape[x->rank - 1], rows = tensor_count(x) / (n ? n : 1);
    if (n <= 0 || (causal && rows_per_head <= 0) || !fits_binding(rec, x, "softmax")) {
        if (n <= 0 || causal) op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: softmax: empty rows or no head length"));
        return;
    }
    char name[64];
    gpu_pipeline_desc desc = {
        .shader = shader_name(name, sizeof name, "softmax", x->dtype),
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
    op_dispatch_groups(rec, pipeline, &binding, 1, &push, sizeof push, ((uint64_t)rows + per_group - 1) / per_group, "softmax");
}

void op_permute_record(gpu_recorder *rec, const tensor *in, const int perm[4], float scale, const tensor *out) {
    bool ok = in->rank == 4 && out->rank == 4 && in->dtype == out->dtype;
    for (int i = 0; ok && i < 4; i++) ok = perm[i] >= 0 && perm[i] < 4 && out->shape[i] == in->shape[perm[i]];
    if (!ok) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: permute: output shape is not the permuted input shape"));
        return;
    }
    if (!fits_binding(rec, in, "permute") || !fits_binding(rec, out, "permute")) return;
    int64_t in_stride[4];
    in_stride[3] = 1;
    for (int i = 2; i >= 0; i--) in_stride[i] = in_stride[i + 1] * in->shape[i + 1];
    char name[64];
    gpu_pipeline_desc desc = {
        .shader = shader_name(name, sizeof name, "permute", in->dtype),
        .binding_count = 2,
        .push_size = 36,
    };
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, shape1, shape2, shape3, stride0, stride1, stride2, stride3;
        float scale;
    } push = {(uint32_t)tensor_count(out),         (uint32_t)out->shape[1],         (uint32_t)out->shape[2],
              (uint32_t)out->shape[3],             (uint32_t)in_stride[perm[0]], (uint32_t)in_stride[perm[1]],
              (uint32_t)in_stride[perm[2]],        (uint32_t)in_stride[perm[3]], scale};
    gpu_binding bindings[2] = {op_bind(in, false), op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, bindings, 2, &push, sizeof push, ((uint64_t)push.n + 255) / 256, "permute");
}

void op_gather_rows_record(gpu_recorder *rec, const tensor *rows, const tensor *x, const tensor *out) {
    int64_t R = rows->shape[0], N = x->shape[0], D = x->shape[1];
    if (rows->dtype != DTYPE_I32 || rows->rank != 1 || x->rank != 2 || out->rank != 2 || out->shape[0] != R ||
        out->shape[1] != D || out->dtype != x->dtype || R * D > UINT32_MAX || N > UINT32_MAX) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: gather_rows: rows [%lld], x [%lld,%lld]: shapes do not fit",
                               (long long)R, (long long)N, (long long)D));
        return;
    }
    if (!fits_binding(rec, x, "gather_rows") || !fits_binding(rec, out, "gather_rows")) return;
    char name[64];
    gpu_pipeline_desc desc = {.shader = shader_name(name, sizeof name, "gather_rows", x->dtype), .binding_count = 3,
                              .push_size = 12};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, d, rows;
    } push = {(uint32_t)(R * D), (uint32_t)D, (uint32_t)N};
    gpu_binding bindings[3] = {op_bind(rows, false), op_bind(x, false), op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, bindings, 3, &push, sizeof push, ((uint64_t)push.n + 255) / 256, "gather_rows");
}
