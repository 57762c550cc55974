/* cases_attention.c — benchmark cases for the fused attention, group/layer norm and the elementwise
 * operators (activations, GEGLU, upsampling, skip concatenation), at the shapes
 * Stable Diffusion 1.5 runs them for 256x256 and 512x512 images with classifier-free guidance
 * (UNet batch 2; the VAE decoder batch 1).
 *
 * Attention: every distinct shape of the UNet: per resolution level (latent 64x64/32x32/16x16/8x8
 * at 512x512 — 8 heads of 40/80/160/160), self-attention (Tk = Tq) and cross-attention (Tk = 77).
 * flops = 4*B*H*Tq*Tk*D (QKᵀ and PV); bytes = q, k, v read once + out written once.
 * Norms: the UNet's group norms (32 groups, eps 1e-5, fused SiLU) for each (channels, size) the
 * resnets see, the VAE decoder's (eps 1e-6, batch 1, up to 512x512x256 = 128 MiB in fp16: split
 * into windows), and the transformer's layer norms. bytes = x read once + out written once (the
 * statistics pass reads x a second time: the kernels' real traffic is 1.5x this).
 * Elementwise: bytes = inputs read once + outputs written once.
 *
 * Validation: attention compares 12 sampled query rows (every head) with ref_attention_row; group
 * norm compares 6 sampled pixels (all channels) with statistics from the full reference; the
 * elementwise cases compare every element (they are cheap). Tolerances are max|gpu - ref| /
 * max|ref|: fp16 outputs carry their rounding (2^-11 relative), fp32 a few ulp of fp32 sums.
 *
 * Entry points: bench_cases_attention, bench_cases_norm, bench_cases_elementwise (providers).
 */
#include "bench/cases_attention.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/f16.h"
#include "ops/activation.h"
#include "ops/attention.h"
#include "ops/layout.h"
#include "ops/norm.h"
#include "ops/reference_activation.h"
#include "ops/reference_attention.h"
#include "ops/reference_layout.h"
#include "ops/reference_norm.h"

#define MAX_OPERANDS 6

/* Shared state: device tensors and host copies of the inputs (fp16-rounded for fp16 cases). */
typedef struct op_operands {
    tensor t[MAX_OPERANDS];
    float *host[MAX_OPERANDS];
    size_t count[MAX_OPERANDS];
} op_operands;

static void fill_random(float *x, size_t n, uint64_t seed, float lo, float hi, bool round_f16) {
    uint64_t s = 0x9E3779B97F4A7C15ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        float v = lo + (hi - lo) * (float)((double)(s >> 11) * (1.0 / 9007199254740992.0));
        x[i] = round_f16 ? f32_round_f16(v) : v;
    }
}

/* Makes operand i: a device tensor of `count` elements (rank 1; cases reshape), random in
 * [lo, hi) when lo < hi (host copy kept), else uninitialised (an output). */
static pixeen_status operand(gpu_context *ctx, op_operands *s, int i, tensor_dtype dt, size_t count, float lo, float hi,
                             gpu_memory memory) {
    s->t[i] = (tensor){.dtype = dt, .rank = 1, .shape = {(int64_t)count}};
    s->count[i] = count;
    PX_TRY(gpu_buffer_create(ctx, memory, tensor_bytes(&s->t[i]), "bench", &s->t[i].buffer));
    if (!(lo < hi)) return PIXEEN_OK;
    s->host[i] = malloc(count * sizeof(float));
    if (!s->host[i]) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    fill_random(s->host[i], count, (uint64_t)(i * 7919 + count), lo, hi, dt == DTYPE_F16);
    if (dt == DTYPE_F16) {
        uint16_t *half = malloc(count * 2);
        if (!half) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
        f32_to_f16_array(half, s->host[i], count);
        pixeen_status st = gpu_buffer_upload(ctx, s->t[i].buffer, 0, half, count * 2);
        free(half);
        return st;
    }
    return gpu_buffer_upload(ctx, s->t[i].buffer, 0, s->host[i], count * 4);
}

static void operands_teardown(bench_case *c, void *state) {
    (void)c;
    op_operands *s = state;
    if (!s) return;
    for (int i = 0; i < MAX_OPERANDS; i++) {
        gpu_buffer_destroy(s->t[i].buffer);
        free(s->host[i]);
    }
    free(s);
}

/* Reads `count` elements of operand i starting at element `first` as floats. */
static pixeen_status read_back(gpu_context *ctx, const op_operands *s, int i, size_t first, size_t count, float *out) {
    uint32_t es = dtype_size(s->t[i].dtype);
    if (s->t[i].dtype == DTYPE_F32) return gpu_buffer_download(ctx, s->t[i].buffer, first * 4, out, count * 4);
    uint16_t *half = malloc(count * 2);
    if (!half) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    pixeen_status st = gpu_buffer_download(ctx, s->t[i].buffer, first * es, half, count * 2);
    f16_to_f32_array(out, half, count);
    free(half);
    return st;
}

static void accumulate(const float *got, const float *ref, size_t n, double *max_diff, double *max_ref) {
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - ref[i]);
        if (isnan(got[i])) d = INFINITY;
        if (d > *max_diff) *max_diff = d;
        if (fabs(ref[i]) > *max_ref) *max_ref = fabs(ref[i]);
    }
}

static const char *dt_name(int dt) { return dt == DTYPE_F16 ? "f16" : "f32"; }

/* ---- attention ------------------------------------------------------------------------- */

enum { A_B = 0, A_TQ = 1, A_TK = 2, A_H = 3, A_D = 4 };

static pixeen_status attn_setup(bench_case *c, gpu_context *ctx, void **state) {
    op_operands *s = calloc(1, sizeof *s);
    *state = s;
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    size_t b = (size_t)c->p[A_B], tq = (size_t)c->p[A_TQ], tk = (size_t)c->p[A_TK], hd = (size_t)(c->p[A_H] * c->p[A_D]);
    tensor_dtype dt = (tensor_dtype)c->dtype;
    PX_TRY(operand(ctx, s, 0, dt, b * tq * hd, -2, 2, GPU_MEMORY_DEVICE));
    PX_TRY(operand(ctx, s, 1, dt, b * tk * hd, -2, 2, GPU_MEMORY_DEVICE));
    PX_TRY(operand(ctx, s, 2, dt, b * tk * hd, -1, 1, GPU_MEMORY_DEVICE));
    PX_TRY(operand(ctx, s, 3, dt, b * tq * hd, 0, 0, GPU_MEMORY_DEVICE));
    int64_t sq[3] = {(int64_t)b, (int64_t)tq, (int64_t)hd}, sk[3] = {(int64_t)b, (int64_t)tk, (int64_t)hd};
    for (int i = 0; i < 4; i++) {
        s->t[i].rank = 3;
        memcpy(s->t[i].shape, (i == 1 || i == 2) ? sk : sq, sizeof sq);
    }
    return PIXEEN_OK;
}

static void attn_record(bench_case *c, void *state, gpu_recorder *rec) {
    op_operands *s = state;
    op_attention_record(rec, &(op_attention_desc){.q = &s->t[0], .k = &s->t[1], .v = &s->t[2], .out = &s->t[3],
                                                  .heads = (uint32_t)c->p[A_H]});
}

static pixeen_status attn_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    op_operands *s = state;
    size_t b = (size_t)c->p[A_B], tq = (size_t)c->p[A_TQ], hd = (size_t)(c->p[A_H] * c->p[A_D]);
    ref_attention_shape shape = {b, tq, (size_t)c->p[A_TK], (size_t)c->p[A_H], (size_t)c->p[A_D], 0, 0, 0, 0};
    float *got = malloc(hd * 4), *ref = malloc(hd * 4);
    if (!got || !ref) {
        free(got);
        free(ref);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    }
    double max_diff = 0, max_ref = 0;
    size_t rows = b * tq, samples = 12 < rows ? 12 : rows;
    pixeen_status st = PIXEEN_OK;
    for (size_t i = 0; i < samples && st == PIXEEN_OK; i++) {
        size_t r = samples == rows ? i : (i * 2654435761u + 17) % rows; /* spread, deterministic */
        if (i == samples - 1) r = rows - 1;
        st = read_back(ctx, s, 3, r * hd, hd, got);
        ref_attention_row(&shape, s->host[0], s->host[1], s->host[2], r / tq, r % tq, ref);
        accumulate(got, ref, hd, &max_diff, &max_ref);
    }
    free(got);
    free(ref);
    *max_rel = max_ref > 0 ? max_diff / max_ref : max_diff;
    return st;
}

static uint32_t add_attention(bench_case *out, uint32_t n, uint32_t max, int image, int level, bool cross, int dt) {
    if (n >= max) return n;
    static const int heads_dim[4] = {40, 80, 160, 160}; /* SD 1.5: 8 heads; channels 320, 640, 1280, 1280 */
    int lat = image / 8 >> level, tokens = lat * lat, tk = cross ? 77 : tokens, d = heads_dim[level];
    bench_case *c = &out[n];
    memset(c, 0, sizeof *c);
    c->family = "attention";
    snprintf(c->name, sizeof c->name, "attn %s b2 %dx%d tq%d tk%d 8x%d %s (%dpx)", cross ? "cross" : "self", lat, lat, tokens,
             tk, d, dt_name(dt), image);
    c->p[A_B] = 2;
    c->p[A_TQ] = tokens;
    c->p[A_TK] = tk;
    c->p[A_H] = 8;
    c->p[A_D] = d;
    c->dtype = dt;
    c->flops = 4.0 * 2 * 8 * (double)tokens * tk * d;
    c->bytes = (2.0 * 2 * tokens * 8 * d + 2.0 * 2 * tk * 8 * d) * (dt == DTYPE_F16 ? 2 : 4);
    /* outputs are convex combinations of v in [-1, 1]: fp16 rounding 2^-11 plus fp32 sums */
    c->tolerance = dt == DTYPE_F16 ? 2e-3 : 1e-4;
    c->setup = attn_setup;
    c->record = attn_record;
    c->validate = attn_validate;
    c->teardown = operands_teardown;
    return n + 1;
}

uint32_t bench_cases_attention(bench_case *out, uint32_t max, bool quick) {
    uint32_t n = 0;
    if (quick) {
        n = add_attention(out, n, max, 512, 0, false, DTYPE_F16);
        n = add_attention(out, n, max, 512, 0, true, DTYPE_F16);
        return n;
    }
    for (int image = 256; image <= 512; image *= 2)
        for (int level = 0; level < 4; level++)
            for (int cross = 0; cross < 2; cross++) n = add_attention(out, n, max, image, level, cross, DTYPE_F16);
    n = add_attention(out, n, max, 512, 0, false, DTYPE_F32); /* the fp32 parity mode at the heaviest shape */
    return n;
}

/* ---- norms ----------------------------------------------------------------------------- */

enum { N_KIND = 0, N_B = 1, N_PIX = 2, N_C = 3, N_G = 4, N_SILU = 5, N_EPS_E7 = 6 }; /* eps in units of 1e-7 */
enum { NORM_GROUP = 0, NORM_LAYER = 1 };

static pixeen_status norm_setup(bench_case *c, gpu_context *ctx, void **state) {
    op_operands *s = calloc(1, sizeof *s);
    *state = s;
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    size_t b = (size_t)c->p[N_B], pix = (size_t)c->p[N_PIX], ch = (size_t)c->p[N_C];
    tensor_dtype dt = (tensor_dtype)c->dtype;
    PX_TRY(operand(ctx, s, 0, dt, b * pix * ch, -2, 3, GPU_MEMORY_DEVICE));
    PX_TRY(operand(ctx, s, 1, DTYPE_F16, ch, 0.5f, 1.5f, GPU_MEMORY_DEVICE)); /* gamma: weights are fp16 */
    PX_TRY(operand(ctx, s, 2, DTYPE_F16, ch, -0.5f, 0.5f, GPU_MEMORY_DEVICE));
    PX_TRY(operand(ctx, s, 3, dt, b * pix * ch, 0, 0, GPU_MEMORY_DEVICE));
    PX_TRY(operand(ctx, s, 4, DTYPE_F32, op_group_norm_stats_count(b, (uint32_t)c->p[N_G]), 0, 0, GPU_MEMORY_DEVICE));
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
        st = read_back(ctx, s, 3, r * ch, ch, got);
        if (c->p[N_KIND] == NORM_GROUP)
            ref_group_norm_pixel(s->host[0], pix, ch, (size_t)c->p[N_G], s->host[1], s->host[2], eps, c->p[N_SILU] != 0,
                                 r / pix, r % pix, ref);
        else
            ref_layer_norm(s->host[0] + r * ch, 1, ch, s->host[1], s->host[2], eps, ref);
        accumulate(got, ref, ch, &max_diff, &max_ref);
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
        snprintf(c->name, sizeof c->name, "%s gn%s b%d %dx%dx%d %s", what, silu ? "+silu" : "", b, h, w, ch, dt_name(dt));
    else
        snprintf(c->name, sizeof c->name, "%s ln b%d t%d c%d %s", what, b, h * w, ch, dt_name(dt));
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
    c->teardown = operands_teardown;
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

/* ---- elementwise ----------------------------------------------------------------------- */

enum { E_KIND = 0, E_A = 1, E_B = 2, E_C = 3, E_D = 4 };
enum { EW_SILU = 0, EW_GELU = 1, EW_GEGLU = 2, EW_UPSAMPLE = 3, EW_CONCAT = 4 };

static pixeen_status ew_setup(bench_case *c, gpu_context *ctx, void **state) {
    op_operands *s = calloc(1, sizeof *s);
    *state = s;
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    tensor_dtype dt = (tensor_dtype)c->dtype;
    size_t a = (size_t)c->p[E_A], b = (size_t)c->p[E_B], cc = (size_t)c->p[E_C], d = (size_t)c->p[E_D];
    switch (c->p[E_KIND]) {
    case EW_SILU:
    case EW_GELU:
        PX_TRY(operand(ctx, s, 0, dt, a, -6, 6, GPU_MEMORY_DEVICE));
        PX_TRY(operand(ctx, s, 1, dt, a, 0, 0, GPU_MEMORY_DEVICE));
        break;
    case EW_GEGLU: /* a rows, b = F */
        PX_TRY(operand(ctx, s, 0, dt, a * 2 * b, -4, 4, GPU_MEMORY_DEVICE));
        PX_TRY(operand(ctx, s, 1, dt, a * b, 0, 0, GPU_MEMORY_DEVICE));
        s->t[0].rank = s->t[1].rank = 2;
        s->t[0].shape[0] = s->t[1].shape[0] = (int64_t)a;
        s->t[0].shape[1] = (int64_t)(2 * b);
        s->t[1].shape[1] = (int64_t)b;
        break;
    case EW_UPSAMPLE: /* [a, b, b, cc] */
        PX_TRY(operand(ctx, s, 0, dt, a * b * b * cc, -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(operand(ctx, s, 1, dt, a * 4 * b * b * cc, 0, 0, GPU_MEMORY_DEVICE));
        s->t[0].rank = s->t[1].rank = 4;
        s->t[0].shape[0] = s->t[1].shape[0] = (int64_t)a;
        s->t[0].shape[1] = s->t[0].shape[2] = (int64_t)b;
        s->t[1].shape[1] = s->t[1].shape[2] = (int64_t)(2 * b);
        s->t[0].shape[3] = s->t[1].shape[3] = (int64_t)cc;
        break;
    case EW_CONCAT: /* a rows, b ++ cc */
        PX_TRY(operand(ctx, s, 0, dt, a * b, -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(operand(ctx, s, 1, dt, a * cc, -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(operand(ctx, s, 2, dt, a * (b + cc), 0, 0, GPU_MEMORY_DEVICE));
        s->t[0].rank = s->t[1].rank = s->t[2].rank = 2;
        s->t[0].shape[0] = s->t[1].shape[0] = s->t[2].shape[0] = (int64_t)a;
        s->t[0].shape[1] = (int64_t)b;
        s->t[1].shape[1] = (int64_t)cc;
        s->t[2].shape[1] = (int64_t)(b + cc);
        break;
    }
    (void)d;
    return PIXEEN_OK;
}

static void ew_record(bench_case *c, void *state, gpu_recorder *rec) {
    op_operands *s = state;
    switch (c->p[E_KIND]) {
    case EW_SILU: op_activation_record(rec, OP_ACT_SILU, &s->t[0], &s->t[1]); break;
    case EW_GELU: op_activation_record(rec, OP_ACT_GELU_ERF, &s->t[0], &s->t[1]); break;
    case EW_GEGLU: op_geglu_record(rec, OP_ACT_GELU_ERF, &s->t[0], &s->t[1]); break;
    case EW_UPSAMPLE: op_upsample_nearest2x_record(rec, &s->t[0], &s->t[1]); break;
    case EW_CONCAT: op_concat_channels_record(rec, &s->t[0], &s->t[1], &s->t[2]); break;
    }
}

static pixeen_status ew_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    op_operands *s = state;
    size_t a = (size_t)c->p[E_A], b = (size_t)c->p[E_B], cc = (size_t)c->p[E_C];
    int out_i = c->p[E_KIND] == EW_CONCAT ? 2 : 1;
    size_t n = s->count[out_i];
    float *got = malloc(n * 4), *ref = malloc(n * 4);
    if (!got || !ref) {
        free(got);
        free(ref);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    }
    pixeen_status st = read_back(ctx, s, out_i, 0, n, got);
    switch (c->p[E_KIND]) {
    case EW_SILU: ref_activation(OP_ACT_SILU, s->host[0], a, ref); break;
    case EW_GELU: ref_activation(OP_ACT_GELU_ERF, s->host[0], a, ref); break;
    case EW_GEGLU: ref_geglu(OP_ACT_GELU_ERF, s->host[0], a, b, ref); break;
    case EW_UPSAMPLE: ref_upsample_nearest2x(s->host[0], a, b, b, cc, ref); break;
    case EW_CONCAT: ref_concat_channels(s->host[0], s->host[1], a, b, cc, ref); break;
    }
    double max_diff = 0, max_ref = 0;
    accumulate(got, ref, n, &max_diff, &max_ref);
    *max_rel = max_ref > 0 ? max_diff / max_ref : max_diff;
    free(got);
    free(ref);
    return st;
}

static uint32_t add_ew(bench_case *out, uint32_t n, uint32_t max, int kind, const char *name, int64_t a, int64_t b,
                       int64_t cc, double bytes_per_elem_in, double out_elems, int dt) {
    if (n >= max) return n;
    bench_case *c = &out[n];
    memset(c, 0, sizeof *c);
    c->family = "elementwise";
    snprintf(c->name, sizeof c->name, "%s %s", name, dt_name(dt));
    c->p[E_KIND] = kind;
    c->p[E_A] = a;
    c->p[E_B] = b;
    c->p[E_C] = cc;
    c->dtype = dt;
    double es = dt == DTYPE_F16 ? 2 : 4;
    c->bytes = bytes_per_elem_in + out_elems * es;
    /* activations: fp16 output rounding or fp32 exp/erf vs double; copies exact; the sampler
     * step a few fp32 ulp */
    c->tolerance = kind == EW_UPSAMPLE || kind == EW_CONCAT ? 0 : dt == DTYPE_F16 ? 2e-3 : 2e-5;
    c->setup = ew_setup;
    c->record = ew_record;
    c->validate = ew_validate;
    c->teardown = operands_teardown;
    return n + 1;
}

uint32_t bench_cases_elementwise(bench_case *out, uint32_t max, bool quick) {
    uint32_t n = 0;
    for (int image = quick ? 512 : 256; image <= 512; image *= 2) {
        int lat = image / 8;
        char name[96];
        for (int dt = 0; dt < 2; dt++) {
            if (quick && dt == DTYPE_F32) continue;
            double es = dt == DTYPE_F16 ? 2 : 4;
            int64_t e = 2LL * lat * lat * 320; /* the largest UNet activation: b2 x 64x64 x 320 at 512px */
            snprintf(name, sizeof name, "silu b2 %dx%dx320", lat, lat);
            n = add_ew(out, n, max, EW_SILU, name, e, 0, 0, (double)e * es, (double)e, dt);
            snprintf(name, sizeof name, "gelu b2 %dx%dx320", lat, lat);
            n = add_ew(out, n, max, EW_GELU, name, e, 0, 0, (double)e * es, (double)e, dt);
            int64_t rows = 2LL * lat * lat;
            snprintf(name, sizeof name, "geglu b2 t%lld 2x1280->1280", (long long)(lat * lat));
            n = add_ew(out, n, max, EW_GEGLU, name, rows, 1280, 0, (double)rows * 2560 * es, (double)rows * 1280, dt);
            int64_t up = lat / 8; /* the deepest upsample: 1280 channels from 1/8 to 1/4 of the latent */
            snprintf(name, sizeof name, "upsample2x b2 %lldx%lldx1280", (long long)up, (long long)up);
            n = add_ew(out, n, max, EW_UPSAMPLE, name, 2, up, 1280, 2.0 * up * up * 1280 * es, 8.0 * up * up * 1280, dt);
            snprintf(name, sizeof name, "upsample2x b2 %lldx%lldx640", (long long)(lat / 2), (long long)(lat / 2));
            n = add_ew(out, n, max, EW_UPSAMPLE, name, 2, lat / 2, 640, 2.0 * lat / 2 * lat / 2 * 640 * es,
                       8.0 * lat / 2 * lat / 2 * 640, dt);
            snprintf(name, sizeof name, "concat b2 %dx%d 320++320", lat, lat);
            n = add_ew(out, n, max, EW_CONCAT, name, rows, 320, 320, (double)rows * 640 * es, (double)rows * 640, dt);
            snprintf(name, sizeof name, "concat b2 %dx%d 640++320", lat, lat);
            n = add_ew(out, n, max, EW_CONCAT, name, rows, 640, 320, (double)rows * 960 * es, (double)rows * 960, dt);
        }
    }
    return n;
}
