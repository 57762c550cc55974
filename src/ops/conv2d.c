/* conv2d.c — NHWC 2-D convolution as an implicit GEMM (op_conv2d_record): M = B*Ho*Wo output
 * pixels, N = Cout, K = kh*kw*Cin, with fused bias and residual add. The input is read in place
 * (no im2col buffer). Large tensors are split into windows of whole output image-rows
 * (b*Ho + oy); each window binds just the input image-rows its taps reach, so every binding
 * stays within maxStorageBufferRange / maxTexelBufferElements.
 *
 * Leaves out: dilation, groups, transposed convolution (the SD decoder upsamples with
 * nearest-neighbour + a 3x3 conv), kernels larger than 7x7. */
#include "ops/common.h"
#include "ops/gemm.h"

/* Input image-rows [lo, hi] (global b*H + iy) that output image-rows [g0, g1) read. */
static void input_span(int64_t g0, int64_t g1, int64_t H, int64_t Ho, uint32_t kh, uint32_t stride,
                       uint32_t pad, int64_t *lo, int64_t *hi) {
    int64_t b0 = g0 / Ho, oy0 = g0 % Ho, b1 = (g1 - 1) / Ho, oy1 = (g1 - 1) % Ho;
    int64_t iy0 = oy0 * stride - pad, iy1 = oy1 * stride - pad + kh - 1;
    if (iy0 < 0) iy0 = 0;
    if (iy1 > H - 1) iy1 = H - 1;
    *lo = b0 * H + iy0;
    *hi = b1 * H + iy1;
    if (*hi < *lo) *hi = *lo;
}

void op_conv2d_record(gpu_recorder *rec, const tensor *x, const tensor *w, const tensor *bias,
                      const tensor *residual, const tensor *out, uint32_t stride, uint32_t pad,
                      const op_gemm_tuning *tuning) {
    op_conv2d_pad_end_record(rec, x, w, bias, residual, out, stride, pad, 0, tuning);
}

/* pad_end extra zero rows/columns after the image (bottom, right): the kernels already read any
 * tap outside [0, H) x [0, W) as zero, so only the output size changes. */
void op_conv2d_pad_end_record(gpu_recorder *rec, const tensor *x, const tensor *w, const tensor *bias,
                              const tensor *residual, const tensor *out, uint32_t stride, uint32_t pad,
                              uint32_t pad_end, const op_gemm_tuning *tuning) {
    gpu_context *ctx = gpu_recorder_context(rec);
    if (x->rank != 4 || w->rank != 4 || out->rank != 4 || stride == 0 || stride > 4 || pad > 3 || pad_end > 3)
        goto bad_shape;
    int64_t B = x->shape[0], H = x->shape[1], W = x->shape[2], Cin = x->shape[3];
    int64_t Cout = w->shape[0], kh = w->shape[1], kw = w->shape[2];
    if (kh < 1 || kw < 1 || kh > 7 || kw > 7 || H + 2 * pad + pad_end < kh || W + 2 * pad + pad_end < kw) goto bad_shape;
    int64_t Ho = (H + 2 * pad + pad_end - kh) / stride + 1, Wo = (W + 2 * pad + pad_end - kw) / stride + 1;
    if (w->shape[3] != Cin || out->shape[0] != B || out->shape[1] != Ho || out->shape[2] != Wo ||
        out->shape[3] != Cout || B <= 0 || Cin <= 0 || Cout <= 0 || x->dtype != out->dtype ||
        (bias && tensor_count(bias) != Cout) || (residual && (tensor_count(residual) != tensor_count(out) ||
                                                               residual->dtype != out->dtype)) ||
        Cin > (1 << 24) || Cout > (1 << 24))
        goto bad_shape;

    if (kh == 1 && kw == 1 && stride == 1 && pad == 0 && pad_end == 0) {
        /* A pointwise conv is a matmul over the B*H*W pixels: the matmul kernel has no tap loop
         * or padding masks (on lavapipe as fast or slightly faster for the SD skip/proj convs),
         * and the models then compile no separate 1x1 conv pipelines. Tuned by PIXEEN_TUNE_MATMUL. */
        tensor x2 = *x, w2 = *w, o2 = *out, r2 = residual ? *residual : (tensor){0};
        x2.rank = w2.rank = o2.rank = r2.rank = 2;
        x2.shape[0] = B * H * W, x2.shape[1] = Cin;
        w2.shape[0] = Cout, w2.shape[1] = Cin;
        o2.shape[0] = B * H * W, o2.shape[1] = Cout;
        r2.shape[0] = o2.shape[0], r2.shape[1] = Cout;
        op_matmul_record(rec, &x2, &w2, bias, residual ? &r2 : NULL, &o2, tuning);
        return;
    }
    op_gemm_tuning t = op_gemm_tuning_get(ctx, true, tuning);
    uint32_t es = dtype_size(x->dtype), wes = dtype_size(w->dtype);
    uint32_t vec = Cin % 4 == 0 && x->offset % (4 * es) == 0 && w->offset % (4 * wes) == 0 ? 4 : 1;
    bool packed = gemm_packs(&t, x, w, Cin);
    uint64_t w_bytes = (uint64_t)tensor_count(w) * wes;
    uint64_t limit;
    op_gemm_variant variant = gemm_pick_variant(ctx, &t, vec, w_bytes, w->dtype, &limit);
    if (packed && variant == OP_GEMM_TEXEL) vec = 8;
    uint64_t in_row_bytes = (uint64_t)W * Cin * es, out_row_bytes = (uint64_t)Wo * Cout * es;
    if (w_bytes > limit || (uint64_t)kh * in_row_bytes > limit || out_row_bytes > limit) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: conv2d: weight (%llu bytes) or %lld input image-rows of %llu bytes exceed one "
                               "binding's %llu bytes",
                               (unsigned long long)w_bytes, (long long)kh, (unsigned long long)in_row_bytes,
                               (unsigned long long)limit));
        return;
    }

    gemm_job job = {
        .shader_texel = OP_SHADER(CONV2D_TEXEL, x->dtype),
        .shader_texel_img = OP_SHADER(CONV2D_TEXEL_IMG, x->dtype),
        .shader_texel_packed = op_shader_name(SHADER_CONV2D_TEXEL_F16_PACKED),
        .shader_texel_packed_img = op_shader_name(SHADER_CONV2D_TEXEL_F16_PACKED_IMG),
        .shader_texel_packed_img1 = op_shader_name(SHADER_CONV2D_TEXEL_F16_PACKED_IMG1),
        .shader_texel_packed_shared = op_shader_name(SHADER_CONV2D_TEXEL_F16_PACKED_SHARED),
        .shader_texel_packed_shared_img = op_shader_name(SHADER_CONV2D_TEXEL_F16_PACKED_SHARED_IMG),
        .shader_tiled = OP_SHADER(CONV2D_TILED, x->dtype),
        .kh = (uint32_t)kh, .kw = (uint32_t)kw, .stride = stride, .pad = pad,
        .dtype = x->dtype,
        .o_dtype = x->dtype,
        .w_dtype = w->dtype,
        .b_dtype = bias ? bias->dtype : w->dtype,
        .vec = vec,
        .batches = 1,
        .w = {w->buffer, w->offset, w_bytes},
    };
    if (bias) job.bias = (gemm_range){bias->buffer, bias->offset, (uint64_t)Cout * dtype_size(bias->dtype)};
    job.push.N = (uint32_t)Cout;
    job.push.K = (uint32_t)Cin;
    job.push.H = (uint32_t)H;
    job.push.W = (uint32_t)W;
    job.push.Ho = (uint32_t)Ho;
    job.push.Wo = (uint32_t)Wo;

    int64_t rows = B * Ho; /* output image-rows */
    /* Window size: as many output image-rows as the output binding allows, fewer while the input
     * rows they reach overflow (at most one step per extra input row: windows are large). */
    int64_t per = (int64_t)(limit / out_row_bytes);
    if (per > rows) per = rows;
    for (int64_t g0 = 0; g0 < rows;) {
        int64_t n = rows - g0 < per ? rows - g0 : per, lo, hi;
        for (;;) {
            input_span(g0, g0 + n, H, Ho, (uint32_t)kh, stride, pad, &lo, &hi);
            if ((uint64_t)(hi - lo + 1) * in_row_bytes <= limit || n == 1) break;
            uint64_t span = (uint64_t)(hi - lo + 1) * in_row_bytes;
            int64_t over = (int64_t)((span - limit + in_row_bytes - 1) / in_row_bytes); /* input rows too many */
            n -= over / (int64_t)stride > 0 ? over / (int64_t)stride : 1;
            if (n < 1) n = 1;
        }
        job.push.M = (uint32_t)(n * Wo);
        job.push.g0 = (uint32_t)g0;
        job.push.in_row0 = (uint32_t)lo;
        uint64_t x_start = x->offset + (uint64_t)lo * in_row_bytes, o_start = out->offset + (uint64_t)g0 * out_row_bytes;
        job.x = (gemm_range){x->buffer, x_start, (uint64_t)(hi - lo + 1) * in_row_bytes};
        job.out = (gemm_range){out->buffer, o_start, (uint64_t)n * out_row_bytes};
        if (residual)
            job.res = (gemm_range){residual->buffer, residual->offset + (uint64_t)g0 * out_row_bytes, job.out.bytes};
        gemm_dispatch(rec, &t, variant, &job, kh == 1 && kw == 1 ? "conv1x1" : "conv2d");
        g0 += n;
    }
    return;
bad_shape:
    op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                           "ops: conv2d: x [%lld %lld %lld %lld], w [%lld %lld %lld %lld], out [%lld %lld %lld %lld], "
                           "stride %u, pad %u: shapes or dtypes do not match (expected NHWC x, w [Cout,kh,kw,Cin])",
                           (long long)x->shape[0], (long long)x->shape[1], (long long)x->shape[2],
                           (long long)x->shape[3], (long long)w->shape[0], (long long)w->shape[1],
                           (long long)w->shape[2], (long long)w->shape[3],
                           (long long)out->shape[0], (long long)out->shape[1], (long long)out->shape[2],
                           (long long)out->shape[3], stride, pad));
}
