/* test_op_conv2d_winograd.c — the Winograd F(2x2, 3x3) convolution (op_conv2d_winograd_*) against
 * the direct convolution's plain-C reference (ref_conv2d_rows, double accumulation), fp32 and fp16
 * activations: odd sizes (one pixel, odd heights and widths that cut a 2x2 tile, batch 2, bias and
 * residual on and off) and the SD 1.5 UNet / VAE shapes (sampled output pixels, as test_op_conv2d).
 * The GEMM in the middle runs on both tilings (texel and tiled, the context's kernel_variant).
 * Passes: small scratch forces several passes over the tiles (odd sizes, the last pass short, and
 * a real VAE channel count). Also: the speed rule's choice is a pure function of the shape (off
 * below the tile threshold, off for Cin % 4), and the tuning's conv_winograd
 * (PIXEEN_CONV_WINOGRAD) turns it off or forces it. And the fp16 transformed kernels are rounded to
 * nearest (check_kernel_rounding): the shaders write them as images, whose fp16 stores may round
 * toward zero on their own (lavapipe's do), a bias of half an ulp the convolution tests above are
 * too coarse to see. */
#include <stdlib.h>

#include "gpu_test.h"
#include "ops/conv2d_winograd.h"
#include "ops/gemm.h"
#include "ops/reference_gemm.h"

/* Tolerances (inputs, weights, bias, residual uniform in [-1, 1]); K = 9 * Cin.
 * fp32: as the direct convolution (4e-7 * K for fp32 partial sums against double), plus the
 *   transforms' own fp32 rounding: F(2x2) sums the 16 products of a tile with +-1 weights (A^T M A)
 *   from values up to ~4x the output's size, so 4e-7 * K * 4; F(4x4) with weights up to 8 (and
 *   transformed inputs up to 6.25x), so 4e-7 * K * 64 (measured: NMSE ~1e-13 and ~1e-12).
 * fp16, F(2x2): u, v (the transformed weights and input) and m (the 16 products) are stored as
 *   fp16, each rounding half an ulp (2^-11 relative) of values up to ~4x the output's size; the
 *   output sums 9 of the m values with +-1 weights, so the roundings add up to a few ulp of max
 *   |ref| (measured: 1.2-1.6 ulp at every shape here, NMSE ~4e-7 against the direct path's ~1e-7).
 *   Held to 4 ulp of max |ref| and NMSE 2e-6.
 * fp16, F(4x4): u is rounded, and v where the GEMM widens fp16 operands into fp32 sums (the
 *   packed texel kernel; m is fp32 always), and the output sums the 36 products with weights up
 *   to 8 * 8 (A^T M A), so their half-ulp roundings come back amplified. Measured, u alone (the
 *   tiled GEMM, fp32 v): 3.4-6 ulp of max |ref|, NMSE 1.5e-6 to 2.7e-6; u and v: 3.9-6.2 ulp,
 *   NMSE 1.5e-6 to 5.7e-6, the most where the convolution outweighs bias and residual (1280
 *   input channels). Held to 12 ulp and NMSE 1.2e-5.
 * A wrong tap or transform gives errors of the size of the output (2048 ulp, NMSE ~1). */
#define TOL_ACC_PER_K 4e-7
#define TOL_NMSE_F32 1e-9
#define TOL_NMSE_F16_F2 2e-6
#define TOL_NMSE_F16_F4 1.2e-5

typedef struct wino_case {
    const char *what;
    int64_t B, H, W, Cin, Cout;
    bool bias, residual;
    tensor_dtype dtype;
    bool sample;
    int64_t pass_tiles; /* scratch for this many tiles per pass (0: what op_conv2d_winograd_sizes says) */
} wino_case;

static void round_f16(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = f32_round_f16(x[i]);
}

static void run(gpu_context *ctx, const wino_case *c, op_winograd_tile tile, const char *variant) {
    if (!op_conv2d_winograd_supported(ctx, tile, c->B, c->H, c->W, c->Cin, c->Cout, c->dtype, DTYPE_F16)) {
        /* F(4x4)'s 36 kernels of 2560 x 1280 exceed one binding (that shape takes F(2x2)) */
        printf("F(%dx%d) %-5s %-26s: cannot run (a binding limit)\n", (int)tile, (int)tile, variant, c->what);
        CHECK(tile == OP_WINOGRAD_F4 && c->Cin * c->Cout * 36 * 2 > (1 << 27));
        return;
    }
    gpu_context_tuning_edit(ctx)->kernel_variant = strcmp(variant, "tiled") == 0 ? GPU_KERNEL_TILED : GPU_KERNEL_TEXEL;
    size_t nx = (size_t)(c->B * c->H * c->W * c->Cin), nw = (size_t)(c->Cout * 9 * c->Cin);
    size_t npix = (size_t)(c->B * c->H * c->W), no = npix * (size_t)c->Cout, cout = (size_t)c->Cout;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *bias = malloc(cout * 4), *res = malloc(no * 4);
    float *got = malloc(no * 4);
    unsigned seed = (unsigned)(c->H * 1000 + c->Cin * 10 + c->Cout + c->B);
    test_fill_random(x, nx, seed, -1, 1);
    test_fill_random(w, nw, seed + 1, -1, 1);
    test_fill_random(bias, cout, seed + 2, -1, 1);
    test_fill_random(res, no, seed + 3, -1, 1);
    if (c->dtype == DTYPE_F16) round_f16(x, nx), round_f16(res, no);
    round_f16(w, nw), round_f16(bias, cout); /* weights and bias are fp16 on the GPU */
    op_winograd_sizes s = op_conv2d_winograd_sizes(ctx, tile, c->B, c->H, c->W, c->Cin, c->Cout, c->dtype);
    if (c->pass_tiles) /* several passes */
        s.v = s.points * c->pass_tiles * c->Cin, s.m = s.points * c->pass_tiles * c->Cout;
    tensor tx = gpu_test_tensor(ctx, c->dtype, x, (int64_t)nx), tw = gpu_test_tensor(ctx, DTYPE_F16, w, (int64_t)nw);
    tensor tb = gpu_test_tensor(ctx, DTYPE_F16, bias, c->Cout), tr = gpu_test_tensor(ctx, c->dtype, res, (int64_t)no);
    tensor to = gpu_test_tensor(ctx, c->dtype, NULL, (int64_t)no);
    tensor tu = gpu_test_tensor(ctx, c->dtype, NULL, s.u), tv = gpu_test_tensor(ctx, s.v_dtype, NULL, s.v);
    tensor tm = gpu_test_tensor(ctx, s.m_dtype, NULL, s.m);
    tx.rank = tw.rank = tr.rank = to.rank = 4;
    memcpy(tx.shape, (int64_t[4]){c->B, c->H, c->W, c->Cin}, sizeof tx.shape);
    memcpy(tw.shape, (int64_t[4]){c->Cout, 3, 3, c->Cin}, sizeof tw.shape);
    memcpy(to.shape, (int64_t[4]){c->B, c->H, c->W, c->Cout}, sizeof to.shape);
    memcpy(tr.shape, to.shape, sizeof tr.shape);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_conv2d_winograd_weight_record(rec, tile, &tw, &tu);
    op_conv2d_winograd_record(rec, tile, &tx, &tu, c->bias ? &tb : NULL, c->residual ? &tr : NULL, &to, &tv, &tm);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &to, got);

    size_t step = c->sample ? 13 : 1, count = (npix + step - 1) / step + 1;
    size_t *rows = malloc(count * sizeof *rows), n = 0;
    for (size_t r = 0; r < npix; r += step) rows[n++] = r;
    if (rows[n - 1] != npix - 1) rows[n++] = npix - 1;
    float *ref = malloc(n * cout * 4), *sel = malloc(n * cout * 4);
    ref_conv2d_rows(x, w, c->bias ? bias : NULL, c->residual ? res : NULL, (size_t)c->B, (size_t)c->H, (size_t)c->W,
                    (size_t)c->Cin, cout, 3, 3, 1, 1, rows, n, ref);
    for (size_t i = 0; i < n; i++) memcpy(sel + i * cout, got + rows[i] * cout, cout * 4);
    double max_abs, nmse, max_ref = 0;
    test_compare(sel, ref, n * cout, &max_abs, &nmse);
    for (size_t i = 0; i < n * cout; i++) max_ref = fmax(max_ref, fabs(ref[i]));
    double K = (double)(9 * c->Cin);
    bool f4 = tile == OP_WINOGRAD_F4;
    double tol = (f4 ? 64 : 4) * TOL_ACC_PER_K * K + 1e-6 + (c->dtype == DTYPE_F16 ? max_ref * (f4 ? 12 : 4) / 2048 : 0);
    double tol_nmse = c->dtype != DTYPE_F16 ? TOL_NMSE_F32 : f4 ? TOL_NMSE_F16_F4 : TOL_NMSE_F16_F2;
    printf("F(%dx%d) %-5s %-26s B=%lld %lldx%lld %lld->%lld %s%s%s (%u dispatches): max_abs %.3g (%.2f ulp of max|ref| "
           "in fp16; tol %.3g) nmse %.3g (tol %.0e)\n",
           (int)tile, (int)tile, variant, c->what, (long long)c->B, (long long)c->H, (long long)c->W, (long long)c->Cin,
           (long long)c->Cout, c->dtype == DTYPE_F16 ? "f16" : "f32", c->bias ? " +bias" : "",
           c->residual ? " +res" : "", gpu_recorder_dispatch_count(rec), max_abs, max_abs / (max_ref / 2048), tol,
           nmse, tol_nmse);
    CHECK(max_abs <= tol);
    CHECK(nmse <= tol_nmse);
    gpu_recorder_destroy(rec);
    tensor *all[] = {&tx, &tw, &tb, &tr, &to, &tu, &tv, &tm};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) gpu_buffer_destroy(all[i]->buffer);
    free(x), free(w), free(bias), free(res), free(got), free(rows), free(ref), free(sel);
}

/* G's rows for each form: F(2x2) [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]; F(4x4) the points 0,
 * 1, -1, 1/2, -2 and infinity (shaders/common/winograd4.glsl's winograd4_g). */
static void g_matrix(op_winograd_tile tile, double g[6][3]) {
    static const double g2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
    static const double g4[6][3] = {{1, 0, 0},
                                    {1 / 3.0, 1 / 3.0, 1 / 3.0},
                                    {-1 / 3.0, 1 / 3.0, -1 / 3.0},
                                    {-16 / 15.0, -8 / 15.0, -4 / 15.0},
                                    {1 / 15.0, -2 / 15.0, 4 / 15.0},
                                    {0, 0, 1}};
    int rows = tile == OP_WINOGRAD_F4 ? 6 : 4;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < 3; j++) g[i][j] = tile == OP_WINOGRAD_F4 ? g4[i][j] : g2[i][j];
}

/* The spacing of fp16 values around |v| (subnormals: 2^-24). */
static double f16_ulp(double v) {
    double a = fabs(v);
    if (a < 0x1p-14) return 0x1p-24;
    return ldexp(1.0, ilogb(a) - 10);
}

/* The weight transform in fp16: every value of U = G g G^T within half an ulp of the exact one
 * (plus the fp32 arithmetic's own ~1e-7 relative), which rounding toward zero breaks. */
static void check_kernel_rounding(gpu_context *ctx, op_winograd_tile tile) {
    const int64_t Cout = 12, Cin = 20;
    int rows = tile == OP_WINOGRAD_F4 ? 6 : 4, P = rows * rows;
    size_t nw = (size_t)(Cout * 9 * Cin), nu = (size_t)(P * Cout * Cin);
    float *w = malloc(nw * 4), *u = malloc(nu * 4);
    test_fill_random(w, nw, 7 + (unsigned)tile, -1, 1);
    round_f16(w, nw);
    tensor tw = gpu_test_tensor(ctx, DTYPE_F16, w, (int64_t)nw), tu = gpu_test_tensor(ctx, DTYPE_F16, NULL, (int64_t)nu);
    tw.rank = 4;
    memcpy(tw.shape, (int64_t[4]){Cout, 3, 3, Cin}, sizeof tw.shape);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_conv2d_winograd_weight_record(rec, tile, &tw, &tu);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_recorder_destroy(rec);
    gpu_test_read(ctx, &tu, u);
    double g[6][3], worst = 0;
    g_matrix(tile, g);
    for (int64_t n = 0; n < Cout; n++)
        for (int64_t c = 0; c < Cin; c++)
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < rows; j++) {
                    double exact = 0; /* w is [Cout, 3, 3, Cin] */
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++)
                            exact += g[i][ky] * (double)w[((n * 3 + ky) * 3 + kx) * Cin + c] * g[j][kx];
                    double got = u[((size_t)(i * rows + j) * (size_t)Cout + (size_t)n) * (size_t)Cin + (size_t)c];
                    double err = fabs(got - exact) / f16_ulp(exact) - 1e-6 * fabs(exact) / f16_ulp(exact);
                    if (err > worst) worst = err;
                }
    printf("F(%dx%d) weight transform in fp16: worst error %.3f ulp (rounded to nearest: at most 0.5)\n", (int)tile,
           (int)tile, worst);
    CHECK(worst <= 0.5 + 1e-3);
    gpu_buffer_destroy(tw.buffer);
    gpu_buffer_destroy(tu.buffer);
    free(w), free(u);
}

/* The choice: a function of the shape and the context's tuning only. */
static void check_choice(gpu_context *ctx) {
    gpu_tuning *knobs = gpu_context_tuning_edit(ctx);
    const op_winograd_tile NONE = OP_WINOGRAD_NONE, F2 = OP_WINOGRAD_F2, F4 = OP_WINOGRAD_F4;
    const tensor_dtype H = DTYPE_F16;
    knobs->conv_winograd = GPU_WINOGRAD_AUTO;
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 64, 64, 320, 320, H, H) == F4);
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 16, 16, 640, 640, H, H) == F4); /* 32 tiles of 4x4 */
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 8, 8, 1280, 1280, H, H) == F2);     /* 32 of 2x2, 8 of 4x4 */
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 16, 16, 1280, 1280, H, H) == F2);   /* 1280 wide */
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 32, 32, 1920, 640, H, H) == F4);
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 4, 4, 1280, 1280, H, H) == NONE);   /* 8 tiles of 2x2 */
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 64, 64, 4, 320, H, H) == NONE);     /* conv_in */
    CHECK(!op_conv2d_winograd_supported(ctx, F2, 1, 64, 64, 3, 320, H, H));      /* Cin % 4 */
    CHECK(!op_conv2d_winograd_supported(ctx, F4, 1, 64, 64, 128, 3, H, H));      /* Cout % 4 */
    CHECK(!op_conv2d_winograd_supported(ctx, NONE, 1, 64, 64, 128, 128, H, H));
    CHECK(!op_conv2d_winograd_supported(ctx, F2, 1, 1024, 1024, 128, 128, DTYPE_F32, H)); /* x > a binding */
    /* F(2x2) keeps its scratch in the activation dtype; F(4x4) its products in fp32, and its
     * transformed input in fp16 where the GEMM widens fp16 operands into fp32 (the packed texel
     * kernel), else in fp32 */
    op_winograd_sizes f2 = op_conv2d_winograd_sizes(ctx, F2, 2, 7, 9, 64, 32, H);
    op_winograd_sizes f4 = op_conv2d_winograd_sizes(ctx, F4, 2, 7, 9, 64, 32, H);
    CHECK(f2.points == 16 && f2.v_dtype == H && f2.m_dtype == H && f2.tiles == 2 * 4 * 5 && f2.u == 16 * 32 * 64);
    CHECK(f4.points == 36 && f4.m_dtype == DTYPE_F32 && f4.tiles == 2 * 2 * 3 && f4.v == 36 * f4.tiles * 64);
    CHECK(f4.v_dtype == (op_matmul_widens(ctx, 32, 64, 36) ? H : DTYPE_F32));
    CHECK(op_conv2d_winograd_sizes(ctx, F4, 2, 7, 9, 64, 32, DTYPE_F32).v_dtype == DTYPE_F32);
    CHECK(op_conv2d_winograd_sizes(ctx, F4, 2, 7, 9, 12, 32, H).v_dtype == DTYPE_F32); /* K % 8: not packed */
    if (gpu_context_caps(ctx)->is_lavapipe) CHECK(f4.v_dtype == H); /* both driver rows pack */
    /* The VAE's 256-channel 256x256 convolution: passes that keep v and m within 64 MiB. */
    CHECK(op_conv2d_winograd_wanted(ctx, 1, 256, 256, 256, 256, H, H) == F4);
    op_winograd_sizes big = op_conv2d_winograd_sizes(ctx, F2, 1, 256, 256, 256, 128, H);
    CHECK(big.tiles == 128 * 128 && big.chunk < big.tiles && big.chunk > big.tiles / 4);
    CHECK(big.v * 2 <= (64 << 20) && big.m <= big.v);
    CHECK(op_conv2d_winograd_sizes(ctx, F2, 1, 256, 256, 128, 128, H).chunk == 128 * 128);
    big = op_conv2d_winograd_sizes(ctx, F4, 1, 256, 256, 256, 128, H);
    CHECK(big.tiles == 64 * 64 && big.chunk < big.tiles && big.v * dtype_size(big.v_dtype) <= (64 << 20) &&
          big.m * 4 <= (64 << 20));
    knobs->conv_winograd = GPU_WINOGRAD_OFF;
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 64, 64, 320, 320, H, H) == NONE);
    knobs->conv_winograd = GPU_WINOGRAD_FORCED;
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 4, 4, 1280, 1280, H, H) == F2);
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 64, 64, 320, 320, H, H) == F4);
    knobs->conv_winograd = GPU_WINOGRAD_F2;
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 64, 64, 320, 320, H, H) == F2);
    knobs->conv_winograd = GPU_WINOGRAD_F4;
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 4, 4, 1280, 1280, H, H) == F4);
    CHECK(op_conv2d_winograd_wanted(ctx, 2, 64, 64, 3, 320, H, H) == NONE);
    knobs->conv_winograd = GPU_WINOGRAD_AUTO;
    /* the environment, as a new context reads it */
    gpu_tuning from_env;
    static const struct { const char *value; gpu_winograd_choice choice; } env[] = {
        {"0", GPU_WINOGRAD_OFF}, {"1", GPU_WINOGRAD_FORCED}, {"2", GPU_WINOGRAD_F2}, {"4", GPU_WINOGRAD_F4},
        {"3", GPU_WINOGRAD_AUTO}, /* not a form: the default */
    };
    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++) {
        setenv("PIXEEN_CONV_WINOGRAD", env[i].value, 1);
        gpu_tuning_from_env(&from_env);
        CHECK(from_env.conv_winograd == env[i].choice);
    }
    unsetenv("PIXEEN_CONV_WINOGRAD");
    gpu_tuning_from_env(&from_env);
    CHECK(from_env.conv_winograd == GPU_WINOGRAD_AUTO);
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    const tensor_dtype F32 = DTYPE_F32, F16 = DTYPE_F16;
    check_choice(ctx);
    check_kernel_rounding(ctx, OP_WINOGRAD_F2);
    check_kernel_rounding(ctx, OP_WINOGRAD_F4);
    const wino_case odd[] = {
        {"one pixel", 1, 1, 1, 4, 4, true, true, F32, false, 0},
        {"odd H and W", 1, 5, 7, 8, 12, true, false, F32, false, 0},
        {"odd H, even W, batch 2", 2, 7, 6, 12, 8, false, true, F16, false, 0},
        {"even H, odd W", 1, 6, 9, 4, 20, true, true, F16, false, 0},
        {"2x1 image", 2, 2, 1, 16, 4, true, false, F32, false, 0},
        {"odd everything f16", 2, 13, 17, 12, 36, true, true, F16, false, 0},
        {"5 passes, last short f16", 2, 13, 17, 12, 36, true, true, F16, false, 29},
        {"3 passes of 1 tile f32", 1, 3, 5, 8, 4, true, true, F32, false, 1},
    };
    /* Real SD 1.5 shapes, the cheapest first (the tiled and quick passes run only that one). */
    const wino_case sd[] = {
        {"SD conv 1280 8x8", 2, 8, 8, 1280, 1280, true, true, F16, true, 0},
        {"SD conv 320 64x64", 2, 64, 64, 320, 320, true, true, F16, true, 0},
        {"SD up 2560->1280 8x8", 2, 8, 8, 2560, 1280, true, false, F16, true, 0},
        {"SD conv_in 4->320", 2, 64, 64, 4, 320, true, false, F16, true, 0},
        {"VAE conv 512 64x64", 1, 64, 64, 512, 512, true, true, F16, true, 0},
        {"SD conv 320 32x32 f32", 2, 32, 32, 320, 320, true, true, F32, true, 0},
        {"VAE 256->128 in 3 passes", 1, 40, 40, 256, 128, true, false, F16, true, 150},
    };
    const char *variants[] = {"texel", "tiled"};
    const op_winograd_tile forms[] = {OP_WINOGRAD_F2, OP_WINOGRAD_F4};
    for (int v = 0; v < 2; v++)
        for (int f = 0; f < 2; f++) {
            for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) run(ctx, &odd[i], forms[f], variants[v]);
            /* The tiled GEMM is 3-4x slower on lavapipe: one SD shape proves it there; the
             * sanitized pass (PIXEEN_TEST_QUICK) runs one SD shape per tiling. */
            for (size_t i = 0; i < (v || test_quick() ? 1u : sizeof sd / sizeof sd[0]); i++)
                run(ctx, &sd[i], forms[f], variants[v]);
        }
    gpu_context_tuning_edit(ctx)->kernel_variant = GPU_KERNEL_AUTO;
    return gpu_test_finish(ctx);
}
