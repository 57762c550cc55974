/* test_op_layout.c — nearest 2x upsampling, channel concatenation, NCHW <-> NHWC transposes and
 * row gathers against the plain-C reference, fp32 and fp16, at one element, odd sizes and SD shapes
 * (UNet 32x32x1280 upsampling and 64x64 skip concatenation 320 ++ 320 at batch 2; latents
 * 2x4x64x64; SDXL's pooled rows: 2 of 2 x 77 states of 1280, and SDXL's context 768 ++ 1280).
 * These are copies: the result must be exact (tolerance 0). */
#include "ops/layout.h"
#include "ops/gather_rows.h"
#include "ops/reference_layout.h"
#include "op_test.h"

/* Output [b, ho, wo, c] with ho = 2h or 2h - 1 (wo likewise), against torch's nearest-index rule. */
static void check_upsample_to(gpu_context *ctx, tensor_dtype dt, int64_t b, int64_t h, int64_t w, int64_t c, int64_t ho,
                              int64_t wo) {
    size_t n = (size_t)(b * h * w * c), no = (size_t)(b * ho * wo * c);
    float *x = malloc(n * 4), *ref = malloc(no * 4), *got = malloc(no * 4);
    test_fill_random(x, n, (unsigned)n, -3, 3);
    if (dt == DTYPE_F16) op_test_round_f16(x, n);
    int64_t si[4] = {b, h, w, c}, so[4] = {b, ho, wo, c};
    tensor tx = op_test_tensor(ctx, dt, x, 4, si), to = op_test_tensor(ctx, dt, NULL, 4, so);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_upsample_nearest2x_record(rec, &tx, &to);
    op_test_run(rec);
    gpu_test_read(ctx, &to, got);
    ref_upsample_nearest(x, (size_t)b, (size_t)h, (size_t)w, (size_t)c, (size_t)ho, (size_t)wo, ref);
    char what[128];
    snprintf(what, sizeof what, "upsample [%lld,%lld,%lld,%lld] -> %lldx%lld", (long long)b, (long long)h, (long long)w,
             (long long)c, (long long)ho, (long long)wo);
    op_test_report(what, dt, got, ref, no, 0);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(to.buffer);
    free(x);
    free(ref);
    free(got);
}

static void check_upsample(gpu_context *ctx, tensor_dtype dt, int64_t b, int64_t h, int64_t w, int64_t c) {
    check_upsample_to(ctx, dt, b, h, w, c, 2 * h, 2 * w);
}

/* A target size the op does not make (3x, or 2H+1) is refused with the shapes, not run. */
static void check_upsample_refused(gpu_context *ctx) {
    int64_t si[4] = {1, 3, 3, 4}, so[4] = {1, 7, 6, 4};
    tensor tx = op_test_tensor(ctx, DTYPE_F32, NULL, 4, si), to = op_test_tensor(ctx, DTYPE_F32, NULL, 4, so);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_upsample_nearest2x_record(rec, &tx, &to);
    CHECK_STATUS(gpu_recorder_end(rec), PIXEEN_ERROR_INTERNAL);
    CHECK(strstr(error_message(), "[1, 7, 6, 4]") || strstr(error_message(), "[1, 3, 3, 4] -> out [1, 7, 6, 4]"));
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(to.buffer);
}

static void check_concat(gpu_context *ctx, tensor_dtype dt, int64_t rows, int64_t c1, int64_t c2) {
    size_t na = (size_t)(rows * c1), nb = (size_t)(rows * c2), no = na + nb;
    float *a = malloc(na * 4), *b = malloc(nb * 4), *ref = malloc(no * 4), *got = malloc(no * 4);
    test_fill_random(a, na, 1, -3, 3);
    test_fill_random(b, nb, 2, -3, 3);
    if (dt == DTYPE_F16) {
        op_test_round_f16(a, na);
        op_test_round_f16(b, nb);
    }
    int64_t sa[2] = {rows, c1}, sb[2] = {rows, c2}, so[2] = {rows, c1 + c2};
    tensor ta = op_test_tensor(ctx, dt, a, 2, sa), tb = op_test_tensor(ctx, dt, b, 2, sb), to = op_test_tensor(ctx, dt, NULL, 2, so);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_concat_channels_record(rec, &ta, &tb, &to);
    op_test_run(rec);
    gpu_test_read(ctx, &to, got);
    ref_concat_channels(a, b, (size_t)rows, (size_t)c1, (size_t)c2, ref);
    char what[96];
    snprintf(what, sizeof what, "concat rows=%lld %lld++%lld", (long long)rows, (long long)c1, (long long)c2);
    op_test_report(what, dt, got, ref, no, 0);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(ta.buffer);
    gpu_buffer_destroy(tb.buffer);
    gpu_buffer_destroy(to.buffer);
    free(a);
    free(b);
    free(ref);
    free(got);
}

static void check_transpose(gpu_context *ctx, tensor_dtype dt, int64_t batch, int64_t r, int64_t s) {
    size_t n = (size_t)(batch * r * s);
    float *x = malloc(n * 4), *ref = malloc(n * 4), *got = malloc(n * 4), *back = malloc(n * 4);
    test_fill_random(x, n, 3, -3, 3);
    if (dt == DTYPE_F16) op_test_round_f16(x, n);
    int64_t sh[3] = {batch, r, s}, st[3] = {batch, s, r};
    tensor tx = op_test_tensor(ctx, dt, x, 3, sh), to = op_test_tensor(ctx, dt, NULL, 3, st), tb = op_test_tensor(ctx, dt, NULL, 3, sh);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_transpose_record(rec, &tx, batch, r, s, &to); /* e.g. NCHW -> NHWC */
    op_transpose_record(rec, &to, batch, s, r, &tb); /* and back */
    op_test_run(rec);
    gpu_test_read(ctx, &to, got);
    gpu_test_read(ctx, &tb, back);
    ref_transpose(x, (size_t)batch, (size_t)r, (size_t)s, ref);
    char what[96];
    snprintf(what, sizeof what, "transpose [%lld,%lld,%lld]", (long long)batch, (long long)r, (long long)s);
    op_test_report(what, dt, got, ref, n, 0);
    snprintf(what, sizeof what, "transpose round trip [%lld,%lld,%lld]", (long long)batch, (long long)r, (long long)s);
    op_test_report(what, dt, back, x, n, 0);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(to.buffer);
    gpu_buffer_destroy(tb.buffer);
    free(x);
    free(ref);
    free(got);
    free(back);
}

/* out[r] = x[rows[r]]: random rows (one out of range: row 0), exact. */
static void check_gather(gpu_context *ctx, tensor_dtype dt, int64_t n_x, int64_t d, int64_t n_rows) {
    size_t nx = (size_t)(n_x * d), no = (size_t)(n_rows * d);
    float *x = malloc(nx * 4), *ref = malloc(no * 4), *got = malloc(no * 4), *rows_f = malloc((size_t)n_rows * 4);
    int32_t *rows = malloc((size_t)n_rows * 4);
    test_fill_random(x, nx, 5, -3, 3);
    test_fill_random(rows_f, (size_t)n_rows, 6, 0, (float)n_x);
    for (int64_t r = 0; r < n_rows; r++) rows[r] = (int32_t)rows_f[r];
    if (n_rows > 2) rows[1] = (int32_t)n_x + 3; /* out of range: the guard reads row 0 */
    if (dt == DTYPE_F16) op_test_round_f16(x, nx);
    int64_t sx[2] = {n_x, d}, so[2] = {n_rows, d};
    tensor tx = op_test_tensor(ctx, dt, x, 2, sx), to = op_test_tensor(ctx, dt, NULL, 2, so);
    tensor tr = {.dtype = DTYPE_I32, .rank = 1, .shape = {n_rows}};
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)n_rows * 4, "rows", &tr.buffer));
    CHECK_OK(gpu_buffer_upload(ctx, tr.buffer, 0, rows, (uint64_t)n_rows * 4));
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_gather_rows_record(rec, &tr, &tx, &to);
    op_test_run(rec);
    gpu_test_read(ctx, &to, got);
    ref_gather_rows(rows, (size_t)n_rows, x, (size_t)n_x, (size_t)d, ref);
    char what[96];
    snprintf(what, sizeof what, "gather %lld of %lld rows x %lld", (long long)n_rows, (long long)n_x, (long long)d);
    op_test_report(what, dt, got, ref, no, 0);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(to.buffer);
    gpu_buffer_destroy(tr.buffer);
    free(x);
    free(ref);
    free(got);
    free(rows_f);
    free(rows);
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    for (int d = 0; d < 2; d++) {
        tensor_dtype dt = d ? DTYPE_F16 : DTYPE_F32;
        check_upsample(ctx, dt, 1, 1, 1, 1);
        check_upsample(ctx, dt, 2, 5, 7, 3); /* C % 4 != 0: one element per invocation */
        check_upsample(ctx, dt, 1, 3, 5, 8); /* four channels per invocation, odd sizes */
        check_upsample(ctx, dt, 2, 32, 32, 1280); /* SD 1.5 UNet up block at 512x512 */
        /* odd skip sizes (latents not a multiple of 8): SD 1.5 at 96x64 upsamples 2x1 -> 3x2, at
         * 72x72 5x5 -> 9x9, at 64x104 1x2 -> 1x4 -> 2x7 -> 4x13 */
        check_upsample_to(ctx, dt, 2, 2, 1, 1280, 3, 2);
        check_upsample_to(ctx, dt, 1, 5, 5, 640, 9, 9);
        check_upsample_to(ctx, dt, 2, 2, 7, 3, 4, 13);  /* one element per invocation */
        check_upsample_to(ctx, dt, 3, 7, 4, 8, 13, 8);  /* several images: rows restart per image */
        check_upsample_to(ctx, dt, 1, 1, 1, 4, 1, 1);
        if (!test_quick() && dt == DTYPE_F32) /* over one binding: windows of input rows across images */
            check_upsample_to(ctx, dt, 2, 70, 51, 1280, 139, 101); /* 2 windows, the 2nd from y = 59 */
        check_concat(ctx, dt, 1, 1, 1);
        if (!d) check_upsample_refused(ctx);
        check_concat(ctx, dt, 37, 5, 11);
        check_concat(ctx, dt, 37, 12, 4); /* four channels per invocation */
        check_concat(ctx, dt, 2 * 64 * 64, 320, 320); /* SD 1.5 skip connection */
        check_transpose(ctx, dt, 1, 1, 1);
        check_transpose(ctx, dt, 3, 7, 13);
        check_transpose(ctx, dt, 2, 4, 64 * 64); /* latents NCHW -> NHWC */
        check_gather(ctx, dt, 1, 1, 1);
        check_gather(ctx, dt, 37, 13, 5);
        check_gather(ctx, dt, 2 * 77, 1280, 2); /* SDXL's pooled text: the end tokens of [uncond; cond] */
        check_concat(ctx, dt, 2 * 77, 768, 1280); /* SDXL's context: both encoders' states */
    }
    return gpu_test_finish(ctx);
}
