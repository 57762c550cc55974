/* quant_layout.c — ggml's file blocks converted into the GPU layout of quantized weights (see
 * quant.h): per row, every block's level bits regrouped into 32-value chunks of whole 16-byte
 * texels, then the row's scale records. The conversion only moves bits: the kernel decodes the same
 * levels and scales that ggml_dequantize does. */
#include "ops/quant.h"

#include <string.h>

#include "core/tensor.h"

/* ggml types with a GPU kernel and their file block bytes. */
static const struct {
    uint32_t type, file_bytes;
} file_blocks[] = {
    {2, 18}, {3, 20}, {6, 22}, {7, 24}, {8, 34}, {10, 84}, {11, 110}, {12, 144}, {13, 176}, {14, 210},
};

static uint32_t file_block_bytes(uint32_t type) {
    for (size_t i = 0; i < sizeof file_blocks / sizeof file_blocks[0]; i++)
        if (file_blocks[i].type == type) return file_blocks[i].file_bytes;
    return 0;
}

bool quant_dtype_of_ggml(uint32_t ggml_type, tensor_dtype *out) {
    if (!file_block_bytes(ggml_type)) return false;
    *out = (tensor_dtype)(DTYPE_QUANT + ggml_type);
    return true;
}

/* The chunk formats of quant.h, each from the 32 levels of one chunk. */
static void pack_nibbles(const uint8_t *level, uint8_t out[16]) { /* byte i: values i and 16 + i */
    for (int i = 0; i < 16; i++) out[i] = (uint8_t)((level[i] & 15) | (level[16 + i] & 15) << 4);
}
static void pack_pairs(const uint8_t *level, int shift, uint8_t out[8]) { /* word k, byte b, bits 2s: 16k + 4s + b */
    memset(out, 0, 8);
    for (int v = 0; v < 32; v++) {
        int k = v / 16, s = (v % 16) / 4, b = v % 4;
        out[4 * k + b] |= (uint8_t)(((level[v] >> shift) & 3) << (2 * s));
    }
}
static void pack_bits(const uint8_t *level, int shift, uint8_t out[4]) { /* byte b, bit s: value 4s + b */
    memset(out, 0, 4);
    for (int v = 0; v < 32; v++) out[v % 4] |= (uint8_t)(((level[v] >> shift) & 1) << (v / 4));
}

/* The K-quants' bit planes: value 32 (per_byte o + i) + l is field i (`bits` wide) of qs[32 o + l],
 * plus, where `high` is given, bit per_byte o + i of high[l] above it (ggml's q2_K/q3_K: 2-bit
 * fields, 4 per byte; q4_K/q5_K: nibbles, 2 per byte). */
static void planes_to_levels(const uint8_t *qs, const uint8_t *high, int bits, uint8_t *level) {
    const int per_byte = 8 / bits, mask = (1 << bits) - 1;
    for (int o = 0; o < 256 / (32 * per_byte); o++)
        for (int i = 0; i < per_byte; i++)
            for (int l = 0; l < 32; l++) {
                int q = (qs[32 * o + l] >> (bits * i)) & mask;
                if (high) q |= ((high[l] >> (per_byte * o + i)) & 1) << bits;
                level[32 * (per_byte * o + i) + l] = (uint8_t)q;
            }
}

/* Each value's level (the unsigned bits the file stores for it; q8_0: the int8 byte) of one block. */
static void block_levels(uint32_t type, const uint8_t *b, uint8_t *level) {
    switch (type) {
    case 2: case 3: case 6: case 7: { /* q4_0, q4_1, q5_0, q5_1: nibbles (+ fifth bit v of qh) */
        const uint8_t *qs = b + (type == 2 ? 2 : type == 3 ? 4 : type == 6 ? 6 : 8);
        uint32_t qh = 0;
        if (type == 6 || type == 7) memcpy(&qh, b + (type == 6 ? 2 : 4), 4); /* little-endian hosts */
        for (int i = 0; i < 16; i++) {
            level[i] = (uint8_t)((qs[i] & 15) | ((qh >> i) & 1) << 4);
            level[16 + i] = (uint8_t)((qs[i] >> 4) | ((qh >> (16 + i)) & 1) << 4);
        }
        break;
    }
    case 8: memcpy(level, b + 2, 32); break; /* q8_0 */
    case 10: case 11: /* q2_K, q3_K: bit pairs (+ q3_K's mask bit, the block's first 32 bytes) */
        planes_to_levels(b + (type == 10 ? 16 : 32), type == 11 ? b : NULL, 2, level);
        break;
    case 12: case 13: /* q4_K, q5_K: nibbles (+ q5_K's fifth bits at byte 16) */
        planes_to_levels(b + (type == 12 ? 16 : 48), type == 13 ? b + 16 : NULL, 4, level);
        break;
    case 14: { /* q6_K: ggml's interleaving of low nibbles (ql) and high bit pairs (qh) */
        const uint8_t *ql = b, *qh = b + 128;
        for (int n = 0; n < 2; n++)
            for (int l = 0; l < 32; l++) {
                const uint8_t lo0 = ql[64 * n + l], lo1 = ql[64 * n + l + 32], h = qh[32 * n + l];
                level[128 * n + l] = (uint8_t)((lo0 & 15) | (h & 3) << 4);
                level[128 * n + l + 32] = (uint8_t)((lo1 & 15) | ((h >> 2) & 3) << 4);
                level[128 * n + l + 64] = (uint8_t)((lo0 >> 4) | ((h >> 4) & 3) << 4);
                level[128 * n + l + 96] = (uint8_t)((lo1 >> 4) | ((h >> 6) & 3) << 4);
            }
        break;
    }
    }
}

/* One file block into its level bits and its scale record (quant.h lists both per type). */
static void block_to_gpu(uint32_t type, const uint8_t *b, uint8_t *levels, uint8_t *scales) {
    uint8_t level[256];
    block_levels(type, b, level);
    switch (type) {
    case 2: case 3: /* q4_0: d; q4_1: d, m */
        pack_nibbles(level, levels);
        memcpy(scales, b, type == 2 ? 2 : 4);
        break;
    case 6: case 7: /* q5_0: d, 2 zero bytes; q5_1: d, m; then the fifth bits */
        pack_nibbles(level, levels);
        memset(scales, 0, 4);
        memcpy(scales, b, type == 6 ? 2 : 4);
        pack_bits(level, 4, scales + 4);
        break;
    case 8: /* q8_0: the int8 levels; d */
        memcpy(levels, level, 32);
        memcpy(scales, b, 2);
        break;
    case 10: /* q2_K: 8 pair chunks, ggml's 16 scale/min bytes; d, dmin */
        for (int c = 0; c < 8; c++) pack_pairs(level + 32 * c, 0, levels + 8 * c);
        memcpy(levels + 64, b, 16);
        memcpy(scales, b + 80, 4);
        break;
    case 11: /* q3_K: 8 pair chunks, 8 bit chunks; ggml's 12 scale bytes, d, 2 zero bytes */
        for (int c = 0; c < 8; c++) {
            pack_pairs(level + 32 * c, 0, levels + 8 * c);
            pack_bits(level + 32 * c, 2, levels + 64 + 4 * c);
        }
        memcpy(scales, b + 96, 14);
        memset(scales + 14, 0, 2);
        break;
    case 12: case 13: /* q4_K, q5_K: 8 nibble chunks (+ 8 bit chunks); d, dmin, ggml's 12 scale bytes */
        for (int c = 0; c < 8; c++) {
            pack_nibbles(level + 32 * c, levels + 16 * c);
            if (type == 13) pack_bits(level + 32 * c, 4, levels + 128 + 4 * c);
        }
        memcpy(scales, b, 16);
        break;
    case 14: /* q6_K: 8 nibble chunks, 8 pair chunks of the high bits, ggml's 16 int8 scales; d */
        for (int c = 0; c < 8; c++) {
            pack_nibbles(level + 32 * c, levels + 16 * c);
            pack_pairs(level + 32 * c, 4, levels + 128 + 8 * c);
        }
        memcpy(levels + 192, b + 192, 16);
        memcpy(scales, b + 208, 2);
        break;
    }
}

void quant_rows_to_gpu(uint32_t ggml_type, const uint8_t *src, size_t rows, uint64_t k, uint8_t *dst) {
    tensor_dtype dtype;
    if (!quant_dtype_of_ggml(ggml_type, &dtype)) return;
    const uint32_t fb = file_block_bytes(ggml_type), lb = tensor_quant_level_bytes(dtype);
    const uint32_t sb = tensor_quant_scale_bytes(dtype);
    const uint64_t blocks = k / tensor_quant_block_elems(dtype), row_bytes = tensor_quant_row_bytes(dtype, k);
    for (size_t r = 0; r < rows; r++, dst += row_bytes) {
        memset(dst + blocks * lb, 0, (size_t)(row_bytes - blocks * lb)); /* the records' padding */
        for (uint64_t i = 0; i < blocks; i++, src += fb)
            block_to_gpu(ggml_type, src, dst + i * lb, dst + blocks * lb + i * sb);
    }
}
