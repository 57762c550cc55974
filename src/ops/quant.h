/* quant.h — quantized weights on the GPU (GGUF models) and the matmul that reads them.
 *
 * GPU block layout: ggml's block (models/ggml_quant.h) padded to whole 32-bit words, so every field
 * is read with one R32UI texel fetch and no byte shuffling:
 *   q4_0, q5_0, q8_0: fp16 d, 2 bytes of padding, then the block's remaining bytes (20 / 24 / 36 bytes)
 *   q3_K:             the block as stored, then 2 bytes of padding (112 bytes)
 *   q4_1, q5_1, q2_K, q4_K, q5_K: the block as stored (20 / 24 / 84 / 144 / 176 bytes)
 *   q6_K (212 bytes): the same bits regrouped per 32-value chunk c (values 32c .. 32c+31 as 6-bit
 *                     levels q = value / (d * scale) + 32): words 4c .. 4c+3 hold the low nibbles
 *                     (word w, byte b: value 4w+b in bits 0-3, value 16+4w+b in bits 4-7), words
 *                     32+2c and 33+2c the high bit pairs (word 32+2c+h, byte b, bits 2k..2k+1: value
 *                     16h+4k+b), then ggml's 16 int8 scales, fp16 d and 2 bytes of padding. The
 *                     kernel then reads a chunk as 6 words; ggml spreads one over 16 words that
 *                     4 chunks share (measured on lavapipe by CPU time, the machine loaded: the
 *                     q6_K matmul went from 73-82% to 90-101% of the fp16 kernel's throughput).
 * The padding costs 6-11% of the weights' memory on the three 32-value types; reading unaligned
 * words would cost two fetches and a funnel shift per word in the hot loop instead.
 *
 *   op_matmul_quant_record  out[m, n] = sum_k x[m, k] * dequant(w)[n, k] (+ bias[n]) (+ residual)
 *     x [M, K] or [B, M, K] fp16/fp32; w [N, K] with dtype DTYPE_QUANT + ggml type, K a multiple of
 *     the block; the kernel (shaders/matmul_q_texel.comp) dequantizes each block in registers as it
 *     reads it. One kernel for every device (texel buffers are the fast path on lavapipe and portable
 *     elsewhere); the weight must fit one texel binding (maxTexelBufferElements words).
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
/* Converts n_blocks file blocks (ggml layout) of `ggml_type` into the GPU layout. */
void quant_blocks_to_gpu(uint32_t ggml_type, const uint8_t *src, size_t n_blocks, uint8_t *dst);

void op_matmul_quant_record(gpu_recorder *rec, const tensor *x, const tensor *w, const tensor *bias,
                            const tensor *residual, const tensor *out, const op_gemm_tuning *tuning);

#endif
