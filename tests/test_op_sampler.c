/* test_op_sampler.c — the sampler kernels (sampler.h) and the timestep embedding (embedding.h)
 * against their plain-C references, including replay: a step is recorded once, submitted, the host
 * rewrites the scalar block (a host-visible buffer), and the same recording is submitted again; the
 * result must follow the new scalars (timestep, guidance, coefficients). Sizes: one element, odd,
 * SD 1.5 latents (B = 1, 4 x 64 x 64; model output [2B, ...] under CFG), fp32 and fp16 UNet I/O.
 * Also checks the C struct and the GLSL block agree (16 floats, 64 bytes) at compile time. */
#include "ops/embedding.h"
#include "ops/reference_embedding.h"
#include "ops/reference_sampler.h"
#include "ops/sampler.h"
#include "ops2_test.h"

/* Sampler update: a handful of fp32 multiply-adds, possibly contracted to FMA by the driver where
 * the reference rounds each step: a few ulp of the largest term (|terms| <= ~10): 1e-6 relative to
 * max(1, |ref|) allows that; a wrong coefficient or operand is off by O(0.1). fp16 UNet I/O: model_out
 * is the same fp16 value on both sides, so the same tolerance; an fp16 x_in output adds its
 * rounding, 2^-11: 1e-3. */
#define TOL_STEP 2e-6
#define TOL_F16_OUT 1e-3
/* Timestep embedding: the fp32 argument t*freq reaches 1000 rad; the driver's exp may differ from
 * expf by an ulp, moving the argument by up to ~1000 * 6e-8 = 6e-5, hence sin/cos by as much:
 * 2e-4 absolute in fp32; fp16 output adds 4.9e-4. */
#define TOL_EMB_F32 2e-4
#define TOL_EMB_F16 1e-3

static gpu_buffer *scalar_buffer(gpu_context *ctx, sampler_scalars **host) {
    gpu_buffer *b = NULL;
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_HOST, sizeof(sampler_scalars), "scalars", &b));
    *host = gpu_buffer_map(b);
    return b;
}

static sampler_scalars random_scalars(unsigned seed) {
    float v[16];
    test_fill_random(v, 16, seed, -1.5f, 1.5f);
    sampler_scalars s = {0};
    s.timestep = 999 * (v[0] * 0.5f + 0.75f) / 1.5f;
    s.guidance = 7.5f + v[1];
    s.c_in = 0.1f + v[2] * 0.05f;
    s.alpha_x = 1 + v[3] * 0.1f;
    s.alpha_e = v[4];
    s.a = v[5];
    s.b = v[6];
    s.c = v[7];
    s.d = v[8];
    s.scale = v[9];
    s.shift = v[10];
    return s;
}

static void check_step(gpu_context *ctx, tensor_dtype mdt, size_t n, bool cfg, bool use_prev, bool use_noise) {
    size_t copies = cfg ? 2 : 1;
    float *m = malloc(copies * n * 4), *x = malloc(n * 4), *p = malloc(n * 4), *z = malloc(n * 4);
    float *gx = malloc(n * 4), *gp = malloc(n * 4);
    test_fill_random(m, copies * n, 11, -2, 2);
    test_fill_random(x, n, 12, -3, 3);
    test_fill_random(p, n, 13, -1, 1);
    test_fill_random(z, n, 14, -2, 2);
    if (mdt == DTYPE_F16) ops2_round_f16(m, copies * n);
    int64_t sn[1] = {(int64_t)n}, sm[1] = {(int64_t)(copies * n)};
    tensor tm = ops2_tensor(ctx, mdt, m, 1, sm), tx = ops2_tensor(ctx, DTYPE_F32, x, 1, sn);
    tensor tp = ops2_tensor(ctx, DTYPE_F32, p, 1, sn), tz = ops2_tensor(ctx, DTYPE_F32, z, 1, sn);
    sampler_scalars *host;
    tensor ts = {scalar_buffer(ctx, &host), 0, DTYPE_F32, 1, {16}};
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_sampler_step_record(rec, &(op_sampler_step_desc){.scalars = &ts, .model_out = &tm, .cfg = cfg, .x = &tx,
                                                        .prev_denoised = use_prev ? &tp : NULL,
                                                        .noise = use_noise ? &tz : NULL});
    CHECK_OK(gpu_recorder_end(rec));
    for (int step = 0; step < 2; step++) { /* replay with new scalars */
        sampler_scalars s = random_scalars((unsigned)(step + 1));
        *host = s;
        CHECK_OK(gpu_recorder_submit(rec));
        ref_sampler_step(&s, m, cfg, x, use_prev ? p : NULL, use_noise ? z : NULL, n);
    }
    gpu_test_read(ctx, &tx, gx);
    gpu_test_read(ctx, &tp, gp);
    char what[128];
    snprintf(what, sizeof what, "sampler_step n=%zu%s%s%s x after 2 replays", n, cfg ? " cfg" : "", use_prev ? " prev" : "",
             use_noise ? " noise" : "");
    ops2_report(what, mdt, gx, x, n, TOL_STEP);
    snprintf(what, sizeof what, "sampler_step n=%zu%s prev_denoised", n, cfg ? " cfg" : "");
    ops2_report(what, mdt, gp, p, n, TOL_STEP);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tm.buffer);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(tp.buffer);
    gpu_buffer_destroy(tz.buffer);
    gpu_buffer_destroy(ts.buffer);
    free(m);
    free(x);
    free(p);
    free(z);
    free(gx);
    free(gp);
}

static void check_scale_input(gpu_context *ctx, tensor_dtype dt, size_t n, uint32_t copies) {
    float *x = malloc(n * 4), *ref = malloc(copies * n * 4), *got = malloc(copies * n * 4);
    test_fill_random(x, n, 21, -4, 4);
    int64_t sn[1] = {(int64_t)n}, so[1] = {(int64_t)(copies * n)};
    tensor tx = ops2_tensor(ctx, DTYPE_F32, x, 1, sn), to = ops2_tensor(ctx, dt, NULL, 1, so);
    sampler_scalars *host;
    tensor ts = {scalar_buffer(ctx, &host), 0, DTYPE_F32, 1, {16}};
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_sampler_scale_input_record(rec, &ts, &tx, copies, &to);
    CHECK_OK(gpu_recorder_end(rec));
    for (int step = 0; step < 2; step++) {
        sampler_scalars s = random_scalars((unsigned)(step + 7));
        *host = s;
        CHECK_OK(gpu_recorder_submit(rec));
        gpu_test_read(ctx, &to, got);
        ref_sampler_scale_input(&s, x, n, copies, ref);
        char what[96];
        snprintf(what, sizeof what, "scale_input n=%zu copies=%u replay %d", n, copies, step);
        ops2_report(what, dt, got, ref, copies * n, dt == DTYPE_F16 ? TOL_F16_OUT : TOL_STEP);
    }
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(to.buffer);
    gpu_buffer_destroy(ts.buffer);
    free(x);
    free(ref);
    free(got);
}

static void check_scale_shift(gpu_context *ctx, tensor_dtype dt, size_t n) {
    float *x = malloc(n * 4), *ref = malloc(n * 4), *got = malloc(n * 4);
    test_fill_random(x, n, 31, -4, 4);
    if (dt == DTYPE_F16) ops2_round_f16(x, n);
    int64_t sn[1] = {(int64_t)n};
    tensor tx = ops2_tensor(ctx, dt, x, 1, sn), to = ops2_tensor(ctx, dt, NULL, 1, sn);
    sampler_scalars *host;
    tensor ts = {scalar_buffer(ctx, &host), 0, DTYPE_F32, 1, {16}};
    *host = random_scalars(41);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_scale_shift_record(rec, &ts, SAMPLER_SCALAR_INDEX(scale), SAMPLER_SCALAR_INDEX(shift), &tx, &to);
    ops2_run(rec);
    gpu_test_read(ctx, &to, got);
    ref_scale_shift(x, n, host->scale, host->shift, ref);
    char what[64];
    snprintf(what, sizeof what, "scale_shift n=%zu", n);
    ops2_report(what, dt, got, ref, n, dt == DTYPE_F16 ? TOL_F16_OUT : TOL_STEP);
    gpu_recorder_begin(rec); /* scale only, in place */
    op_scale_shift_record(rec, &ts, SAMPLER_SCALAR_INDEX(scale), OP_SCALAR_NONE, &tx, &tx);
    ops2_run(rec);
    gpu_test_read(ctx, &tx, got);
    ref_scale_shift(x, n, host->scale, 0, ref);
    snprintf(what, sizeof what, "scale (no shift, in place) n=%zu", n);
    ops2_report(what, dt, got, ref, n, dt == DTYPE_F16 ? TOL_F16_OUT : TOL_STEP);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(to.buffer);
    gpu_buffer_destroy(ts.buffer);
    free(x);
    free(ref);
    free(got);
}

static void check_embedding(gpu_context *ctx, tensor_dtype dt, size_t rows, size_t dim, bool flip, float shift) {
    float *ref = malloc(rows * dim * 4), *got = malloc(rows * dim * 4), *t = malloc(rows * 4);
    int64_t so[2] = {(int64_t)rows, (int64_t)dim};
    tensor to = ops2_tensor(ctx, dt, NULL, 2, so);
    sampler_scalars *host;
    tensor ts = {scalar_buffer(ctx, &host), 0, DTYPE_F32, 1, {16}};
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_timestep_embedding_record(rec, &(op_timestep_embedding_desc){.timesteps = &ts, .t_index = SAMPLER_SCALAR_INDEX(timestep),
                                                                    .out = &to, .flip_sin_to_cos = flip,
                                                                    .downscale_freq_shift = shift});
    CHECK_OK(gpu_recorder_end(rec));
    const float steps[3] = {999, 1, 500.5f}; /* replays: the recording reads each new timestep */
    for (int k = 0; k < 3; k++) {
        memset(host, 0, sizeof *host);
        host->timestep = steps[k];
        CHECK_OK(gpu_recorder_submit(rec));
        gpu_test_read(ctx, &to, got);
        for (size_t r = 0; r < rows; r++) t[r] = steps[k];
        ref_timestep_embedding(t, rows, dim, flip, shift, 1, 10000, ref);
        char what[128];
        snprintf(what, sizeof what, "timestep_embedding t=%g rows=%zu dim=%zu flip=%d shift=%g", (double)steps[k], rows, dim,
                 flip, (double)shift);
        ops2_report(what, dt, got, ref, rows * dim, dt == DTYPE_F16 ? TOL_EMB_F16 : TOL_EMB_F32);
    }
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(to.buffer);
    gpu_buffer_destroy(ts.buffer);
    free(ref);
    free(got);
    free(t);
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    for (int d = 0; d < 2; d++) {
        tensor_dtype dt = d ? DTYPE_F16 : DTYPE_F32;
        check_step(ctx, dt, 1, true, true, true);
        check_step(ctx, dt, 1001, false, false, false);
        check_step(ctx, dt, 4 * 64 * 64, true, true, false);  /* SD 1.5 latents, DPM++ 2M shape */
        check_step(ctx, dt, 4 * 64 * 64, true, false, true);  /* Euler ancestral shape */
        check_step(ctx, dt, 2 * 4 * 32 * 32, false, true, true);
        check_scale_input(ctx, dt, 1, 1);
        check_scale_input(ctx, dt, 4 * 64 * 64, 2);
        check_scale_shift(ctx, dt, 1);
        check_scale_shift(ctx, dt, 4 * 64 * 64 + 3);
        check_embedding(ctx, dt, 2, 320, true, 0); /* SD: flip_sin_to_cos, shift 0, CFG batch of 2 */
        check_embedding(ctx, dt, 1, 7, false, 1);  /* odd dim, the other convention */
        check_embedding(ctx, dt, 1, 1, true, 0);   /* dim 1: a single zero */
    }
    return gpu_test_finish(ctx);
}
