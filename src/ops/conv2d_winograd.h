/* conv2d_winograd.h — the 3x3, stride-1, pad-1 convolution by Winograd's F(2x2, 3x3): 16 products
 * per 2x2 output tile and input channel instead of 36 (2.25x fewer multiplications), in three
 * steps around the batched matrix product of the GEMM family:
 *
 *   U = G g G^T     op_conv2d_winograd_weight_record: w [Cout, 3, 3, Cin] -> u [16, Cout, Cin]
 *                   (u, v and m in the activation dtype)
 *   V = B^T d B     input transform:  x [B, H, W, Cin] -> v [16, T, Cin], T = B * ceil(H/2) * ceil(W/2)
 *   M = V U^T       op_matmul_record with per-batch weights (16 batches): m [16, T, Cout]
 *   Y = A^T M A     output transform (+ bias, + residual) -> out [B, H, W, Cout]
 * The last three run in passes of at most `chunk` consecutive tiles (op_conv2d_winograd_sizes), so
 * v and m stay within one binding and a bounded size however large the image.
 *
 * The caller owns the scratch tensors u, v and m (the network builders take them from the
 * activation arena, so the weight transform is recorded with the step and always reads the current
 * weights, LoRA merges included). Sizes from op_conv2d_winograd_sizes. Accuracy: v and m are held
 * in the activation dtype, so fp16 activations round the transformed input and the products once
 * more than the direct convolution does (tested against the same reference and tolerances as it).
 */
#ifndef PIXEEN_OPS_CONV2D_WINOGRAD_H
#define PIXEEN_OPS_CONV2D_WINOGRAD_H

#include <stdbool.h>

#include "ops/ops.h"

/* Element counts of the scratch tensors for x [B, H, W, Cin] of dtype act and Cout output channels
 * on ctx's device (NULL: the limits every device offers; the same answer on lavapipe). */
typedef struct op_winograd_sizes {
    int64_t tiles; /* T */
    int64_t chunk; /* tiles per pass (v and m hold one pass) */
    int64_t u, v, m;
} op_winograd_sizes;
op_winograd_sizes op_conv2d_winograd_sizes(const gpu_context *ctx, int64_t B, int64_t H, int64_t W, int64_t Cin,
                                           int64_t Cout, tensor_dtype act);

/* Whether the Winograd path handles this convolution on ctx's device and should be used instead of
 * the direct implicit GEMM: a 3x3 stride-1 pad-1 kernel, Cin and Cout multiples of 4, fp16 or fp32,
 * u, x and out within one binding, and a problem where it measured faster (enough tiles to
 * amortise the transforms; see conv2d_winograd.c). The context's tuning (gpu_tuning.conv_winograd,
 * $PIXEEN_CONV_WINOGRAD when it was created) can turn it off or force it wherever it can run. */
bool op_conv2d_winograd_wanted(const gpu_context *ctx, int64_t B, int64_t H, int64_t W, int64_t Cin, int64_t Cout,
                               tensor_dtype act, tensor_dtype w_dtype);
/* The same without the speed rule: only whether it can run. */
bool op_conv2d_winograd_supported(const gpu_context *ctx, int64_t B, int64_t H, int64_t W, int64_t Cin, int64_t Cout,
                                  tensor_dtype act, tensor_dtype w_dtype);

/* u [16, Cout, Cin] = G g G^T for every kernel of w [Cout, 3, 3, Cin], computed in fp32 and stored
 * as u's dtype: the activation dtype (fp32 activations keep the transformed weights unrounded, as
 * the direct path's fp32 arithmetic keeps the products). */
void op_conv2d_winograd_weight_record(gpu_recorder *rec, const tensor *w, const tensor *u);

/* out = conv3x3(x, w) + bias + residual, stride 1, pad 1, from u (op_conv2d_winograd_weight_record);
 * v and m are scratch of the activation dtype, the counts op_conv2d_winograd_sizes gives (less
 * scratch, down to one tile's 16 * Cin and 16 * Cout, means more passes). bias [Cout] and residual [B, H, W, Cout] may be NULL. out must not alias x, v, m or
 * residual. */
void op_conv2d_winograd_record(gpu_recorder *rec, const tensor *x, const tensor *u, const tensor *bias,
                               const tensor *residual, const tensor *out, const tensor *v, const tensor *m);

#endif
