/* test_op_latent_sample.c — the editing kernels against their plain-C references (src/ops/latent_sample.h), on
 * random inputs at odd sizes and at an SD 1.5 latent size (64x64x4, batch 2), fp32 and fp16
 * moments:
 *   latent_sample  scale * (mean + exp(0.5 clamp(logvar)) * noise), one image repeated over B;
 *                  log-variances drawn in [-40, 30] so both clamps are exercised
 *   latent_blend   m x + (1 - m)(alpha x0 + beta noise), with and without a mask, coefficients
 *                  read at a fixed entry and at the state's step index + offset.
 * Tolerance: fp32 1e-5 relative (exp and fma orders differ); fp16 moments are rounded to fp16
 * before the reference sees them, so the same bound holds. */
#include "gpu_test.h"
#include "ops/latent_blend.h"
#include "ops/latent_sample.h"
#include "ops/reference_latent_blend.h"
#include "ops/reference_latent_sample.h"

static void check_sample(gpu_context *ctx, int64_t B, int64_t h, int64_t w, int64_t C, tensor_dtype dt) {
    size_t per = (size_t)(h * w * C), nm = 2 * per, n = (size_t)B * per;
    float *m = malloc(nm * 4), *noise = malloc(per * 4), *ref = malloc(n * 4), *got = malloc(n * 4);
    test_fill_random(m, nm, (unsigned)(h * 31 + C), -40, 30);
    test_fill_random(noise, per, (unsigned)(w * 7 + B), -3, 3);
    for (size_t p = 0; p < (size_t)(h * w); p++) /* means in a sane range; log-variances as drawn */
        for (int64_t c = 0; c < C; c++) m[p * 2 * C + c] /= 10.0f;
    if (dt == DTYPE_F16)
        for (size_t i = 0; i < nm; i++) m[i] = f32_round_f16(m[i]);
    tensor tm = gpu_test_tensor(ctx, dt, m, (int64_t)nm), tn = gpu_test_tensor(ctx, DTYPE_F32, noise, (int64_t)per);
    tensor to = gpu_test_tensor(ctx, DTYPE_F32, NULL, (int64_t)n);
    tm.rank = to.rank = 4;
    memcpy(tm.shape, (int64_t[4]){1, h, w, 2 * C}, sizeof tm.shape);
    memcpy(to.shape, (int64_t[4]){B, h, w, C}, sizeof to.shape);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_latent_sample_record(rec, &tm, &tn, 0.18215f, &to);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &to, got);
    ref_latent_sample(m, noise, 0.18215f, B, h * w, C, ref);
    double worst = 0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(got[i] - ref[i]) / fmax(1.0, fabs(ref[i])));
    printf("latent_sample B=%lld %lldx%lldx%lld %s: max rel %.3g\n", (long long)B, (long long)h, (long long)w, (long long)C,
           dt == DTYPE_F16 ? "f16" : "f32", worst);
    CHECK(worst < 1e-5);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tm.buffer), gpu_buffer_destroy(tn.buffer), gpu_buffer_destroy(to.buffer);
    free(m), free(noise), free(ref), free(got);
}

static void check_blend(gpu_context *ctx, int64_t B, int64_t h, int64_t w, int64_t C, bool mask, bool use_state) {
    size_t n = (size_t)(B * h * w * C), pixels = (size_t)(h * w);
    float *x = malloc(n * 4), *x0 = malloc(n * 4), *noise = malloc(n * 4), *mk = malloc(pixels * 4), *got = malloc(n * 4);
    test_fill_random(x, n, 1, -5, 5);
    test_fill_random(x0, n, 2, -2, 2);
    test_fill_random(noise, n, 3, -3, 3);
    for (size_t i = 0; i < pixels; i++) mk[i] = (float)((i * 7919) % 3 == 0);
    float coeffs[8] = {1.0f, 14.6f, 0.8f, 0.6f, 1.0f, 3.5f, 1.0f, 0.0f};
    tensor tx = gpu_test_tensor(ctx, DTYPE_F32, x, (int64_t)n), t0 = gpu_test_tensor(ctx, DTYPE_F32, x0, (int64_t)n);
    tensor tn = gpu_test_tensor(ctx, DTYPE_F32, noise, (int64_t)n), tm = gpu_test_tensor(ctx, DTYPE_F32, mk, (int64_t)pixels);
    tensor tc = gpu_test_tensor(ctx, DTYPE_F32, coeffs, 8);
    tx.rank = 4;
    memcpy(tx.shape, (int64_t[4]){B, h, w, C}, sizeof tx.shape);
    gpu_buffer *state = NULL;
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_HOST, 4, "step", &state));
    *(uint32_t *)gpu_buffer_map(state) = 1; /* step 1 + offset 1: entry 2 */
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_blend_bindings bb = {tc.buffer, state, &tx, &t0, &tn, mask ? &tm : NULL};
    op_latent_blend_record(rec, &bb, 1, use_state);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &tx, got);
    int entry = use_state ? 2 : 1;
    ref_latent_blend(coeffs[2 * entry], coeffs[2 * entry + 1], x0, noise, mask ? mk : NULL, (int64_t)n, C,
                              (int64_t)pixels, x);
    double worst = 0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(got[i] - x[i]) / fmax(1.0, fabs(x[i])));
    printf("latent_blend B=%lld %lldx%lldx%lld mask %d state %d: max rel %.3g\n", (long long)B, (long long)h, (long long)w,
           (long long)C, mask, use_state, worst);
    CHECK(worst < 1e-5);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(state);
    gpu_buffer_destroy(tx.buffer), gpu_buffer_destroy(t0.buffer), gpu_buffer_destroy(tn.buffer);
    gpu_buffer_destroy(tm.buffer), gpu_buffer_destroy(tc.buffer);
    free(x), free(x0), free(noise), free(mk), free(got);
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    check_sample(ctx, 1, 3, 5, 4, DTYPE_F32);
    check_sample(ctx, 3, 7, 1, 3, DTYPE_F16);
    check_sample(ctx, 2, 64, 64, 4, DTYPE_F16);
    check_blend(ctx, 1, 5, 3, 4, true, true);
    check_blend(ctx, 2, 9, 7, 3, false, false);
    check_blend(ctx, 2, 64, 64, 4, true, false);
    check_blend(ctx, 3, 11, 13, 4, true, true);
    return gpu_test_finish(ctx);
}
