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

/* Values per block and bytes per GPU block (ggml's block padded to whole 32-bit words: see
 * src/ops/quant.h) of a quantized dtype; 0 for others. */
static inline uint32_t tensor_quant_block_elems(tensor_dtype dtype) {
    switch ((int)dtype - DTYPE_QUANT) {
    case 2: case 3: case 6: case 7: case 8: return 32;
    case 10: case 11: case 12: case 13: case 14: return 256;
    default: return 0;
    }
}
static inline uint32_t tensor_quant_block_bytes(tensor_dtype dtype) {
    switch ((int)dtype - DTYPE_QUANT) {
    case 2: return 20;  /* q4_0: 18 + 2 */
    case 3: return 20;  /* q4_1 */
    case 6: return 24;  /* q5_0: 22 + 2 */
    case 7: return 24;  /* q5_1 */
    case 8: return 36;  /* q8_0: 34 + 2 */
    case 10: return 84; /* q2_K */
    case 11: return 112; /* q3_K: 110 + 2 */
    case 12: return 144; /* q4_K */
    case 13: return 176; /* q5_K */
    case 14: return 212; /* q6_K: 210 + 2 */
    default: return 0;
    }
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
    if (tensor_dtype_is_quant(t->dtype)) {
        uint32_t be = tensor_quant_block_elems(t->dtype);
        return be ? (uint64_t)tensor_count(t) / be * tensor_quant_block_bytes(t->dtype) : 0;
    }
    return (uint64_t)tensor_count(t) * dtype_size(t->dtype);
}

#endif
