/* lora_merge.c — see lora_merge.h. */
#include "ops/lora_merge.h"

#include "ops/bind.h"
#include "ops/common.h"

void op_lora_merge_record(gpu_recorder *rec, const tensor *w, int64_t n, int64_t k, int64_t rank, const tensor *up,
                          const tensor *down, float scale) {
    gpu_context *ctx = gpu_recorder_context(rec);
    const gpu_caps *caps = gpu_context_caps(ctx);
    if (n <= 0 || k <= 0 || rank <= 0 || w->dtype != DTYPE_F16 || up->dtype != DTYPE_F32 || down->dtype != DTYPE_F32 ||
        tensor_count(w) != n * k || tensor_count(up) != n * rank || tensor_count(down) != rank * k ||
        (uint64_t)(n * k) > UINT32_MAX || tensor_bytes(w) > caps->max_storage_buffer_range) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: lora merge: weight of %lld elements as [%lld, %lld], up %lld, down %lld elements, "
                               "rank %lld (expected an fp16 weight of n*k elements, fp32 up n*rank and down rank*k)",
                               (long long)tensor_count(w), (long long)n, (long long)k, (long long)tensor_count(up),
                               (long long)tensor_count(down), (long long)rank));
        return;
    }
    gpu_pipeline_desc desc = {.shader = "lora_merge", .binding_count = 3,
                              .bindings = {GPU_BIND_STORAGE, GPU_BIND_TEXEL_F32, GPU_BIND_TEXEL_F32}, .push_size = 28};
    gpu_pipeline *pipe = op_pipeline(rec, &desc);
    if (!pipe) return;
    uint64_t wskip, uskip, dskip;
    gpu_binding bind[3] = {
        bind_range(ctx, BIND_STORAGE, 2, w->buffer, w->offset, tensor_bytes(w), true, &wskip),
        bind_range(ctx, BIND_TEXEL, 4, up->buffer, up->offset, tensor_bytes(up), false, &uskip),
        bind_range(ctx, BIND_TEXEL, 4, down->buffer, down->offset, tensor_bytes(down), false, &dskip),
    };
    struct {
        uint32_t n, k, rank;
        float scale;
        uint32_t w_off, up_off, down_off;
    } push = {(uint32_t)n, (uint32_t)k, (uint32_t)rank, scale, (uint32_t)(wskip / 2), (uint32_t)(uskip / 4),
              (uint32_t)(dskip / 4)};
    op_dispatch_groups(rec, pipe, bind, 3, &push, sizeof push, ((uint64_t)(n * k) + 255) / 256, "lora_merge");
}
