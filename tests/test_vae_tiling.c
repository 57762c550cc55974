/* test_vae_tiling.c — tiled VAE decoding and encoding (src/pipeline/vae_tiling.c, src/ops/tile_crop.c, tile_blend.c):
 *   - the tile plan and the feathering weights (every tile the same size, inside the picture,
 *     overlapping; weights in [0, 1] that sum to 1 at every pixel), the auto rule and the default
 *     budget, all on the host;
 *   - tile_crop and tile_blend against their plain-C references at odd sizes (fp16 and fp32 tiles,
 *     two batch images, unaligned corners) and at a real size (a 512x512 tile of a 1024x768 image);
 *   - the tiny SD 1.5 VAE (tests/data/sd15-tiny) decoding a 64x64 latent in 2x2 tiles of 48 latent
 *     pixels against the untiled decode: the image within 2/255 mean (the bound), fp32 and
 *     fp16, one and two batch images; encoding a 128x128 picture in 2x2 tiles of 96 px: the
 *     latents' means within 0.1 max-relative of the untiled encoder's (the image bound of an
 *     img2img is test_cli_vae_tiling's); auto choosing tiles when the budget is below the untiled
 *     arena and not when the picture fits one tile.
 * Why 48-latent tiles and not smaller: on this random-weight VAE the error is spread over the
 * whole picture (not at the seams) and grows as tiles shrink whatever the overlap — GroupNorm
 * statistics and the mid-block attention see one tile — measured 16: 8-9/255, 24: 3.5-4.4/255,
 * 32: 1.7-2.6/255, 48: 1.2-1.3/255 (see vae_tiling.h). */
#include <math.h>

#include "gpu_test.h"
#include "models/model.h"
#include "ops/tile_blend.h"
#include "ops/reference_tile_blend.h"
#include "ops/reference_tile_crop.h"
#include "ops/tile_crop.h"
#include "pipeline/vae_tiling.h"

/* ---- host: plan, weights, decision ---- */

static void check_axis(int64_t length, int tile, int overlap, int scale) {
    vae_tile_axis a;
    CHECK_OK(vae_tile_axis_plan(length, tile, overlap, &a));
    CHECK(a.count >= 1);
    CHECK(a.start[0] == 0 && a.start[a.count - 1] + a.tile == length);
    for (int k = 1; k < a.count; k++) {
        CHECK(a.start[k] > a.start[k - 1]);
        CHECK(a.start[k - 1] + a.tile - a.start[k] >= overlap); /* overlapping neighbours */
    }
    const int64_t L = (int64_t)a.tile * scale;
    float *w = malloc((size_t)(a.count * L) * sizeof *w);
    double *sum = calloc((size_t)(length * scale), sizeof *sum);
    CHECK_OK(vae_tile_axis_weights(&a, scale, w));
    int bad = 0;
    for (int k = 0; k < a.count; k++)
        for (int64_t p = 0; p < L; p++) {
            float v = w[k * L + p];
            if (!(v >= 0.0f && v <= 1.0f)) bad++;
            sum[(int64_t)a.start[k] * scale + p] += v;
        }
    for (int64_t x = 0; x < length * scale; x++)
        if (fabs(sum[x] - 1.0) > 1e-6) bad++;
    /* away from any overlap a tile's weight is exactly 1 */
    if (a.count > 1) CHECK(w[0] == 1.0f && w[(a.count - 1) * L + L - 1] == 1.0f);
    if (bad) printf("axis %lld / tile %d / overlap %d: %d bad weights or sums\n", (long long)length, tile, overlap, bad);
    CHECK(bad == 0);
    free(w);
    free(sum);
}

static void test_plan(void) {
    vae_tile_axis a;
    CHECK_OK(vae_tile_axis_plan(40, 16, 4, &a)); /* ceil(36 / 12) = 3 tiles at 0, 12, 24 */
    CHECK(a.count == 3 && a.tile == 16 && a.start[0] == 0 && a.start[1] == 12 && a.start[2] == 24);
    CHECK_OK(vae_tile_axis_plan(24, 16, 4, &a)); /* 2 tiles at 0, 8 */
    CHECK(a.count == 2 && a.start[1] == 8);
    CHECK_OK(vae_tile_axis_plan(12, 16, 4, &a)); /* fits: one tile of the whole length */
    CHECK(a.count == 1 && a.tile == 12 && a.start[0] == 0);
    CHECK_OK(vae_tile_axis_plan(256, 64, 16, &a)); /* 2048 px with SD 1.5's 512-px tiles */
    CHECK(a.count == 5 && a.start[4] == 192);
    CHECK_STATUS(vae_tile_axis_plan(100000, 8, 2, &a), PIXEEN_ERROR_INVALID_ARGUMENT); /* too many tiles */
    CHECK_STATUS(vae_tile_axis_plan(40, 16, 16, &a), PIXEEN_ERROR_INTERNAL);
    const int cases[][3] = {{40, 16, 4}, {24, 16, 4}, {17, 16, 4}, {33, 16, 4}, {100, 16, 4}, {512, 64, 16}, {97, 9, 2}, {12, 16, 4}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int scale = 1; scale <= 8; scale *= 2) check_axis(cases[i][0], cases[i][1], cases[i][2], scale);
}

static void test_decision(void) {
    const uint64_t GiB = 1ull << 30, MiB = 1ull << 20;
    CHECK(!vae_tiling_decide(VAE_TILING_OFF, 100 * GiB, 100 * GiB, GiB, 128 * MiB));
    CHECK(vae_tiling_decide(VAE_TILING_ON, 1, 1, GiB, 128 * MiB));
    CHECK(!vae_tiling_decide(VAE_TILING_AUTO, 352 * MiB, 64 * MiB, GiB, 128 * MiB)); /* SD 1.5 at 512: untiled */
    CHECK(vae_tiling_decide(VAE_TILING_AUTO, GiB + 1, 64 * MiB, GiB, 128 * MiB));     /* over the budget */
    CHECK(!vae_tiling_decide(VAE_TILING_AUTO, GiB, 128 * MiB, GiB, 128 * MiB));       /* at the limits */
    CHECK(vae_tiling_decide(VAE_TILING_AUTO, 500 * MiB, 128 * MiB + 256, GiB, 128 * MiB)); /* a binding too large */
    gpu_caps caps = {0};
    CHECK(vae_tiling_default_budget(&caps) == GiB); /* no heap reported */
    caps.heap_count = 2;
    caps.heap_size[0] = 2 * GiB, caps.heap_device_local[0] = true; /* Mesa 22.3's lavapipe */
    caps.heap_size[1] = 64 * GiB, caps.heap_device_local[1] = false;
    CHECK(vae_tiling_default_budget(&caps) == GiB);
    caps.heap_size[0] = GiB; /* a small GPU */
    CHECK(vae_tiling_default_budget(&caps) == 512 * MiB);
    caps.heap_size[0] = 24 * GiB; /* Mesa 25's */
    CHECK(vae_tiling_default_budget(&caps) == GiB);
}

/* ---- ops against the references ---- */

static double rel_err(const float *got, const float *ref, size_t n) {
    double worst = 0, scale = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - ref[i]);
        if (isnan(got[i])) d = INFINITY;
        if (d > worst) worst = d;
        if (fabs(ref[i]) > scale) scale = fabs(ref[i]);
    }
    return worst / (scale > 0 ? scale : 1);
}

static void test_crop(gpu_context *ctx, tensor_dtype dtype, int64_t B, int64_t H, int64_t W, int64_t C, int64_t y0,
                      int64_t x0, int64_t th, int64_t tw) {
    size_t n_in = (size_t)(B * H * W * C), n_out = (size_t)(B * th * tw * C);
    float *in = malloc(n_in * 4), *ref = malloc(n_out * 4), *got = malloc(n_out * 4);
    test_fill_random(in, n_in, 11, -3, 3);
    ref_tile_crop(in, B, H, W, C, y0, x0, th, tw, 0.37f, ref);
    tensor ti = gpu_test_tensor(ctx, DTYPE_F32, in, (int64_t)n_in), to = gpu_test_tensor(ctx, dtype, NULL, (int64_t)n_out);
    ti.rank = to.rank = 4;
    const int64_t si[4] = {B, H, W, C}, so[4] = {B, th, tw, C};
    memcpy(ti.shape, si, sizeof si);
    memcpy(to.shape, so, sizeof so);
    gpu_recorder *rec = NULL;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_tile_crop_record(rec, &ti, y0, x0, 0.37f, &to);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &to, got);
    double err = rel_err(got, ref, n_out), tol = dtype == DTYPE_F16 ? 1e-3 : 1e-7;
    printf("tile_crop %s [%lld,%lld,%lld,%lld] -> %lldx%lld at (%lld,%lld): max rel %.3g (tol %.0e)\n",
           dtype == DTYPE_F16 ? "f16" : "f32", (long long)B, (long long)H, (long long)W, (long long)C, (long long)th,
           (long long)tw, (long long)y0, (long long)x0, err, tol);
    CHECK(err <= tol);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(ti.buffer);
    gpu_buffer_destroy(to.buffer);
    free(in), free(ref), free(got);
}

static void test_blend(gpu_context *ctx, tensor_dtype dtype, int64_t B, int64_t H, int64_t W, int64_t C, int64_t y0,
                       int64_t x0, int64_t th, int64_t tw) {
    size_t n_out = (size_t)(B * H * W * C), n_tile = (size_t)(B * th * tw * C), n_w = (size_t)(th + tw + 5);
    float *out = malloc(n_out * 4), *ref = malloc(n_out * 4), *got = malloc(n_out * 4), *tile = malloc(n_tile * 4);
    float *w = malloc(n_w * 4);
    test_fill_random(out, n_out, 3, -1, 1);
    test_fill_random(tile, n_tile, 5, -2, 2);
    test_fill_random(w, n_w, 7, 0, 1);
    if (dtype == DTYPE_F16) /* the reference reads what the GPU reads */
        for (size_t i = 0; i < n_tile; i++) tile[i] = f16_to_f32(f32_to_f16(tile[i]));
    memcpy(ref, out, n_out * 4);
    const uint32_t wy = 3, wx = (uint32_t)(th + 4);
    ref_tile_blend(tile, B, th, tw, C, w + wy, w + wx, H, W, y0, x0, ref);
    tensor to = gpu_test_tensor(ctx, DTYPE_F32, out, (int64_t)n_out), tt = gpu_test_tensor(ctx, dtype, tile, (int64_t)n_tile);
    tensor tw_ = gpu_test_tensor(ctx, DTYPE_F32, w, (int64_t)n_w);
    to.rank = tt.rank = 4;
    const int64_t so[4] = {B, H, W, C}, st[4] = {B, th, tw, C};
    memcpy(to.shape, so, sizeof so);
    memcpy(tt.shape, st, sizeof st);
    gpu_recorder *rec = NULL;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_tile_blend_record(rec, &tt, &tw_, wy, wx, y0, x0, &to);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &to, got);
    double err = rel_err(got, ref, n_out);
    printf("tile_blend %s %lldx%lld tile into [%lld,%lld,%lld,%lld] at (%lld,%lld): max rel %.3g (tol 1e-6)\n",
           dtype == DTYPE_F16 ? "f16" : "f32", (long long)th, (long long)tw, (long long)B, (long long)H, (long long)W,
           (long long)C, (long long)y0, (long long)x0, err);
    CHECK(err <= 1e-6);
    /* shape errors are reported, not run */
    tensor bad = tt;
    bad.shape[1] = H + 1; /* a tile taller than the output */
    gpu_recorder_begin(rec);
    op_tile_blend_record(rec, &bad, &tw_, wy, wx, y0, x0, &to);
    CHECK_STATUS(gpu_recorder_end(rec), PIXEEN_ERROR_INTERNAL);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(to.buffer);
    gpu_buffer_destroy(tt.buffer);
    gpu_buffer_destroy(tw_.buffer);
    free(out), free(ref), free(got), free(tile), free(w);
}

/* ---- the tiny SD 1.5 VAE ---- */

typedef struct vae_env {
    gpu_context *ctx;
    model *m;
    nn_weights w;
    const vae_config *cfg;
} vae_env;

typedef struct run_case {
    const vae_config *cfg;
    const vae_tiling *tiling;
    tensor input;
    bool encode;
} run_case;

static tensor build_case(nn_graph *g, void *user) {
    run_case *c = user;
    return c->encode ? vae_tiling_encode(g, c->tiling, c->cfg, &c->input) : vae_tiling_decode(g, c->tiling, c->cfg, &c->input, 1.0f);
}

/* Runs the decoder or encoder on `input` (fp32 NHWC, host) with the given settings; returns the
 * output (host floats, caller frees) and its element count; *arena receives the planned arena. */
static float *run_vae(vae_env *env, tensor_dtype act, bool encode, const float *input, const int64_t shape[4],
                      const vae_tiling_settings *s, bool expect_tiled, size_t *count, uint64_t *arena) {
    tensor in = gpu_test_tensor(env->ctx, DTYPE_F32, input, shape[0] * shape[1] * shape[2] * shape[3]);
    in.rank = 4;
    memcpy(in.shape, shape, 4 * sizeof shape[0]);
    vae_tiling t;
    if (encode) CHECK_OK(vae_tiling_prepare_encode(env->ctx, &env->w, act, env->cfg, s, shape[0], shape[1], shape[2], &t));
    else CHECK_OK(vae_tiling_prepare_decode(env->ctx, &env->w, act, env->cfg, s, shape[0], shape[1], shape[2], &t));
    CHECK(t.tiled == expect_tiled);
    run_case c = {env->cfg, &t, in, encode};
    nn_program prog;
    float *out = NULL;
    *count = 0;
    if (nn_program_build(env->ctx, &env->w, act, build_case, &c, &prog) == PIXEEN_OK) {
        CHECK_OK(gpu_recorder_submit(prog.rec));
        CHECK(prog.output.dtype == (expect_tiled ? DTYPE_F32 : act));
        *count = (size_t)tensor_count(&prog.output);
        *arena = prog.arena.capacity;
        out = malloc(*count * 4);
        gpu_test_read(env->ctx, &prog.output, out);
        nn_program_free(&prog);
    } else {
        CHECK(!"nn_program_build");
    }
    vae_tiling_free(&t);
    gpu_buffer_destroy(in.buffer);
    return out;
}

/* Mean and max of |a - b| on the image scale [0, 1] (diffusers' x / 2 + 0.5, clamped). */
static void image_diff(const float *a, const float *b, size_t n, double *mean, double *max) {
    double sum = 0, worst = 0;
    for (size_t i = 0; i < n; i++) {
        double x = fmin(fmax(a[i] * 0.5 + 0.5, 0.0), 1.0), y = fmin(fmax(b[i] * 0.5 + 0.5, 0.0), 1.0);
        double d = isnan(a[i]) || isnan(b[i]) ? INFINITY : fabs(x - y);
        sum += d;
        if (d > worst) worst = d;
    }
    *mean = sum / (double)n;
    *max = worst;
}

static void test_decode(vae_env *env, tensor_dtype act, int64_t B) {
    const int64_t h = 64, w = 64, C = env->cfg->latent_channels, shape[4] = {B, h, w, C};
    size_t n = (size_t)(B * h * w * C), n_off = 0, n_on = 0;
    float *z = malloc(n * 4);
    test_fill_random(z, n, 21, -2.5f, 2.5f);
    /* 2x2 tiles of 40 latent pixels overlapping by 16 (a quarter tile asked: 10). Smaller tiles
     * break the bound on this random-weight VAE whatever the overlap (see vae_tiling.h) */
    const int tile_px = 48 * env->cfg->downscale;
    vae_tiling_settings off = {.mode = VAE_TILING_OFF}, on = {.mode = VAE_TILING_ON, .tile_px = tile_px};
    uint64_t arena_off = 0, arena_on = 0;
    float *ref = run_vae(env, act, false, z, shape, &off, false, &n_off, &arena_off);
    float *got = run_vae(env, act, false, z, shape, &on, true, &n_on, &arena_on);
    CHECK(n_off == n_on && n_on == (size_t)(B * h * w * 3 * env->cfg->downscale * env->cfg->downscale));
    if (ref && got && n_off == n_on) {
        double mean, max;
        image_diff(got, ref, n_on, &mean, &max);
        printf("decode %s B=%lld, 64x64 latent in 2x2 tiles of 48: image mean |diff| %.3f/255, max %.1f/255 (bound: mean 2/255); "
               "arena %.2f MiB tiled, %.2f MiB untiled\n",
               act == DTYPE_F16 ? "fp16" : "fp32", (long long)B, mean * 255, max * 255, arena_on / 1048576.0,
               arena_off / 1048576.0);
        CHECK(mean < 2.0 / 255);
        CHECK(arena_on < arena_off);
    }
    /* auto: untiled within the default budget, tiled under a budget below the untiled arena */
    vae_tiling t;
    vae_tiling_settings autos = {.mode = VAE_TILING_AUTO, .tile_px = tile_px};
    CHECK_OK(vae_tiling_prepare_decode(env->ctx, &env->w, act, env->cfg, &autos, B, h, w, &t));
    CHECK(!t.tiled && t.untiled_peak == arena_off);
    vae_tiling_free(&t);
    autos.budget_bytes = arena_off - 1;
    CHECK_OK(vae_tiling_prepare_decode(env->ctx, &env->w, act, env->cfg, &autos, B, h, w, &t));
    CHECK(t.tiled && t.y.count == 2 && t.x.count == 2);
    vae_tiling_free(&t);
    autos.tile_px = 64 * env->cfg->downscale; /* a tile the caller chose holds the picture: nothing to tile */
    CHECK_OK(vae_tiling_prepare_decode(env->ctx, &env->w, act, env->cfg, &autos, B, h, w, &t));
    CHECK(!t.tiled);
    vae_tiling_free(&t);
    /* the VAE's own tile (the single file's: 64 latent) holds the picture too, but auto halves it
     * to get under the budget (SDXL's 1024-px tile at 1024 px) */
    autos.tile_px = 0;
    CHECK_OK(vae_tiling_prepare_decode(env->ctx, &env->w, act, env->cfg, &autos, B, h, w, &t));
    CHECK(t.tiled && t.y.tile == 32 && t.y.count == 3 && t.x.count == 3);
    vae_tiling_free(&t);
    free(z), free(ref), free(got);
}

static void test_encode(vae_env *env, tensor_dtype act) {
    const int64_t f = env->cfg->downscale, H = 64 * f, W = 64 * f, shape[4] = {1, H, W, 3};
    size_t n = (size_t)(H * W * 3), n_off = 0, n_on = 0;
    float *x = malloc(n * 4);
    /* a smooth picture with some texture, in [-1, 1] */
    test_fill_random(x, n, 31, -0.2f, 0.2f);
    for (int64_t y = 0; y < H; y++)
        for (int64_t i = 0; i < W; i++)
            for (int c = 0; c < 3; c++) x[(y * W + i) * 3 + c] += 0.7f * sinf(0.11f * (float)(y + 2 * c) + 0.07f * (float)i);
    vae_tiling_settings off = {.mode = VAE_TILING_OFF}, on = {.mode = VAE_TILING_ON, .tile_px = 48 * (int)f};
    uint64_t arena_off = 0, arena_on = 0;
    float *ref = run_vae(env, act, true, x, shape, &off, false, &n_off, &arena_off);
    float *got = run_vae(env, act, true, x, shape, &on, true, &n_on, &arena_on);
    const int64_t C = env->cfg->latent_channels;
    CHECK(n_off == n_on && n_on == (size_t)(64 * 64 * 2 * C));
    if (ref && got && n_off == n_on) {
        /* the means (the first C of every pixel's 2C moments): how far the tiles move the latents
         * the sample is drawn around (the image bound is checked through img2img in
         * test_cli_vae_tiling: 2x2 tiles within 2/255) */
        double worst = 0, scale = 0, sum = 0;
        for (size_t p = 0; p < (size_t)(64 * 64); p++)
            for (int64_t c = 0; c < C; c++) {
                double d = fabs((double)got[p * 2 * C + c] - ref[p * 2 * C + c]);
                worst = fmax(worst, d);
                sum += d;
                scale = fmax(scale, fabs((double)ref[p * 2 * C + c]));
            }
        printf("encode %s 128x128 picture in 2x2 tiles of 96 px: latent mean max rel %.3g, mean |diff| %.3g (bound: max rel "
               "0.1); arena %.2f MiB tiled, %.2f MiB untiled\n",
               act == DTYPE_F16 ? "fp16" : "fp32", worst / scale, sum / (64 * 64 * C), arena_on / 1048576.0, arena_off / 1048576.0);
        CHECK(worst / scale < 0.1);
        CHECK(arena_on < arena_off);
    }
    free(x), free(ref), free(got);
}

int main(void) {
    test_plan();
    test_decision();
    gpu_context *ctx = gpu_test_context();
    for (int d = 0; d < 2; d++) {
        tensor_dtype dt = d ? DTYPE_F16 : DTYPE_F32;
        test_crop(ctx, dt, 2, 13, 11, 3, 3, 2, 7, 5);
        test_crop(ctx, dt, 1, 9, 17, 8, 0, 1, 9, 15);
        test_blend(ctx, dt, 2, 13, 11, 3, 5, 3, 6, 7);
        test_blend(ctx, dt, 1, 19, 23, 8, 0, 1, 19, 21);
    }
    /* real sizes: SD 1.5's 512-pixel tile in a 1024x768 picture, the latent tile of 64 */
    test_blend(ctx, DTYPE_F16, 1, 1024, 768, 3, 384, 248, 512, 512);
    test_crop(ctx, DTYPE_F16, 1, 128, 96, 4, 40, 31, 64, 64);

    vae_env env = {.ctx = ctx};
    CHECK_OK(model_open(test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"), &env.m));
    if (env.m) {
        env.cfg = model_vae_config(env.m);
        CHECK_OK(nn_weights_upload(ctx, env.m, MODEL_VAE, &env.w));
        for (int a = test_quick() ? 1 : 0; a < 2; a++) {
            tensor_dtype act = a ? DTYPE_F16 : DTYPE_F32;
            test_decode(&env, act, 1);
            test_encode(&env, act);
        }
        test_decode(&env, DTYPE_F16, 2);
        nn_weights_free(&env.w);
        model_close(env.m);
    }
    return gpu_test_finish(ctx);
}
