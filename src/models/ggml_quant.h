/* ggml_quant.h — ggml's tensor types (the ones GGUF files of diffusion models use) in their block
 * layouts, with a plain-C dequantization reference per type and quantizers for `pixeen quantize`.
 *
 * A block type stores `block_elems` consecutive values of a row in `block_bytes` bytes
 * (little-endian, no padding), exactly as ggml's ggml-common.h lays out block_q4_0 ... block_q6_K:
 *   Q4_0  32 values, 18 bytes: fp16 d, 16 bytes of nibbles (low nibbles: values 0..15, high: 16..31)
 *   Q4_1  32 values, 20 bytes: fp16 d, fp16 m, 16 bytes of nibbles; x = q*d + m
 *   Q5_0  32 values, 22 bytes: fp16 d, 4 bytes of fifth bits, 16 bytes of nibbles; x = (q-16)*d
 *   Q5_1  32 values, 24 bytes: fp16 d, fp16 m, fifth bits, nibbles; x = q*d + m
 *   Q8_0  32 values, 34 bytes: fp16 d, 32 int8; x = q*d
 *   Q2_K 256 values, 84 bytes: 16 scale/min nibble pairs, 64 bytes of 2-bit quants, fp16 d, dmin
 *   Q3_K 256 values, 110 bytes: 32 bytes high-bit mask, 64 bytes 2-bit quants, 12 bytes of 6-bit scales, fp16 d
 *   Q4_K 256 values, 144 bytes: fp16 d, dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles
 *   Q5_K 256 values, 176 bytes: fp16 d, dmin, 12 bytes scales/mins, 32 bytes fifth bits, 128 nibbles
 *   Q6_K 256 values, 210 bytes: 128 bytes low nibbles, 64 bytes high 2-bit pairs, 16 int8 scales, fp16 d
 * F32, F16 and BF16 are "blocks" of one value.
 *
 * Quantizers: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 round each value to the nearest level of its block's
 * scale, as ggml's reference quantizers do; Q4_K, Q5_K, Q6_K pick each sub-block's scale (and min)
 * from its range and quantize the scales in turn: a simpler search than ggml's (no iterative
 * refinement), within the types' usual error. Q2_K and Q3_K are read, not written.
 */
#ifndef PIXEEN_MODELS_GGML_QUANT_H
#define PIXEEN_MODELS_GGML_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ggml's numbering (ggml.h enum ggml_type): the value stored in a GGUF tensor info. */
typedef enum ggml_type {
    GGML_F32 = 0,
    GGML_F16 = 1,
    GGML_Q4_0 = 2,
    GGML_Q4_1 = 3,
    GGML_Q5_0 = 6,
    GGML_Q5_1 = 7,
    GGML_Q8_0 = 8,
    GGML_Q2_K = 10,
    GGML_Q3_K = 11,
    GGML_Q4_K = 12,
    GGML_Q5_K = 13,
    GGML_Q6_K = 14,
    GGML_BF16 = 30,
} ggml_type;

#define GGML_QK 32    /* values per block of the 32-value types */
#define GGML_QK_K 256 /* values per super-block of the K-quants */

/* True for the types above (the ones Pixeen reads). */
bool ggml_type_known(uint32_t type);
/* "q8_0", "q4_K", "f16", ...; "?" for unknown. */
const char *ggml_type_name(uint32_t type);
/* Parses a name as ggml_type_name writes it (case-insensitive); false if unknown. */
bool ggml_type_parse(const char *name, ggml_type *out);
uint32_t ggml_block_elems(uint32_t type); /* 0 for unknown */
uint32_t ggml_block_bytes(uint32_t type); /* 0 for unknown */
/* True for the quantized (block) types, false for F32/F16/BF16. */
bool ggml_type_is_quantized(uint32_t type);
/* True where pixeen quantize can write the type. */
bool ggml_type_can_quantize(uint32_t type);

/* Dequantizes `n_blocks` consecutive blocks of `type` at `src` into n_blocks * block_elems floats.
 * The reference the GPU kernels are checked against. */
void ggml_dequantize(uint32_t type, const uint8_t *src, size_t n_blocks, float *dst);
/* True when the block's fp16 scale fields (d, and the min / dmin where the type has one) are
 * finite: then every value it holds is finite. A loader that keeps blocks as they are checks this
 * instead of converting them (a NaN scale would make black images). */
bool ggml_block_finite(uint32_t type, const uint8_t *block);
/* Quantizes n_blocks * block_elems floats into n_blocks blocks (ggml_type_can_quantize types). */
void ggml_quantize(uint32_t type, const float *src, size_t n_blocks, uint8_t *dst);

#endif
