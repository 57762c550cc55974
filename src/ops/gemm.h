/* gemm.h — the matrix-product family: linear layers / batched matmul and 2-D convolution as an
 * implicit GEMM (no im2col buffer), both fp32-accumulated with fused bias and residual add.
 *
 *   op_matmul_record  out[b, m, n] = sum_k x[b, m, k] * w[(b,) n, k] (+ bias[n]) (+ residual[b, m, n])
 *   op_conv2d_record  NHWC convolution, weights [Cout, kh, kw, Cin]; GEMM view M = B*Ho*Wo,
 *                     N = Cout, K = kh*kw*Cin
 *
 * Two tilings sit behind these calls (see src/ops/matmul.c for the choice):
 *   texel  register blocks (TM x TN outputs per invocation) fed through uniform texel buffers:
 *          the fast path on lavapipe, where texelFetch is vectorised and SSBO/shared loads are not.
 *   tiled  classic shared-memory tiles (BM x BN per workgroup, BK deep, TM x TN per invocation)
 *          read from storage buffers: the path for real GPUs.
 * The variant is chosen per device (caps.is_lavapipe picks texel) and can be forced with
 * PIXEEN_KERNEL_VARIANT=texel|tiled (tests use this to prove both on lavapipe). Tile sizes are
 * specialization constants; defaults per driver (gpu_driver_tuning_for's table), overridable with
 * PIXEEN_TUNE_MATMUL / PIXEEN_TUNE_CONV2D (see op_gemm_tuning_get). The texel matmul has a packed
 * form for fp16 x and w (8 values per RGBA32UI fetch, K % 8 == 0), chosen by the same table or
 * PIXEEN_GEMM_PACKED.
 *
 * dtypes: x, residual and out share one dtype (fp16 or fp32); w and bias are fp16 or fp32 each
 * (checkpoint weights are fp16; a per-batch w may be an fp32 activation). One widening product:
 * fp16 x and w into fp32 out (and residual) where the packed kernel takes it (op_matmul_widens).
 * Tensors larger than maxStorageBufferRange are split into row windows of M (each weight tensor
 * must fit one binding).
 */
#ifndef PIXEEN_OPS_GEMM_H
#define PIXEEN_OPS_GEMM_H

#include <stdbool.h>

#include "ops/ops.h"

typedef enum op_gemm_variant {
    OP_GEMM_AUTO = 0,  /* per device: texel on lavapipe, tiled elsewhere */
    OP_GEMM_TEXEL = 1, /* register blocks from uniform texel buffers */
    OP_GEMM_TILED = 2, /* shared-memory tiles from storage buffers */
} op_gemm_variant;

/* Whether the packed texel kernels fetch a workgroup's rows once per subgroup and broadcast them
 * (gemm_texel.glsl's SHARED_ROWS; it needs 8-invocation subgroups and a block of 8 or 16 rows). */
typedef enum op_gemm_shared_rows {
    OP_GEMM_SHARED_ROWS_DEFAULT = 0, /* the driver table's choice */
    OP_GEMM_SHARED_ROWS_WHERE_FULL,  /* where at most 1/8 of the invocations would idle (the
                                        column tiles fill the workgroups): what the table picks */
    OP_GEMM_SHARED_ROWS_ALWAYS,      /* wherever it can run ($PIXEEN_GEMM_SHARED_ROWS=1; tests) */
    OP_GEMM_SHARED_ROWS_NEVER,
} op_gemm_shared_rows;

/* Tile sizes; 0 means "device default". texel: tm x tn outputs per invocation, wg invocations per
 * workgroup. tiled: bm x bn outputs per workgroup, bk deep, tm x tn per invocation (the workgroup
 * has (bm/tm)*(bn/tn) invocations). */
typedef struct op_gemm_tuning {
    op_gemm_variant variant;
    uint32_t tm, tn, wg; /* texel (lavapipe default 16, 16, 8) */
    uint32_t bm, bn, bk; /* tiled (default 64, 64, 16 with tm = tn = 4) */
    uint32_t packed;     /* texel, fp16 operands: 1 fetch 8 values per texel (RGBA32UI), 2 never;
                            0 device default (gpu_tuning's table) */
    bool wide_only;      /* texel: keep tm x tn for narrow products too (the driver table's choice) */
    op_gemm_shared_rows shared_rows; /* texel, packed: rows fetched once per subgroup and broadcast */
} op_gemm_tuning;

/* The tuning the next matmul (conv = false) or conv (conv = true) will use on this device:
 * defaults (the driver table's for the texel matmul), then $PIXEEN_KERNEL_VARIANT, $PIXEEN_GEMM_PACKED,
 * $PIXEEN_GEMM_SHARED_ROWS, then $PIXEEN_TUNE_MATMUL / $PIXEEN_TUNE_CONV2D as
 * "TM,TN,WG" (texel) or "BM,BN,BK,TM,TN" (tiled), then `override` fields that are non-zero
 * (override may be NULL). Sizes are clamped to the legal set (tm, tn in 1..16; bm % tm == 0 ...). */
op_gemm_tuning op_gemm_tuning_get(const gpu_context *ctx, bool conv, const op_gemm_tuning *override);

/* Whether the texel kernels (GEMM and attention) fetch fp16 operands packed 8 a texel (RGBA32UI):
 * $PIXEEN_GEMM_PACKED where set, else the driver table's gemm_packed. */
bool op_fp16_packed_wanted(const gpu_context *ctx);

/* Whether op_matmul_record takes fp16 x and w [N, K] or [B, N, K] with an fp32 out on ctx's device:
 * where the packed texel kernel runs them (texel variant, packing wanted, K % 8 == 0, one batch's
 * weights within one binding); x and w must also start on 16-byte boundaries, as every arena
 * activation and buffer does. The Winograd F(4x4) products use it: fp16 transformed inputs, fp32
 * sums (src/ops/conv2d_winograd.c). */
bool op_matmul_widens(const gpu_context *ctx, int64_t N, int64_t K, int64_t batches);

/* Linear layer / batched matmul.
 *   x        [M, K] or [B, M, K]
 *   w        [N, K] (shared by every batch: a checkpoint's linear weight) or [B, N, K] (per batch)
 *   bias     [N] or NULL
 *   residual same shape as out, or NULL
 *   out      [M, N] or [B, M, N]; must not alias x, w or residual; x's dtype, or fp32 for fp16 x
 *            and w where op_matmul_widens says so
 * Shape or dtype mismatches fail the recording. `tuning` may be NULL (device defaults). */
void op_matmul_record(gpu_recorder *rec, const tensor *x, const tensor *w, const tensor *bias,
                      const tensor *residual, const tensor *out, const op_gemm_tuning *tuning);

/* 2-D convolution, NHWC, as an implicit GEMM.
 *   x        [B, H, W, Cin]
 *   w        [Cout, kh, kw, Cin] fp16 (or fp32)
 *   bias     [Cout] or NULL
 *   residual [B, Ho, Wo, Cout] or NULL
 *   out      [B, Ho, Wo, Cout], Ho = (H + 2*pad - kh) / stride + 1 (likewise Wo)
 * stride 1 or 2, pad 0 or 1 (any small values work), kh, kw in 1..7. out must not alias x, w or
 * residual. A 1x1, stride 1, pad 0 conv is recorded as a matmul over the B*H*W pixels (its
 * tuning is PIXEEN_TUNE_MATMUL's; its profiling label "matmul"). */
void op_conv2d_record(gpu_recorder *rec, const tensor *x, const tensor *w, const tensor *bias,
                      const tensor *residual, const tensor *out, uint32_t stride, uint32_t pad,
                      const op_gemm_tuning *tuning);
/* The same with pad_end more zero rows and columns after the image (bottom and right), as
 * diffusers' Downsample2D pads (0, 1, 0, 1) before its stride-2 convolution:
 * Ho = (H + 2*pad + pad_end - kh) / stride + 1 (likewise Wo). */
void op_conv2d_pad_end_record(gpu_recorder *rec, const tensor *x, const tensor *w, const tensor *bias,
                              const tensor *residual, const tensor *out, uint32_t stride, uint32_t pad,
                              uint32_t pad_end, const op_gemm_tuning *tuning);

/* ---- internal to the family (src/ops/gemm.c, matmul.c and conv2d.c) ---------------------------- */

/* Push constants of every matmul/conv2d kernel (shaders/common/gemm_push.glsl). */
typedef struct gemm_push {
    uint32_t M, N, K, ntiles;
    uint32_t x_off, w_off, b_off, r_off, o_off; /* elements; filled by gemm_dispatch */
    uint32_t x_bs, w_bs, o_bs;
    uint32_t H, W, Ho, Wo, g0, in_row0;
    uint32_t geom;  /* kh | kw << 8 | stride << 16 | pad << 24; filled by gemm_dispatch */
    uint32_t flags; /* 1 bias, 2 residual; filled by gemm_dispatch */
} gemm_push;

/* A byte range of a buffer; buffer NULL means absent (bias, residual). */
typedef struct gemm_range {
    gpu_buffer *buffer;
    uint64_t offset, bytes;
} gemm_range;

/* One dispatch: the bound ranges (each starting at the element that push offset 0 means) and
 * the problem; gemm_dispatch aligns the bindings and fills the offsets and ntiles. */
typedef struct gemm_job {
    /* the operator's kernels for the job's dtype (op_shader_name of a generated shader_id) */
    const char *shader_texel, *shader_tiled;
    const char *shader_texel_packed; /* fp16 x and w as RGBA32UI (vec 8), out of o_dtype; NULL: none */
    /* The same two writing the output as an RGBA image (gemm_texel.glsl's OUT_IMAGE), taken where
     * the output's columns and offsets are whole texels; NULL: none. */
    const char *shader_texel_img, *shader_texel_packed_img;
    /* The packed kernel writing its output through a single-channel image (OUT_IMAGE1), taken where
     * the RGBA image is not and the device stores R16F texels; NULL: none. */
    const char *shader_texel_packed_img1;
    /* The packed two with SHARED_ROWS (a workgroup's rows fetched once per subgroup); NULL: none. */
    const char *shader_texel_packed_shared, *shader_texel_packed_shared_img;
    bool matmul;                     /* a matrix product (1x1 convolutions included), not a kxk conv */
    uint32_t kh, kw, stride, pad;
    tensor_dtype dtype, w_dtype, b_dtype; /* x, w, bias */
    tensor_dtype o_dtype;                 /* out and residual: dtype, or fp32 from packed fp16 */
    uint32_t vec;                         /* texel: 8 (packed fp16, shader_texel_packed), 4 (RGBA
                                             texels along K) or 1 */
    uint32_t batches;                     /* gl_WorkGroupID.z range */
    gemm_range x, w, bias, res, out;
    gemm_push push;
} gemm_job;

/* Resolves the variant for a problem: texel needs vec-aligned operands and bindings within
 * maxTexelBufferElements; falls back to tiled otherwise. Returns the largest byte size one
 * binding of the chosen variant may cover (for row windows) in *max_binding. */
op_gemm_variant gemm_pick_variant(const gpu_context *ctx, const op_gemm_tuning *t, uint32_t vec,
                                  uint64_t w_bytes, tensor_dtype w_dtype, uint64_t *max_binding);
/* Whether a product over K (matmul: K; conv: Cin) takes the packed kernel under tuning t: packing
 * wanted, fp16 x and w, K and both tensors' offsets in whole 16-byte texels. */
bool gemm_packs(const op_gemm_tuning *t, const tensor *x, const tensor *w, int64_t k);
void gemm_dispatch(gpu_recorder *rec, const op_gemm_tuning *t, op_gemm_variant variant, gemm_job *job,
                   const char *label);

#endif
