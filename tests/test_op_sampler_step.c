/* test_op_sampler_step.c — the denoising-loop kernels against their plain-C specifications:
 * sampler_update (guidance + the generic update) against ref_sampler_step for every kind of
 * step (with and without prev_denoised, with noise, one or two CFG halves), sampler_input, and
 * AUTOMATIC1111's token weighting against a direct transcription of process_tokens. All fp32
 * arithmetic on both sides, so the tolerance is a few ulps (1e-5 relative). */
#include "gpu_test.h"
#include "ops/reference_sampler_step.h"
#include "ops/sampler_step.h"
#include "ops/token_weights.h"
#include "sample/sampler.h"

static double max_rel(const float *a, const float *b, size_t n) {
    double worst = 0, scale = 1e-30;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        worst = d > worst || isnan(a[i]) ? (isnan(a[i]) ? INFINITY : d) : worst;
        scale = fabs(b[i]) > scale ? fabs(b[i]) : scale;
    }
    return worst / scale;
}

static void test_sampler_update(gpu_context *ctx, uint32_t halves, uint32_t flags, float d) {
    enum { N = 2 * 13 * 7 * 4, STEPS = 3 }; /* B=2, 13x7 latents, 4 channels: odd sizes */
    sampler_step steps[STEPS];
    memset(steps, 0, sizeof steps);
    for (int s = 0; s < STEPS; s++)
        steps[s] = (sampler_step){.timestep = 999.0f - 333 * s, .c_in = 0.5f + s, .dn_x = 1.0f, .dn_eps = -2.5f + s,
                                  .a = 0.3f, .b = 0.7f - 0.1f * s, .c = 0.25f, .d = d, .flags = flags, .index = (uint32_t)s};
    float x[N], m[2 * N], prev[N], noise[STEPS * N];
    test_fill_random(x, N, 1, -3, 3);
    test_fill_random(m, 2 * N, 2, -1, 1);
    test_fill_random(prev, N, 3, -1, 1);
    test_fill_random(noise, STEPS * N, 4, -1, 1);
    const float g = 7.5f;
    int step = 1;
    /* reference */
    float guided[N], ref_x[N], ref_prev[N];
    for (int i = 0; i < N; i++) guided[i] = halves == 2 ? m[i] + g * (m[N + i] - m[i]) : m[i];
    memcpy(ref_prev, prev, sizeof prev);
    ref_sampler_step(&steps[step], x, guided, ref_prev, noise + step * N, ref_x, N);
    /* GPU */
    tensor tx = gpu_test_tensor(ctx, DTYPE_F32, x, N), tm = gpu_test_tensor(ctx, DTYPE_F32, m, halves * N);
    tensor tp = gpu_test_tensor(ctx, DTYPE_F32, prev, N), tn = gpu_test_tensor(ctx, DTYPE_F32, noise, STEPS * N);
    gpu_buffer *plan, *state;
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, sizeof steps, "plan", &plan));
    CHECK_OK(gpu_buffer_upload(ctx, plan, 0, steps, sizeof steps));
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_HOST, 4, "state", &state));
    *(uint32_t *)gpu_buffer_map(state) = (uint32_t)step;
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_sampler_bindings sb = {plan, state, &tx};
    op_sampler_update_record(rec, &sb, halves, g, &tm, &tp, &tn, STEPS);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    float got_x[N], got_prev[N];
    gpu_test_read(ctx, &tx, got_x);
    gpu_test_read(ctx, &tp, got_prev);
    double ex = max_rel(got_x, ref_x, N), ep = max_rel(got_prev, ref_prev, N);
    printf("sampler_update halves %u flags %u d %.1f: x max rel %.2g, prev max rel %.2g\n", halves, flags, d, ex, ep);
    CHECK(ex < 1e-5);
    CHECK(ep < 1e-5);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(plan);
    gpu_buffer_destroy(state);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(tm.buffer);
    gpu_buffer_destroy(tp.buffer);
    gpu_buffer_destroy(tn.buffer);
}

static void test_token_weights(gpu_context *ctx) {
    enum { ROWS = 3, T = 77, D = 33 };
    float z[ROWS * T * D], w[ROWS * T], ref[ROWS * T * D], got[ROWS * T * D];
    test_fill_random(z, ROWS * T * D, 5, -2, 2.5f);
    test_fill_random(w, ROWS * T, 6, 0.5f, 1.5f);
    for (int r = 0; r < ROWS; r++) { /* process_tokens: z *= w; z *= mean_before / mean_after */
        double before = 0, after = 0;
        for (int i = 0; i < T * D; i++) {
            before += z[r * T * D + i];
            after += (double)z[r * T * D + i] * w[r * T + i / D];
        }
        for (int i = 0; i < T * D; i++) ref[r * T * D + i] = (float)(z[r * T * D + i] * w[r * T + i / D] * (before / after));
    }
    tensor tz = gpu_test_tensor(ctx, DTYPE_F32, z, ROWS * T * D), tw = gpu_test_tensor(ctx, DTYPE_F32, w, ROWS * T);
    tz.rank = 3;
    tz.shape[0] = ROWS;
    tz.shape[1] = T;
    tz.shape[2] = D;
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_token_weights_record(rec, &tz, &tw);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &tz, got);
    double e = max_rel(got, ref, ROWS * T * D);
    printf("token_weights: max rel %.2g\n", e);
    CHECK(e < 1e-4); /* fp32 sums of 2541 values on the GPU vs double here */
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tz.buffer);
    gpu_buffer_destroy(tw.buffer);
}

/* A model output of the wrong size (issue 15: the UNet at odd latent sizes once made one) is
 * refused with every shape in the message. */
static void test_sampler_update_shapes(gpu_context *ctx) {
    gpu_buffer *plan, *state;
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, sizeof(sampler_step), "plan", &plan));
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_HOST, 4, "state", &state));
    tensor tx = gpu_test_tensor(ctx, DTYPE_F32, NULL, 1 * 8 * 12 * 4), tm = gpu_test_tensor(ctx, DTYPE_F32, NULL, 2 * 8 * 16 * 4);
    tensor tp = gpu_test_tensor(ctx, DTYPE_F32, NULL, 8 * 12 * 4), tn = gpu_test_tensor(ctx, DTYPE_F32, NULL, 8 * 12 * 4);
    tx.rank = tp.rank = 4;
    tx.shape[0] = tp.shape[0] = 1;
    tx.shape[1] = tp.shape[1] = 8;
    tx.shape[2] = tp.shape[2] = 12;
    tx.shape[3] = tp.shape[3] = 4;
    tm.rank = 4;
    tm.shape[0] = 2;
    tm.shape[1] = 8;
    tm.shape[2] = 16;
    tm.shape[3] = 4;
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_sampler_bindings sb = {plan, state, &tx};
    op_sampler_update_record(rec, &sb, 2, 7.5f, &tm, &tp, &tn, 1);
    CHECK_STATUS(gpu_recorder_end(rec), PIXEEN_ERROR_INTERNAL);
    printf("%s\n", error_message());
    CHECK(strstr(error_message(), "latents [1, 8, 12, 4]") && strstr(error_message(), "model output [2, 8, 16, 4]"));
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(tm.buffer);
    gpu_buffer_destroy(tp.buffer);
    gpu_buffer_destroy(tn.buffer);
    gpu_buffer_destroy(plan);
    gpu_buffer_destroy(state);
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    test_sampler_update_shapes(ctx);
    test_sampler_update(ctx, 2, 0, 0.0f);                                                       /* Euler */
    test_sampler_update(ctx, 2, 0, 0.8f);                                                       /* Euler a */
    test_sampler_update(ctx, 2, SAMPLER_STEP_USE_PREV | SAMPLER_STEP_KEEP_DENOISED, 0.0f);      /* DPM++ 2M */
    test_sampler_update(ctx, 1, SAMPLER_STEP_KEEP_DENOISED, 0.0f);                              /* no CFG */
    test_token_weights(ctx);
    return gpu_test_finish(ctx);
}
