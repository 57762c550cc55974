/* lora_merge.c — see lora_merge.h. */
#include "ops/lora_merge.h"

#include "ops/bind.h"
#include "ops/common.h"
#include "ops/gemm.h"

void op_lora_merge_record(gpu_recorder *rec, const tensor *w, int64_t n, int64_t k, int64_t rank, const tensor *up,
                          const tensor *down_t, const tensor *delta, float scale) {
    gpu_context *ctx = gpu_recorder_context(rec);
    const gpu_caps *caps = gpu_context_caps(ctx);
    if (n <= 0 || k <= 0 || rank <= 0 || w->dtype != DTYPE_F16 || up->dtype != DTYPE_F32 ||
        down_t->dtype != DTYPE_F32 || delta->dtype != DTYPE_F32 || tensor_count(w) != n * k ||
        tensor_count(up) != n * rank || tensor_count(down_t) != rank * k || tensor_count(delta) < n * k ||
        (uint64_t)(n * k) > UINT32_MAX || tensor_bytes(w) > caps->max_storage_buffer_range) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: lora merge: weight of %lld elements as [%lld, %lld], up %lld, down %lld, delta %lld "
                               "elements, rank %lld (expected an fp16 weight of n*k elements, fp32 up n*rank, down "
                               "rank*k, delta >= n*k)",
                               (long long)tensor_count(w), (long long)n, (long long)k, (long long)tensor_count(up),
                               (long long)tensor_count(down_t), (long long)tensor_count(delta), (long long)rank));
        return;
    }
    /* delta [n, k] = up [n, R] @ down [R, k], i.e. x = up, w = down^T [k, R] */
    tensor x = *up, wt = *down_t, d = *delta;
    x.rank = 2, x.shape[0] = n, x.shape[1] = rank;
    wt.rank = 2, wt.shape[0] = k, wt.shape[1] = rank;
    d.rank = 2, d.shape[0] = n, d.shape[1] = k;
    op_matmul_record(rec, &x, &wt, NULL, NULL, &d, NULL);

    gpu_pipeline_desc desc = {.shader = op_shader_name(SHADER_LORA_MERGE), .binding_count = 2,
                              .bindings = {GPU_BIND_STORAGE, GPU_BIND_TEXEL_F32}, .push_size = 16};
    gpu_pipeline *pipe = op_pipeline(rec, &desc);
    if (!pipe) return;
    uint64_t wskip, dskip;
    gpu_binding bind[2] = {
        bind_range(ctx, BIND_STORAGE, 2, w->buffer, w->offset, tensor_bytes(w), true, &wskip),
        bind_range(ctx, BIND_TEXEL, 4, delta->buffer, delta->offset, (uint64_t)(n * k) * 4, false, &dskip),
    };
    struct {
        uint32_t n;
        float scale;
        uint32_t w_off, d_off;
    } push = {(uint32_t)(n * k), scale, (uint32_t)(wskip / 2), (uint32_t)(dskip / 4)};
    op_dispatch_groups(rec, pipe, bind, 2, &push, sizeof push, ((uint64_t)(n * k) + 255) / 256, "lora_merge");
}
