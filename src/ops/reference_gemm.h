/* reference_gemm.h — plain-C references of the matrix-product family (src/ops/gemm.h), the oracle
 * for tests/test_op_matmul.c, tests/test_op_conv2d.c and the matmul/conv2d bench cases. Double
 * accumulation, no attempt at speed. Every output row can be computed alone (`rows` lists which),
 * so big shapes can be checked on a sample. */
#ifndef PIXEEN_OPS_REFERENCE_GEMM_H
#define PIXEEN_OPS_REFERENCE_GEMM_H

#include <stddef.h>
#include <stdint.h>

/* out[b, m, n] = sum_k x[b, m, k] * w[(b,) n, k] + bias[n] + residual[b, m, n], for the flat rows
 * r = b*M + m listed in rows[0..row_count) (rows NULL: all B*M rows in order). out holds
 * row_count * N values in the order of `rows`. w_per_batch: w is [B, N, K], else [N, K]. bias and
 * residual ([B, M, N], full size) may be NULL. */
void ref_matmul_rows(const float *x, const float *w, const float *bias, const float *residual, size_t B,
                     size_t M, size_t K, size_t N, int w_per_batch, const size_t *rows, size_t row_count,
                     float *out);

/* NHWC conv for the output pixels r = (b*Ho + oy)*Wo + ox listed in rows (NULL: all), each giving
 * Cout values: x [B, H, W, Cin], w [Cout, kh, kw, Cin], bias [Cout] or NULL, residual
 * [B, Ho, Wo, Cout] or NULL. */
void ref_conv2d_rows(const float *x, const float *w, const float *bias, const float *residual, size_t B,
                     size_t H, size_t W, size_t Cin, size_t Cout, size_t kh, size_t kw, size_t stride,
                     size_t pad, const size_t *rows, size_t row_count, float *out);

#endif
