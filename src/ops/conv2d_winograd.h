/* conv2d_winograd.h — the 3x3, stride-1, pad-1 convolution by Winograd's minimal filtering, in two
 * forms: F(2x2, 3x3), 16 products per 2x2 output tile and input channel instead of 36 (2.25x fewer
 * multiplications), and F(4x4, 3x3), 36 products per 4x4 tile instead of 144 (4x fewer). Three
 * steps around the batched matrix product of the GEMM family, with P = (tile + 2)^2 points:
 *
 *   U = G g G^T     op_conv2d_winograd_weight_record: w [Cout, 3, 3, Cin] -> u [P, Cout, Cin]
 *                   (u in the activation dtype)
 *   V = B^T d B     input transform:  x [B, H, W, Cin] -> v [P, T, Cin], T = B * ceil(H/m) * ceil(W/m)
 *   M = V U^T       op_matmul_record with per-batch weights (P batches): m [P, T, Cout]
 *   Y = A^T M A     output transform (+ bias, + residual) -> out [B, H, W, Cout]
 * The last three run in passes of at most `chunk` consecutive tiles (op_conv2d_winograd_sizes), so
 * v and m stay within one binding and a bounded size however large the image.
 *
 * The caller owns the scratch tensors u, v and m (the network builders take v and m from the
 * activation arena; u from the weights' cache, models/nn.h). Sizes and the scratch dtype from
 * op_conv2d_winograd_sizes. Accuracy: F(2x2) holds v and m in the activation dtype, so fp16
 * activations round the transformed input and the products once more than the direct convolution
 * does. F(4x4) holds m in fp32 (its output transform's weights, up to 8 x 8, would amplify fp16
 * products' rounding), and v in fp16 for fp16 activations where the GEMM takes fp16 operands into
 * fp32 sums (op_matmul_widens: the packed texel kernel), else in fp32. Both are tested against the
 * direct convolution's reference and tolerances.
 */
#ifndef PIXEEN_OPS_CONV2D_WINOGRAD_H
#define PIXEEN_OPS_CONV2D_WINOGRAD_H

#include <stdbool.h>

#include "ops/ops.h"

/* The two forms, by their output tile's edge m. */
typedef enum op_winograd_tile {
    OP_WINOGRAD_NONE = 0, /* the direct implicit GEMM */
    OP_WINOGRAD_F2 = 2,   /* F(2x2, 3x3): 16 points */
    OP_WINOGRAD_F4 = 4,   /* F(4x4, 3x3): 36 points */
} op_winograd_tile;

/* P = (tile + 2)^2: the product matrices of a form (16 or 36), and its transformed kernel's size
 * per output and input channel. */
static inline int64_t op_winograd_points(op_winograd_tile tile) { return ((int64_t)tile + 2) * ((int64_t)tile + 2); }

/* Element counts of the scratch tensors of form `tile` for x [B, H, W, Cin] of dtype act and Cout
 * output channels on ctx's device (NULL: the limits every device offers; the same answer on
 * lavapipe), and the dtypes of v and m. */
typedef struct op_winograd_sizes {
    int points;                 /* P = (tile + 2)^2 */
    tensor_dtype v_dtype;       /* act for F(2x2); F(4x4): fp16 for fp16 act where the GEMM widens, else fp32 */
    tensor_dtype m_dtype;       /* act for F(2x2), fp32 for F(4x4) */
    int64_t tiles;        /* T */
    int64_t chunk;        /* tiles per pass (v and m hold one pass) */
    int64_t u, v, m;
} op_winograd_sizes;
op_winograd_sizes op_conv2d_winograd_sizes(const gpu_context *ctx, op_winograd_tile tile, int64_t B, int64_t H,
                                           int64_t W, int64_t Cin, int64_t Cout, tensor_dtype act);

/* Which form should handle this convolution on ctx's device instead of the direct implicit GEMM
 * (OP_WINOGRAD_NONE: neither): a 3x3 stride-1 pad-1 kernel, Cin and Cout multiples of 4, fp16 or
 * fp32, u, x and out within one binding, and a problem where it measured faster (enough tiles to
 * amortise the transforms; F(4x4) where it has enough tiles of its own; see conv2d_winograd.c).
 * The context's tuning (gpu_tuning.conv_winograd, $PIXEEN_CONV_WINOGRAD when it was created) can
 * turn it off, force it wherever it can run, or force one form. */
op_winograd_tile op_conv2d_winograd_wanted(const gpu_context *ctx, int64_t B, int64_t H, int64_t W, int64_t Cin,
                                           int64_t Cout, tensor_dtype act, tensor_dtype w_dtype);
/* Without the speed rule: only whether form `tile` can run. */
bool op_conv2d_winograd_supported(const gpu_context *ctx, op_winograd_tile tile, int64_t B, int64_t H, int64_t W,
                                  int64_t Cin, int64_t Cout, tensor_dtype act, tensor_dtype w_dtype);

/* u [P, Cout, Cin] = G g G^T of form `tile` for every kernel of w [Cout, 3, 3, Cin], computed in
 * fp32 and stored as u's dtype: the activation dtype (fp32 activations keep the transformed
 * weights unrounded, as the direct path's fp32 arithmetic keeps the products). */
void op_conv2d_winograd_weight_record(gpu_recorder *rec, op_winograd_tile tile, const tensor *w, const tensor *u);

/* out = conv3x3(x, w) + bias + residual, stride 1, pad 1, from u (op_conv2d_winograd_weight_record
 * of the same form); v and m are scratch of the sizes' dtype and counts (less scratch, down to one
 * tile's P * Cin and P * Cout, means more passes). bias [Cout] and residual [B, H, W, Cout] may be
 * NULL. out must not alias x, v, m or residual. */
void op_conv2d_winograd_record(gpu_recorder *rec, op_winograd_tile tile, const tensor *x, const tensor *u,
                               const tensor *bias, const tensor *residual, const tensor *out, const tensor *v,
                               const tensor *m);

#endif
