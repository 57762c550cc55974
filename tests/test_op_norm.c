/* test_op_norm.c — group normalisation (with and without fused SiLU) and layer normalisation
 * against the plain-C reference (double statistics), fp32 and fp16 activations, fp16 gamma/beta:
 * one element (zero variance: y = beta), one channel per group (the tiny test UNet), odd sizes,
 * a large mean (|mean| >> std, where a naive fp32 sum of squares cancels), and SD 1.5 shapes
 * (UNet 64x64x320 with 32 groups, batch 2; VAE 64x64x512, eps 1e-6; CLIP rows of 768; the UNet's
 * transformer rows of 320). */
#include "gpu_test.h"
#include "ops/norm.h"
#include "ops/reference_norm.h"

/* Tolerances relative to max(1, max |ref|). fp32: statistics are fp32 sums of up to 64k terms in a
 * different order than the double reference (~1e-6 relative), then a few roundings: 2e-5 leaves
 * room. fp16: same fp16 inputs on both sides; the output's fp16 rounding is 2^-11 = 4.9e-4
 * relative, plus the fp32 error: 1e-3. */
#define TOL_F32 2e-5
#define TOL_F16 1e-3

static void round_f16(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = f32_round_f16(x[i]);
}

static void report(const char *what, tensor_dtype dt, const float *got, const float *ref, size_t n) {
    double max_abs, nmse, ref_max = 1;
    test_compare(got, ref, n, &max_abs, &nmse);
    for (size_t i = 0; i < n; i++) ref_max = fmax(ref_max, fabs(ref[i]));
    double tol = (dt == DTYPE_F16 ? TOL_F16 : TOL_F32) * ref_max;
    printf("%s %s: max_abs %.3g nmse %.3g (tol %.2g)\n", what, dt == DTYPE_F16 ? "f16" : "f32", max_abs, nmse, tol);
    CHECK(max_abs <= tol);
}

static void check_group(gpu_context *ctx, tensor_dtype dt, size_t b, size_t n, size_t c, size_t g, float eps, bool silu,
                        float mean_offset) {
    size_t count = b * n * c;
    float *x = malloc(count * 4), *gam = malloc(c * 4), *bet = malloc(c * 4), *ref = malloc(count * 4), *got = malloc(count * 4);
    test_fill_random(x, count, (unsigned)(count + c), -2, 2);
    for (size_t i = 0; i < count; i++) x[i] += mean_offset;
    test_fill_random(gam, c, 5, 0.5f, 1.5f);
    test_fill_random(bet, c, 6, -0.5f, 0.5f);
    round_f16(gam, c); /* weights are fp16 on the GPU */
    round_f16(bet, c);
    if (dt == DTYPE_F16) round_f16(x, count);
    tensor tx = gpu_test_tensor(ctx, dt, x, (int64_t)count), to = gpu_test_tensor(ctx, dt, NULL, (int64_t)count);
    tensor tg = gpu_test_tensor(ctx, DTYPE_F16, gam, (int64_t)c), tb = gpu_test_tensor(ctx, DTYPE_F16, bet, (int64_t)c);
    tensor ts = gpu_test_tensor(ctx, DTYPE_F32, NULL, (int64_t)op_group_norm_stats_count(b, (uint32_t)g));
    tx.rank = to.rank = 4;
    tx.shape[0] = to.shape[0] = (int64_t)b;
    tx.shape[1] = to.shape[1] = (int64_t)n;
    tx.shape[2] = to.shape[2] = 1;
    tx.shape[3] = to.shape[3] = (int64_t)c;
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_group_norm_record(rec, &(op_group_norm_desc){.x = &tx, .gamma = &tg, .beta = &tb, .out = &to, .stats = &ts,
                                                    .groups = (uint32_t)g, .eps = eps, .silu = silu});
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &to, got);
    ref_group_norm(x, b, n, c, g, gam, bet, eps, silu, ref);
    char what[160];
    snprintf(what, sizeof what, "group_norm%s B=%zu N=%zu C=%zu G=%zu eps=%g mean+%g", silu ? "+silu" : "", b, n, c, g,
             (double)eps, (double)mean_offset);
    report(what, dt, got, ref, count);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(to.buffer);
    gpu_buffer_destroy(tg.buffer);
    gpu_buffer_destroy(tb.buffer);
    gpu_buffer_destroy(ts.buffer);
    free(x);
    free(gam);
    free(bet);
    free(ref);
    free(got);
}

static void check_layer(gpu_context *ctx, tensor_dtype dt, size_t rows, size_t c, bool in_place) {
    size_t count = rows * c;
    float *x = malloc(count * 4), *gam = malloc(c * 4), *bet = malloc(c * 4), *ref = malloc(count * 4), *got = malloc(count * 4);
    test_fill_random(x, count, (unsigned)(count + 1), -3, 1);
    test_fill_random(gam, c, 7, 0.5f, 1.5f);
    test_fill_random(bet, c, 8, -0.5f, 0.5f);
    round_f16(gam, c);
    round_f16(bet, c);
    if (dt == DTYPE_F16) round_f16(x, count);
    tensor tx = gpu_test_tensor(ctx, dt, x, (int64_t)count);
    tensor to = in_place ? tx : gpu_test_tensor(ctx, dt, NULL, (int64_t)count);
    tensor tg = gpu_test_tensor(ctx, DTYPE_F16, gam, (int64_t)c), tb = gpu_test_tensor(ctx, DTYPE_F16, bet, (int64_t)c);
    tx.rank = to.rank = 2;
    tx.shape[0] = to.shape[0] = (int64_t)rows;
    tx.shape[1] = to.shape[1] = (int64_t)c;
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_layer_norm_record(rec, &tx, &tg, &tb, 1e-5f, &to);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &to, got);
    ref_layer_norm(x, rows, c, gam, bet, 1e-5f, ref);
    char what[128];
    snprintf(what, sizeof what, "layer_norm rows=%zu C=%zu%s", rows, c, in_place ? " in place" : "");
    report(what, dt, got, ref, count);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    if (!in_place) gpu_buffer_destroy(to.buffer);
    gpu_buffer_destroy(tg.buffer);
    gpu_buffer_destroy(tb.buffer);
    free(x);
    free(gam);
    free(bet);
    free(ref);
    free(got);
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    for (int d = 0; d < 2; d++) {
        tensor_dtype dt = d ? DTYPE_F16 : DTYPE_F32;
        check_group(ctx, dt, 1, 1, 1, 1, 1e-5f, false, 0);         /* one element: zero variance */
        check_group(ctx, dt, 1, 8 * 8, 32, 32, 1e-5f, true, 0);    /* one channel per group (tiny UNet) */
        check_group(ctx, dt, 2, 7 * 9, 60, 4, 1e-5f, true, 0);     /* odd sizes, 15 channels per group */
        check_group(ctx, dt, 1, 333, 48, 3, 1e-5f, false, 100);    /* |mean| >> std */
        check_group(ctx, dt, 3, 17, 6, 3, 1e-5f, true, 0);         /* C % 4 != 0: one channel per invocation */
        check_group(ctx, dt, 2, 64 * 64, 320, 32, 1e-5f, true, 0); /* SD 1.5 UNet, highest resolution */
        check_group(ctx, dt, 1, 64 * 64, 512, 32, 1e-6f, true, 0); /* SD VAE decoder mid block */
        check_layer(ctx, dt, 1, 1, false);
        check_layer(ctx, dt, 37, 1000, false);    /* odd rows, four channels per lane step */
        check_layer(ctx, dt, 5, 13, false);       /* C % 4 != 0: one channel per lane step */
        check_layer(ctx, dt, 2 * 77, 768, true);  /* CLIP, in place */
        check_layer(ctx, dt, 2 * 4096, 320, false); /* UNet transformer at 64x64, batch 2 */
    }
    return gpu_test_finish(ctx);
}
