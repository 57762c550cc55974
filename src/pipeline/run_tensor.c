/* run_tensor.c — see run_tensor.h. */
#include <stdlib.h>
#include <string.h>

#include "core/f16.h"
#include "pipeline/run_tensor.h"

pixeen_status run_tensor_create(gpu_context *ctx, tensor_dtype dtype, uint32_t rank, const int64_t *shape,
                                const char *label, tensor *t) {
    memset(t, 0, sizeof *t);
    t->dtype = dtype;
    t->rank = rank;
    for (uint32_t i = 0; i < rank; i++) t->shape[i] = shape[i];
    return gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(t), label, &t->buffer);
}

pixeen_status run_tensor_upload(gpu_context *ctx, tensor_dtype dtype, uint32_t rank, const int64_t *shape,
                                const void *values, const char *label, tensor *t) {
    PX_TRY(run_tensor_create(ctx, dtype, rank, shape, label, t));
    if (dtype != DTYPE_F16) return gpu_buffer_upload(ctx, t->buffer, 0, values, tensor_bytes(t));
    size_t n = (size_t)tensor_count(t);
    uint16_t *h = malloc(n * 2);
    if (!h) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "%s: out of host memory", label);
    f32_to_f16_array(h, values, n);
    pixeen_status st = gpu_buffer_upload(ctx, t->buffer, 0, h, tensor_bytes(t));
    free(h);
    return st;
}

void nchw_to_nhwc(const float *in, float *out, int64_t B, int64_t C, int64_t HW) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t i = 0; i < HW; i++) out[(b * HW + i) * C + c] = in[(b * C + c) * HW + i];
}

void nhwc_to_nchw(const float *in, float *out, int64_t B, int64_t C, int64_t HW) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t i = 0; i < HW; i++) out[(b * C + c) * HW + i] = in[(b * HW + i) * C + c];
}
