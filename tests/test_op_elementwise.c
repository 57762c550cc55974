/* test_op_elementwise.c — binary add/mul with broadcasting and the sum reduction against the
 * plain-C reference, in fp32 and fp16, at odd sizes, one element, and a 300 MiB tensor (larger
 * than lavapipe's 128 MiB maxStorageBufferRange, so the operator must split it). */
#include "gpu_test.h"
#include "ops/reference_elementwise.h"
#include "ops/reference_reduce.h"

/* Tolerances. fp32: add/mul are exactly rounded on both sides, so only 0 is expected; 1e-6 leaves
 * room for drivers that fuse or reorder. fp16: inputs are rounded to fp16 before the reference
 * runs, so the only difference is the final fp16 rounding of the output: half an ulp, 2^-11
 * relative (values here are below 4 in magnitude: 4 * 2^-11 ~ 2e-3). */
#define TOL_F32 1e-6
#define TOL_F16 2e-3

static void round_f16(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = f32_round_f16(x[i]);
}

static void check_binary(gpu_context *ctx, tensor_dtype dtype, op_binary_kind kind, size_t n, size_t nb, size_t inner) {
    float *a = malloc(n * 4), *b = malloc(nb * 4), *ref = malloc(n * 4), *got = malloc(n * 4);
    test_fill_random(a, n, (unsigned)n, -2, 2);
    test_fill_random(b, nb, (unsigned)nb + 1, -2, 2);
    if (dtype == DTYPE_F16) {
        round_f16(a, n);
        round_f16(b, nb);
    }
    tensor ta = gpu_test_tensor(ctx, dtype, a, (int64_t)n), tb = gpu_test_tensor(ctx, dtype, b, (int64_t)nb);
    tensor to = gpu_test_tensor(ctx, dtype, NULL, (int64_t)n);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_binary_record(rec, kind, &ta, &tb, inner, &to);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &to, got);
    ref_binary(kind, a, n, b, nb, inner, ref);
    double max_abs, nmse;
    test_compare(got, ref, n, &max_abs, &nmse);
    double tol = dtype == DTYPE_F16 ? TOL_F16 : TOL_F32;
    printf("binary %s %s n=%zu nb=%zu inner=%zu: max_abs %.3g nmse %.3g (tol %.0e)\n", kind == OP_BINARY_ADD ? "add" : "mul",
           dtype == DTYPE_F16 ? "f16" : "f32", n, nb, inner, max_abs, nmse, tol);
    CHECK(max_abs <= tol);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(ta.buffer);
    gpu_buffer_destroy(tb.buffer);
    gpu_buffer_destroy(to.buffer);
    free(a);
    free(b);
    free(ref);
    free(got);
}

static void check_sum(gpu_context *ctx, tensor_dtype dtype, size_t n) {
    float *x = malloc(n * 4);
    test_fill_random(x, n, 3, -1, 1);
    if (dtype == DTYPE_F16) round_f16(x, n);
    tensor tx = gpu_test_tensor(ctx, dtype, x, (int64_t)n);
    tensor scratch = gpu_test_tensor(ctx, DTYPE_F32, NULL, (int64_t)op_reduce_sum_scratch(n));
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_reduce_sum_record(rec, &tx, &scratch);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    float got;
    CHECK_OK(gpu_buffer_download(ctx, scratch.buffer, 0, &got, 4));
    double ref = ref_sum(x, n);
    /* fp32 accumulation of n values of magnitude <= 1 in a tree of 1024-wide levels: the error
     * grows like sqrt(n) ulps of the partial sums (measured ~1e-4 at n = 2M); 1e-7 * n bounds it
     * with a margin and still catches a lost or doubled element (>= ~1e-3 here). */
    double tol = 1e-7 * (double)n + 1e-6;
    printf("sum %s n=%zu: got %.6f ref %.6f (tol %.2g)\n", dtype == DTYPE_F16 ? "f16" : "f32", n, got, ref, tol);
    CHECK(fabs(got - ref) <= tol);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(scratch.buffer);
    free(x);
}

/* 300 MiB of fp32 in each operand: three bindings per window, several windows per tensor. */
static void check_large(gpu_context *ctx) {
    const size_t n = (300u << 20) / 4;
    float *a = malloc(n * 4), *got = malloc(n * 4);
    for (size_t i = 0; i < n; i++) a[i] = (float)(i % 1000);
    float bias[3] = {0.5f, -1.0f, 2.0f};
    tensor ta = gpu_test_tensor(ctx, DTYPE_F32, a, (int64_t)n), tb = gpu_test_tensor(ctx, DTYPE_F32, bias, 3);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_binary_record(rec, OP_BINARY_ADD, &ta, &tb, 7, &ta); /* in place, period 21 across windows */
    CHECK_OK(gpu_recorder_end(rec));
    CHECK(gpu_recorder_dispatch_count(rec) >= 3);
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &ta, got);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) bad += got[i] != (float)(i % 1000) + bias[(i / 7) % 3];
    printf("300 MiB add in %u windows: %zu mismatches\n", gpu_recorder_dispatch_count(rec), bad);
    CHECK(bad == 0);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(ta.buffer);
    gpu_buffer_destroy(tb.buffer);
    free(a);
    free(got);
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    for (int d = 0; d < 2; d++) {
        tensor_dtype dt = d ? DTYPE_F16 : DTYPE_F32;
        check_binary(ctx, dt, OP_BINARY_ADD, 1, 1, 1);
        check_binary(ctx, dt, OP_BINARY_ADD, 1000003, 1000003, 1); /* same shape, odd size */
        check_binary(ctx, dt, OP_BINARY_MUL, 77 * 37, 37, 1);       /* bias over the last dim */
        check_binary(ctx, dt, OP_BINARY_ADD, 2 * 320 * 64 * 64, 320, 64 * 64); /* per channel, SD shape */
        check_sum(ctx, dt, 1);
        check_sum(ctx, dt, 1025);
        check_sum(ctx, dt, 2 * 4 * 64 * 64 + 13);
        check_sum(ctx, dt, 1u << 21); /* three passes */
    }
    if (!test_quick()) check_large(ctx); /* the plain pass proves the window split */
    return gpu_test_finish(ctx);
}
