/* taesd_pointwise.c — see taesd_pointwise.h. */
#include <math.h>

#include "ops/common.h"
#include "ops/taesd_pointwise.h"

void op_taesd_pointwise_record(gpu_recorder *rec, op_taesd_mode mode, float a, float b, const tensor *x,
                               const tensor *out) {
    if ((unsigned)mode > OP_TAESD_AFFINE || tensor_count(x) > UINT32_MAX || tensor_count(out) != tensor_count(x) ||
        out->dtype != x->dtype) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: taesd_pointwise: unknown mode %d or tensor too large", (int)mode));
        return;
    }
    gpu_pipeline_desc desc = {.shader = OP_SHADER(TAESD_POINTWISE, x->dtype),
                              .binding_count = 2,
                              .push_size = 16};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, mode;
        float a, b;
    } push = {(uint32_t)tensor_count(x), (uint32_t)mode, a, b};
    gpu_binding bind[2] = {op_bind(x, false), op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, bind, 2, &push, sizeof push, (push.n + 255) / 256, "taesd_pointwise");
}

