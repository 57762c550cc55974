/* cases_norm.c — benchmark cases of the group and layer norms: the UNet's group norms (32 groups,
 * eps 1e-5, fused SiLU) for each (channels, size) the resnets see, the VAE decoder's (eps 1e-6,
 * batch 1, up to 512x512x256 = 128 MiB in fp16: split into windows), and the transformer's layer
 * norms. bytes = x read once + out written once (the statistics pass reads x a second time: the
 * kernels' real traffic is 1.5x this). Validation compares 6 sampled pixels (all channels) with
 * statistics from the full reference. Entry point: bench_cases_norm (providers.c). */
#include "bench/cases_attention.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/case_operands.h"
#include "ops/norm.h"
#include "ops/reference_norm.h"

/* ---- norms ----------------------------------------------------------------------------- */

enum { N_KIND = 0, N_B = 1, N_PIX = 2, N_C = 3, N_G = 4, N_SILU = 5, N_EPS_E7 = 6 }; /* eps in units of 1e-7 */
enum { NORM_GROUP = 0, NORM_LAYER = 1 };

static pixeen_status norm_setup(bench_case *c, gpu_context *ctx, void **state) {
    op_operands *s = calloc(1, sizeof *s);
    *state = s;
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    size_t b = (size_t)c->p[N_B], pix = (size_t)c->p[N_PIX], ch = (size_t)c->p[N_C];
    tensor_dtype dt = (tensor_dtype)c->dtype;
    PX_TRY(bench_operand(ctx, s, 0, dt, b * pix * ch, -2, 3, GPU_MEMORY_DEVICE));
    PX_TRY(bench_operand(ctx, s, 1, DTYPE_F16, ch, 0.5f, 1.5f, GPU_MEMORY_DEVICE)); /* gamma: weights are fp16 */
    PX_TRY(bench_operand(ctx, s, 2, DTYPE_F16, ch, -0.5f, 0.5f, GPU_MEMORY_DEVICE));
    PX_TRY(bench_operand(ctx, s, 3, dt, b * pix * ch, 0, 0, GPU_MEMORY_DEVICE));
    PX_TRY(bench_operand(ctx, s, 4, DTYPE_F32, op_group_norm_stats_count(b, (uint32_t)c->p[N_G]), 0, 0, GPU_MEMORY_DEVICE));
    for (int i = 0; i < 4; i += 3) {
        s->t[i].rank = 3;
        s->t[i].shape[0] = (int64_t)b;
        s->t[i].shape[1] = (int64_t)pix;
        s->t[i].shape[2] = (int64_t)ch;
    }
    return PIXEEN_OK;
}

static void norm_record(bench_case *c, void *state, gpu_recorder *rec) {
    op_operands *s = state;
    float eps = (float)c->p[N_EPS_E7] * 1e-7f;
    if (c->p[N_KIND] == NORM_GROUP)
        op_group_norm_record(rec, &(op_group_norm_desc){.x = &s->t[0], .gamma = &s->t[1], .beta = &s->t[2], .out = &s->t[3],
                                                        .stats = &s->t[4], .groups = (uint32_t)c->p[N_G], .eps = eps,
                                                        .silu = c->p[N_SILU] != 0});
    else
        op_layer_norm_record(rec, &s->t[0], &s->t[1], &s->t[2], eps, &s->t[3]);
}

static pixeen_status norm_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    op_operands *s = state;
    size_t b = (size_t)c->p[N_B], pix = (size_t)c->p[N_PIX], ch = (size_t)c->p[N_C];
    float eps = (float)c->p[N_EPS_E7] * 1e-7f;
    float *got = malloc(ch * 4), *ref = malloc(ch * 4);
    if (!got || !ref) {
        free(got);
        free(ref);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    }
    double max_diff = 0, max_ref = 0;
    pixeen_status st = PIXEEN_OK;
    size_t rows = b * pix;
    for (size_t i = 0; i < 6 && st == PIXEEN_OK; i++) {
        size_t r = i == 5 ? rows - 1 : (i * 2654435761u + 3) % rows;
        st = bench_operand_read(ctx, s, 3, r * ch, ch, got);
        if (c->p[N_KIND] == NORM_GROUP)
            ref_group_norm_pixel(s->host[0], pix, ch, (size_t)c->p[N_G], s->host[1], s->host[2], eps, c->p[N_SILU] != 0,
                                 r / pix, r % pix, ref);
        else
            ref_layer_norm(s->host[0] + r * ch, 1, ch, s->host[1], s->host[2], eps, ref);
        bench_accumulate(got, ref, ch, &max_diff, &max_ref);
    }
    free(got);
    free(ref);
    *max_rel = max_ref > 0 ? max_diff / max_ref : max_diff;
    return st;
}

static uint32_t add_norm(bench_case *out, uint32_t n, uint32_t max, int kind, const char *what, int b, int h, int w, int ch,
                         bool silu, int eps_e7, int dt) {
    if (n >= max) return n;
    bench_case *c = &out[n];
    memset(c, 0, sizeof *c);
    c->family = kind == NORM_GROUP ? "groupnorm" : "layernorm";
    if (kind == NORM_GROUP)
        snprintf(c->name, sizeof c->name, "%s gn%s b%d %dx%dx%d %s", what, silu ? "+silu" : "", b, h, w, ch, bench_dtype_name(dt));
    else
        snprintf(c->name, sizeof c->name, "%s ln b%d t%d c%d %s", what, b, h * w, ch, bench_dtype_name(dt));
    c->p[N_KIND] = kind;
    c->p[N_B] = b;
    c->p[N_PIX] = (int64_t)h * w;
    c->p[N_C] = ch;
    c->p[N_G] = 32;
    c->p[N_SILU] = silu;
    c->p[N_EPS_E7] = eps_e7;
    c->dtype = dt;
    c->bytes = 2.0 * b * h * w * ch * (dt == DTYPE_F16 ? 2 : 4);
    c->tolerance = dt == DTYPE_F16 ? 2e-3 : 1e-4; /* fp16 output rounding; fp32 statistics vs double */
    c->setup = norm_setup;
    c->record = norm_record;
    c->validate = norm_validate;
    c->teardown = bench_operands_teardown;
    return n + 1;
}

uint32_t bench_cases_norm(bench_case *out, uint32_t max, bool quick) {
    uint32_t n = 0;
    if (quick) {
        n = add_norm(out, n, max, NORM_GROUP, "unet", 2, 64, 64, 320, true, 100, DTYPE_F16);
        n = add_norm(out, n, max, NORM_GROUP, "vae", 1, 256, 256, 256, true, 10, DTYPE_F16);
        n = add_norm(out, n, max, NORM_LAYER, "unet", 2, 64, 64, 320, false, 100, DTYPE_F16);
        return n;
    }
    /* UNet resnet group norms at 512x512 (latent 64x64): channels seen at each size, down and up
     * (skip concatenations give 960, 1920, 2560). At 256x256 every size halves. */
    static const int unet[][2] = {{64, 320}, {64, 640}, {64, 960}, {32, 320}, {32, 640}, {32, 960}, {32, 1280},
                                  {32, 1920}, {16, 640}, {16, 1280}, {16, 1920}, {16, 2560}, {8, 1280}, {8, 2560}};
    for (int image = 256; image <= 512; image *= 2) {
        int scale = 512 / image;
        for (size_t i = 0; i < sizeof unet / sizeof unet[0]; i++) {
            int sz = unet[i][0] / scale;
            char what[32];
            snprintf(what, sizeof what, "unet%d", image);
            n = add_norm(out, n, max, NORM_GROUP, what, 2, sz, sz, unet[i][1], true, 100, DTYPE_F16);
        }
        /* VAE decoder (batch 1): 512 channels up to 1/2 size, 256 at full and half, 128 at full. */
        static const int vae[][2] = {{8, 512}, {4, 512}, {2, 512}, {2, 256}, {1, 256}, {1, 128}};
        for (size_t i = 0; i < sizeof vae / sizeof vae[0]; i++) {
            int sz = image / vae[i][0];
            char what[32];
            snprintf(what, sizeof what, "vae%d", image);
            n = add_norm(out, n, max, NORM_GROUP, what, 1, sz, sz, vae[i][1], true, 10, DTYPE_F16);
        }
        /* Transformer layer norms: tokens at each level, batch 2. */
        for (int level = 0; level < 4; level++) {
            int sz = image / 8 >> level, ch = level == 0 ? 320 : level == 1 ? 640 : 1280;
            char what[32];
            snprintf(what, sizeof what, "unet%d", image);
            n = add_norm(out, n, max, NORM_LAYER, what, 2, sz, sz, ch, false, 100, DTYPE_F16);
        }
    }
    n = add_norm(out, n, max, NORM_GROUP, "unet512", 2, 64, 64, 320, true, 100, DTYPE_F32);
    n = add_norm(out, n, max, NORM_LAYER, "clip", 2, 1, 77, 768, false, 100, DTYPE_F16);
    return n;
}
