/* test_op_activation.c — SiLU, GELU (tanh, erf), quick-GELU and GEGLU against the plain-C
 * reference (double libm), fp32 and fp16, at one element, odd sizes, in place, inputs wide enough
 * to reach the saturated tails (|x| up to 12), and the SD 1.5 GEGLU shape (batch 2, 4096 tokens,
 * 2 x 1280 -> 1280). */
#include "ops/activation.h"
#include "ops/reference_activation.h"
#include "op_test.h"

/* fp32: exp/tanh of the driver (a few ulp) and A&S erf (1.5e-7 absolute) against double libm:
 * 1e-5 of max(1, |ref|) covers them with margin. fp16: the output's fp16 rounding (2^-11 relative)
 * plus the fp32 error: 1e-3. */
#define TOL_F32 1e-5
#define TOL_F16 1e-3

static const char *const names[] = {"silu", "gelu_tanh", "gelu_erf", "quick_gelu"};

static void check_act(gpu_context *ctx, tensor_dtype dt, op_activation_kind kind, size_t n, bool in_place) {
    float *x = malloc(n * 4), *ref = malloc(n * 4), *got = malloc(n * 4);
    test_fill_random(x, n, (unsigned)(n + kind), -12, 12);
    if (dt == DTYPE_F16) op_test_round_f16(x, n);
    int64_t shape[1] = {(int64_t)n};
    tensor tx = op_test_tensor(ctx, dt, x, 1, shape), to = in_place ? tx : op_test_tensor(ctx, dt, NULL, 1, shape);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_activation_record(rec, kind, &tx, &to);
    op_test_run(rec);
    gpu_test_read(ctx, &to, got);
    ref_activation(kind, x, n, ref);
    char what[96];
    snprintf(what, sizeof what, "%s n=%zu%s", names[kind], n, in_place ? " in place" : "");
    op_test_report(what, dt, got, ref, n, dt == DTYPE_F16 ? TOL_F16 : TOL_F32);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    if (!in_place) gpu_buffer_destroy(to.buffer);
    free(x);
    free(ref);
    free(got);
}

static void check_geglu(gpu_context *ctx, tensor_dtype dt, op_activation_kind gelu, size_t rows, size_t f) {
    size_t nin = rows * 2 * f, nout = rows * f;
    float *x = malloc(nin * 4), *ref = malloc(nout * 4), *got = malloc(nout * 4);
    test_fill_random(x, nin, (unsigned)(rows + f), -5, 5);
    if (dt == DTYPE_F16) op_test_round_f16(x, nin);
    int64_t sin[2] = {(int64_t)rows, (int64_t)(2 * f)}, sout[2] = {(int64_t)rows, (int64_t)f};
    tensor tx = op_test_tensor(ctx, dt, x, 2, sin), to = op_test_tensor(ctx, dt, NULL, 2, sout);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_geglu_record(rec, gelu, &tx, &to);
    op_test_run(rec);
    gpu_test_read(ctx, &to, got);
    ref_geglu(gelu, x, rows, f, ref);
    char what[96];
    snprintf(what, sizeof what, "geglu(%s) rows=%zu F=%zu", names[gelu], rows, f);
    op_test_report(what, dt, got, ref, nout, dt == DTYPE_F16 ? TOL_F16 : TOL_F32);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(to.buffer);
    free(x);
    free(ref);
    free(got);
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    for (int d = 0; d < 2; d++) {
        tensor_dtype dt = d ? DTYPE_F16 : DTYPE_F32;
        for (int k = 0; k < 4; k++) {
            check_act(ctx, dt, (op_activation_kind)k, 1, false);
            check_act(ctx, dt, (op_activation_kind)k, 100003, k == 0); /* odd: one element per invocation */
            check_act(ctx, dt, (op_activation_kind)k, 4 * 25013, k == 1); /* four per invocation */
        }
        check_geglu(ctx, dt, OP_ACT_GELU_ERF, 1, 1);
        check_geglu(ctx, dt, OP_ACT_GELU_TANH, 77, 33);
        check_geglu(ctx, dt, OP_ACT_GELU_TANH, 77, 36); /* four columns per invocation */
        check_geglu(ctx, dt, OP_ACT_GELU_ERF, 2 * 4096, 1280); /* SD 1.5 feed-forward at 64x64 */
    }
    return gpu_test_finish(ctx);
}
