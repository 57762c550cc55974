/* quant.h — quantized weights on the GPU (GGUF models) and the matmul that reads them.
 *
 * GPU layout (src/ops/quant_layout.c converts ggml's blocks, models/ggml_quant.h, at upload): a
 * weight is rows of K values; a row holds first every block's level bits, then every block's scale
 * record, padded to 16 bytes, so every row and every block's levels start on a 16-byte texel and
 * the kernel reads them as RGBA32UI texels (a texel fetch costs the same for 4 bytes or 16 on
 * lavapipe; the old word-by-word reads of ggml's blocks cost q8_0 a quarter of its speed).
 * Levels come in 32-value chunks, in one of four formats (value v = 4g + b is group g's byte b):
 *   nibbles (16 bytes): byte i holds value i in bits 0-3 and value 16 + i in bits 4-7
 *   bytes   (32 bytes): byte i holds value i (q8_0's int8 levels)
 *   pairs   (8 bytes):  word k, byte b, bits 2s..2s+1 hold value 16k + 4s + b
 *   bits    (4 bytes):  byte b, bit s holds value 4s + b (a fifth or third bit)
 * so a group's four levels land in the four bytes of one word after a shift and a mask.
 *   type  levels per block                                   record
 *   q4_0  nibbles                                            fp16 d                       (18 bytes)
 *   q4_1  nibbles                                            fp16 d, m                    (20)
 *   q5_0  nibbles (low 4 bits)                               fp16 d, 2 zero bytes, bits   (24)
 *   q5_1  nibbles (low 4 bits)                               fp16 d, m, bits              (24)
 *   q8_0  bytes                                              fp16 d                       (34)
 *   q2_K  8 pairs, ggml's 16 scale/min bytes                 fp16 d, dmin                 (84)
 *   q3_K  8 pairs (low bits), 8 bits (third bit)             ggml's 12 scale bytes, d, 0  (112)
 *   q4_K  8 nibbles                                          fp16 d, dmin, 12 scale bytes (144)
 *   q5_K  8 nibbles, 8 bits (fifth bit)                      as q4_K                      (176)
 *   q6_K  8 nibbles, 8 pairs (bits 4-5), ggml's 16 scales    fp16 d                       (210)
 * Levels are the unsigned bits ggml stores (q3_K: 2 low bits + 4 x its mask bit; value = level - 4).
 * Only q5_0 (2 bytes per block) and q3_K (2) carry padding, plus each row's last record texel: ggml's
 * sizes elsewhere (the word-padded blocks read before cost q4_0, q8_0 and q6_K 2 bytes more per block).
 *
 *   op_matmul_quant_record  out[m, n] = sum_k x[m, k] * dequant(w)[n, k] (+ bias[n]) (+ residual)
 *     x [M, K] or [B, M, K] fp16/fp32; w [N, K] with dtype DTYPE_QUANT + ggml type, K a multiple of
 *     the block; the kernel (shaders/matmul_q_texel.comp) dequantizes each block in registers as it
 *     reads it. One kernel for every device (texel buffers are the fast path on lavapipe and portable
 *     elsewhere); the weight must fit one texel binding (maxTexelBufferElements 16-byte texels).
 * Left out: quantized convolution kernels and embedding tables (stable-diffusion.cpp never quantizes
 * them: a kernel row is kw = 3 or 1 values, and embeddings are excluded by name), per-batch weights.
 */
#ifndef PIXEEN_OPS_QUANT_H
#define PIXEEN_OPS_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ops/gemm.h"

/* The dtype of a ggml type kept quantized on the GPU (q4_0 ... q6_K), or false. */
bool quant_dtype_of_ggml(uint32_t ggml_type, tensor_dtype *out);
/* Converts `rows` rows of `k` values (k a multiple of the block) from ggml's blocks into the GPU
 * layout: tensor_quant_row_bytes(dtype, k) bytes per row at dst. */
void quant_rows_to_gpu(uint32_t ggml_type, const uint8_t *src, size_t rows, uint64_t k, uint8_t *dst);

void op_matmul_quant_record(gpu_recorder *rec, const tensor *x, const tensor *w, const tensor *bias,
                            const tensor *residual, const tensor *out, const op_gemm_tuning *tuning);

#endif
