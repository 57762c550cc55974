/* permute.c — see permute.h and shaders/permute.comp. */
#include "ops/permute.h"

#include "ops/common.h"

void op_permute_record(gpu_recorder *rec, const tensor *in, const int perm[4], float scale, const tensor *out) {
    bool ok = in->rank == 4 && out->rank == 4 && in->dtype == out->dtype;
    for (int i = 0; ok && i < 4; i++) ok = perm[i] >= 0 && perm[i] < 4 && out->shape[i] == in->shape[perm[i]];
    if (!ok) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: permute: output shape is not the permuted input shape"));
        return;
    }
    if (!op_fits_binding(rec, in, "permute") || !op_fits_binding(rec, out, "permute")) return;
    int64_t in_stride[4];
    in_stride[3] = 1;
    for (int i = 2; i >= 0; i--) in_stride[i] = in_stride[i + 1] * in->shape[i + 1];
    gpu_pipeline_desc desc = {
        .shader = OP_SHADER(PERMUTE, in->dtype),
        .binding_count = 2,
        .push_size = 36,
    };
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, shape1, shape2, shape3, stride0, stride1, stride2, stride3;
        float scale;
    } push = {(uint32_t)tensor_count(out),  (uint32_t)out->shape[1],      (uint32_t)out->shape[2],
              (uint32_t)out->shape[3],      (uint32_t)in_stride[perm[0]], (uint32_t)in_stride[perm[1]],
              (uint32_t)in_stride[perm[2]], (uint32_t)in_stride[perm[3]], scale};
    gpu_binding bindings[2] = {op_bind(in, false), op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, bindings, 2, &push, sizeof push, ((uint64_t)push.n + 255) / 256, "permute");
}
