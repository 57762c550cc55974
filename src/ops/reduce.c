/* reduce.c — sum of a tensor, by repeated workgroup reduction (1024 elements -> 1 per pass). */
#include "ops/common.h"

static void reduce_pass(gpu_recorder *rec, const tensor *x, uint64_t n, gpu_buffer *dst, uint64_t dst_offset) {
    gpu_context *ctx = gpu_recorder_context(rec);
    gpu_pipeline_desc desc = {
        .shader = OP_SHADER(REDUCE_SUM, x->dtype),
        .binding_count = 2,
        .bindings = {GPU_BIND_STORAGE, GPU_BIND_STORAGE},
        .push_size = 4,
    };
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    uint64_t groups = (n + 1023) / 1024;
    uint32_t push = (uint32_t)n, gx, gy;
    gpu_binding bindings[2] = {
        {x->buffer, x->offset, n * dtype_size(x->dtype), false},
        {dst, dst_offset, groups * 4, true},
    };
    gpu_groups_2d(ctx, groups, &gx, &gy);
    gpu_record_dispatch(rec, pipeline, bindings, 2, &push, sizeof push, gx, gy, 1, "reduce_sum");
}

/* Levels of partial sums are laid out one after another in the scratch, each starting at a
 * 256-byte boundary (every device's storage-offset alignment divides 256). */
static uint64_t level_stride_floats(uint64_t count) { return (count * 4 + 255) / 256 * 64; }

uint64_t op_reduce_sum_scratch(uint64_t n) {
    uint64_t total = 0;
    for (uint64_t level = (n + 1023) / 1024;; level = (level + 1023) / 1024) {
        total += level_stride_floats(level);
        if (level == 1) return total;
    }
}

void op_reduce_sum_record(gpu_recorder *rec, const tensor *x, const tensor *out) {
    const gpu_caps *caps = gpu_context_caps(gpu_recorder_context(rec));
    uint64_t n = (uint64_t)tensor_count(x);
    if (out->dtype != DTYPE_F32 || n == 0 || (uint64_t)tensor_count(out) < op_reduce_sum_scratch(n) ||
        n * dtype_size(x->dtype) > caps->max_storage_buffer_range) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: reduce_sum: input of %llu elements needs %llu fp32 scratch elements (got %lld) "
                               "and must fit one storage binding",
                               (unsigned long long)n, (unsigned long long)op_reduce_sum_scratch(n),
                               (long long)tensor_count(out)));
        return;
    }
    uint64_t partials = (n + 1023) / 1024, level_offset = 0;
    reduce_pass(rec, x, n, out->buffer, out->offset);
    while (partials > 1) {
        tensor level = {out->buffer, out->offset + level_offset * 4, DTYPE_F32, 1, {(int64_t)partials}};
        uint64_t next_offset = level_offset + level_stride_floats(partials);
        reduce_pass(rec, &level, partials, out->buffer, out->offset + next_offset * 4);
        level_offset = next_offset;
        partials = (partials + 1023) / 1024;
    }
    if (level_offset) gpu_record_copy(rec, out->buffer, out->offset + level_offset * 4, out->buffer, out->offset, 4);
}
