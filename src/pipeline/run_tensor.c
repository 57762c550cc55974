/* run_tensor.c — see run_tensor.h. */
#include <string.h>

#include "pipeline/run_tensor.h"

pixeen_status run_tensor_create(gpu_context *ctx, tensor_dtype dtype, uint32_t rank, const int64_t *shape,
                                const char *label, tensor *t) {
    memset(t, 0, sizeof *t);
    t->dtype = dtype;
    t->rank = rank;
    for (uint32_t i = 0; i < rank; i++) t->shape[i] = shape[i];
    return gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(t), label, &t->buffer);
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
