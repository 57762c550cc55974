/* finite_count.c — see finite_count.h and shaders/finite_count.comp. Tensors over one binding are checked in
 * windows of whole 1024-element workgroups. */
#include "ops/finite_count.h"

#include "ops/bind.h"
#include "ops/common.h"
#include "ops/window.h"

void op_finite_count_record(gpu_recorder *rec, const tensor *x, gpu_buffer *flags, uint32_t slot) {
    gpu_context *ctx = gpu_recorder_context(rec);
    int64_t n = tensor_count(x);
    if (n <= 0 || (x->dtype != DTYPE_F32 && x->dtype != DTYPE_F16) || !flags ||
        (uint64_t)(slot + 1) * 4 > gpu_buffer_size(flags) || x->offset % dtype_size(x->dtype)) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: finite_count: %lld elements of dtype %d at offset %llu, flag word %u of a %llu-byte "
                               "buffer (expected a non-empty f32/f16 tensor and a word inside the buffer)",
                               (long long)n, (int)x->dtype, (unsigned long long)x->offset, slot,
                               (unsigned long long)(flags ? gpu_buffer_size(flags) : 0)));
        return;
    }
    gpu_pipeline_desc desc = {.shader = OP_SHADER(FINITE_COUNT, x->dtype),
                              .binding_count = 2,
                              .bindings = {GPU_BIND_STORAGE, GPU_BIND_STORAGE},
                              .push_size = 12};
    gpu_pipeline *pipe = op_pipeline(rec, &desc);
    if (!pipe) return;
    uint32_t es = dtype_size(x->dtype);
    uint64_t per = window_elements_for(ctx, es) / 1024 * 1024;
    for (uint64_t first = 0; first < (uint64_t)n; first += per) {
        uint64_t count = (uint64_t)n - first < per ? (uint64_t)n - first : per, skip;
        /* whole 32-bit words: an fp16 window may start or end in the middle of one */
        uint64_t bytes = (count * es + 3) / 4 * 4 + 4;
        gpu_binding bind[2] = {bind_range(ctx, BIND_STORAGE, 4, x->buffer, x->offset + first * es, bytes, false, &skip),
                               {flags, 0, gpu_buffer_size(flags), true}};
        struct { uint32_t n, first, slot; } push = {(uint32_t)count, (uint32_t)(skip / es), slot};
        op_dispatch_groups(rec, pipe, bind, 2, &push, sizeof push, (count + 1023) / 1024, "finite_count");
    }
}
