/* tensor.h — the descriptor operators take: a typed, shaped view of a GPU buffer range.
 * Shapes are listed outermost first, as PyTorch prints them ([B, C, H, W], [B, T, D]); the data is
 * dense and row-major (C order), which is the layout of safetensors and of every .npy we read. */
#ifndef PIXEEN_CORE_TENSOR_H
#define PIXEEN_CORE_TENSOR_H

#include <stdint.h>

typedef struct gpu_buffer gpu_buffer;

typedef enum tensor_dtype {
    DTYPE_F32 = 0,
    DTYPE_F16 = 1,
    DTYPE_I32 = 2, /* token ids */
} tensor_dtype;

#define TENSOR_MAX_RANK 4

typedef struct tensor {
    gpu_buffer *buffer;
    uint64_t offset; /* bytes into buffer */
    tensor_dtype dtype;
    uint32_t rank;
    int64_t shape[TENSOR_MAX_RANK];
} tensor;

static inline uint32_t dtype_size(tensor_dtype dtype) { return dtype == DTYPE_F16 ? 2 : 4; /* f32, i32 */ }

static inline int64_t tensor_count(const tensor *t) {
    int64_t n = 1;
    for (uint32_t i = 0; i < t->rank; i++) n *= t->shape[i];
    return n;
}

static inline uint64_t tensor_bytes(const tensor *t) { return (uint64_t)tensor_count(t) * dtype_size(t->dtype); }

#endif
