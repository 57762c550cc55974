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
    /* Weights kept in a ggml block type (GGUF models): DTYPE_QUANT + the ggml type number, data in
     * the GPU block layout of src/ops/quant.h. Only the quantized matmul reads them. */
    DTYPE_QUANT = 0x100,
} tensor_dtype;

static inline int tensor_dtype_is_quant(tensor_dtype dtype) { return dtype >= DTYPE_QUANT; }

/* Values per block of a quantized dtype; 0 for others. */
static inline uint32_t tensor_quant_block_elems(tensor_dtype dtype) {
    switch ((int)dtype - DTYPE_QUANT) {
    case 2: case 3: case 6: case 7: case 8: return 32;
    case 10: case 11: case 12: case 13: case 14: return 256;
    default: return 0;
    }
}
/* Bytes per block of a quantized dtype in the GPU layout's two parts (src/ops/quant.h): the level
 * bits (a whole number of 16-byte texels) and the scale record (2, 4, 8 or 16 bytes); 0 for others. */
static inline uint32_t tensor_quant_level_bytes(tensor_dtype dtype) {
    switch ((int)dtype - DTYPE_QUANT) {
    case 2: case 3: case 6: case 7: return 16; /* q4_0, q4_1, q5_0, q5_1 */
    case 8: return 32;                          /* q8_0 */
    case 10: return 80;                         /* q2_K */
    case 11: return 96;                         /* q3_K */
    case 12: return 128;                        /* q4_K */
    case 13: return 160;                        /* q5_K */
    case 14: return 208;                        /* q6_K */
    default: return 0;
    }
}
static inline uint32_t tensor_quant_scale_bytes(tensor_dtype dtype) {
    switch ((int)dtype - DTYPE_QUANT) {
    case 2: case 8: case 14: return 2; /* q4_0, q8_0, q6_K: fp16 d */
    case 3: case 10: return 4;         /* q4_1, q2_K: fp16 d, m */
    case 6: case 7: return 8;          /* q5_0, q5_1: d (m), fifth bits */
    case 11: case 12: case 13: return 16;
    default: return 0;
    }
}
/* Bytes of one row of `k` values (k a multiple of the block) in the GPU layout: the row's level
 * bits, then its scale records padded to 16 bytes, so that every row starts on a texel. */
static inline uint64_t tensor_quant_row_bytes(tensor_dtype dtype, uint64_t k) {
    uint32_t be = tensor_quant_block_elems(dtype);
    if (!be) return 0;
    uint64_t blocks = k / be;
    return blocks * tensor_quant_level_bytes(dtype) + (blocks * tensor_quant_scale_bytes(dtype) + 15) / 16 * 16;
}

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

static inline uint64_t tensor_bytes(const tensor *t) {
    if (tensor_dtype_is_quant(t->dtype)) { /* rows of shape[rank - 1] values */
        int64_t k = t->rank ? t->shape[t->rank - 1] : 0;
        return k > 0 ? (uint64_t)(tensor_count(t) / k) * tensor_quant_row_bytes(t->dtype, (uint64_t)k) : 0;
    }
    return (uint64_t)tensor_count(t) * dtype_size(t->dtype);
}

#endif
