/* elementwise.c — binary operators with broadcasting (add, mul), split into windows so tensors
 * larger than the device's maxStorageBufferRange work. */
#include "ops/common.h"

/* Elements per window: the largest multiple of 256 (one workgroup) whose bytes fit the storage
 * range, so every window but the last is whole workgroups. */
static uint64_t window_elements(const gpu_context *ctx, tensor_dtype dtype) {
    uint64_t range = gpu_context_caps(ctx)->max_storage_buffer_range;
    uint64_t n = range / dtype_size(dtype);
    if (n > (1ull << 31)) n = 1ull << 31; /* indices stay in uint */
    return n / 256 * 256;
}

void op_binary_record(gpu_recorder *rec, op_binary_kind kind, const tensor *a, const tensor *b, uint64_t inner,
                      const tensor *out) {
    gpu_context *ctx = gpu_recorder_context(rec);
    int64_t n = tensor_count(a), nb = tensor_count(b);
    if (a->dtype != b->dtype || a->dtype != out->dtype || tensor_count(out) != n || nb <= 0 || inner == 0 ||
        nb > (int64_t)window_elements(ctx, b->dtype) || (uint64_t)n / inner > UINT32_MAX) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: binary: a has %lld elements, b %lld, out %lld, inner %llu: not broadcastable",
                               (long long)n, (long long)nb, (long long)tensor_count(out), (unsigned long long)inner));
        return;
    }
    gpu_pipeline_desc desc = {
        .shader = OP_SHADER(BINARY, a->dtype),
        .binding_count = 3,
        .bindings = {GPU_BIND_STORAGE, GPU_BIND_STORAGE, GPU_BIND_STORAGE},
        .push_size = 16,
        .spec_count = 1,
        .spec = {(uint32_t)kind},
    };
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    uint64_t window = window_elements(ctx, a->dtype);
    uint32_t esize = dtype_size(a->dtype);
    for (uint64_t base = 0; base < (uint64_t)n; base += window) {
        uint64_t count = (uint64_t)n - base < window ? (uint64_t)n - base : window;
        /* The broadcast index uses the global element index; for windows past 2^32 elements the
         * base is reduced modulo the broadcast period, which leaves j unchanged. */
        uint64_t period = inner * (uint64_t)nb;
        struct {
            uint32_t n, inner, nb, base;
        } push = {(uint32_t)count, (uint32_t)inner, (uint32_t)nb, (uint32_t)(base % period)};
        gpu_binding bindings[3] = {
            {a->buffer, a->offset + base * esize, count * esize, false},
            {b->buffer, b->offset, (uint64_t)nb * esize, false},
            {out->buffer, out->offset + base * esize, count * esize, true},
        };
        uint32_t gx, gy;
        gpu_groups_2d(ctx, (count + 255) / 256, &gx, &gy);
        gpu_record_dispatch(rec, pipeline, bindings, 3, &push, sizeof push, gx, gy, 1,
                            kind == OP_BINARY_ADD ? "add" : "mul");
    }
}
