/* common.c — see common.h. */
#include "ops/common.h"

void op_fail(gpu_recorder *rec, pixeen_status status) { gpu_recorder_fail(rec, status); }

gpu_pipeline *op_pipeline(gpu_recorder *rec, const gpu_pipeline_desc *desc) {
    gpu_pipeline *pipeline = NULL;
    pixeen_status status = gpu_pipeline_get(gpu_recorder_context(rec), desc, &pipeline);
    if (status != PIXEEN_OK) {
        op_fail(rec, status);
        return NULL;
    }
    return pipeline;
}

uint32_t op_rows_per_subgroup_group(gpu_recorder *rec) {
    const gpu_caps *caps = gpu_context_caps(gpu_recorder_context(rec));
    uint32_t widest = caps->max_subgroup_size > caps->subgroup_size ? caps->max_subgroup_size : caps->subgroup_size;
    return widest >= 64 || widest == 0 ? 1 : 64 / widest;
}

void op_dispatch_groups(gpu_recorder *rec, gpu_pipeline *pipeline, const gpu_binding *bindings, uint32_t count,
                        const void *push, uint32_t push_size, uint64_t groups, const char *label) {
    uint32_t gx, gy;
    gpu_groups_2d(gpu_recorder_context(rec), groups, &gx, &gy);
    gpu_record_dispatch(rec, pipeline, bindings, count, push, push_size, gx, gy, 1, label);
}

bool op_fits_binding(gpu_recorder *rec, const tensor *t, const char *op) {
    if (tensor_bytes(t) > gpu_context_caps(gpu_recorder_context(rec))->max_storage_buffer_range) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: %s: a %llu-byte tensor exceeds one storage binding", op,
                               (unsigned long long)tensor_bytes(t)));
        return false;
    }
    return true;
}
