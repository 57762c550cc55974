/* cases_latents.c — operator cases of the kernels on latents outside the UNet: img2img's
 * latent_sample (the VAE encoder's moments -> scaled sample) and latent_blend (inpainting's
 * paste-back, coefficients picked by the recorded step index), finite_count (NaN and infinities
 * planted) and the live preview's latent_preview (RGB8). Each at odd sizes (check only) and at
 * SD 1.5's 512x512 latents [64, 64, 4] (checked and timed: they are small). Compared with the
 * plain-C references (ops/reference_*.h): fp32 arithmetic, so fp32 rounding (exp in latent_sample:
 * a few ulp more), fp16 inputs their own rounding, bytes within one step of 255.
 * Entry point: bench_cases_latents (providers.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/case_operands.h"
#include "core/f16.h"
#include "ops/finite_count.h"
#include "ops/latent_blend.h"
#include "ops/latent_preview.h"
#include "ops/latent_sample.h"
#include "ops/reference_latent_blend.h"
#include "ops/reference_latent_preview.h"
#include "ops/reference_latent_sample.h"

uint32_t bench_cases_latents(bench_case *out, uint32_t max, bool quick);

enum { KIND = 0, PIXELS = 1, BATCH = 2, CHANNELS = 3, FLAG = 4 };
enum { LATENT_SAMPLE, LATENT_BLEND, FINITE_COUNT, LATENT_PREVIEW };

#define BLEND_ENTRIES 4
#define BLEND_STEP 2  /* the host-visible step word */
#define BLEND_INDEX 1 /* + the recorded entry offset: entry 3 is read */
#define FINITE_SLOT 1

static const op_preview_factors preview_factors = {
    .f = {{0.298f, 0.207f, 0.208f}, {0.187f, 0.286f, 0.173f}, {-0.158f, 0.189f, 0.264f}, {-0.184f, -0.271f, -0.473f}},
    .bias = {0.1f, -0.05f, 0.02f}};

typedef struct latent_case {
    op_operands o;
    gpu_buffer *coeffs, *state, *out; /* blend's table and step word; finite_count's flags, the preview */
    float k[BLEND_ENTRIES][2];
    uint32_t planted; /* finite_count: non-finite values put in */
} latent_case;

static void latent_teardown(bench_case *c, void *state) {
    latent_case *s = state;
    (void)c;
    if (!s) return;
    gpu_buffer_destroy(s->coeffs);
    gpu_buffer_destroy(s->state);
    gpu_buffer_destroy(s->out);
    for (int i = 0; i < MAX_OPERANDS; i++) {
        gpu_buffer_destroy(s->o.t[i].buffer);
        free(s->o.host[i]);
    }
    free(s);
}

static tensor nhwc(tensor t, int64_t b, int64_t pixels, int64_t c) {
    t.rank = 4, t.shape[0] = b, t.shape[1] = 1, t.shape[2] = pixels, t.shape[3] = c;
    return t;
}

static pixeen_status latent_setup(bench_case *c, gpu_context *ctx, void **state) {
    latent_case *s = calloc(1, sizeof *s);
    *state = s;
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    size_t px = (size_t)c->p[PIXELS], b = (size_t)c->p[BATCH], ch = (size_t)c->p[CHANNELS];
    tensor_dtype dt = (tensor_dtype)c->dtype;
    switch (c->p[KIND]) {
    case LATENT_SAMPLE: /* moments [1, px, 2C] (mean, logvar past the clamp too), noise [px, C] */
        PX_TRY(bench_operand(ctx, &s->o, 0, dt, px * 2 * ch, -3, 3, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 1, DTYPE_F32, px * ch, -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 2, DTYPE_F32, b * px * ch, 0, 0, GPU_MEMORY_DEVICE));
        s->o.t[0] = nhwc(s->o.t[0], 1, (int64_t)px, (int64_t)(2 * ch));
        s->o.t[1] = nhwc(s->o.t[1], 1, (int64_t)px, (int64_t)ch);
        s->o.t[2] = nhwc(s->o.t[2], (int64_t)b, (int64_t)px, (int64_t)ch);
        break;
    case LATENT_BLEND: { /* x, x0, noise [b, px, C]; mask [px] when FLAG */
        PX_TRY(bench_operand(ctx, &s->o, 0, DTYPE_F32, b * px * ch, -3, 3, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 1, DTYPE_F32, b * px * ch, -1, 1, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 2, DTYPE_F32, b * px * ch, -1, 1, GPU_MEMORY_DEVICE));
        for (int i = 0; i < 3; i++) s->o.t[i] = nhwc(s->o.t[i], (int64_t)b, (int64_t)px, (int64_t)ch);
        if (c->p[FLAG]) {
            PX_TRY(bench_operand(ctx, &s->o, 3, DTYPE_F32, px, 0, 1, GPU_MEMORY_DEVICE));
            for (size_t i = 0; i < px; i++) s->o.host[3][i] = s->o.host[3][i] < 0.5f ? 0.0f : 1.0f; /* binarised */
            PX_TRY(gpu_buffer_upload(ctx, s->o.t[3].buffer, 0, s->o.host[3], px * 4));
        }
        for (int e = 0; e < BLEND_ENTRIES; e++) s->k[e][0] = 0.9f - 0.2f * e, s->k[e][1] = 0.1f + 0.3f * e;
        PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, sizeof s->k, "bench coeffs", &s->coeffs));
        PX_TRY(gpu_buffer_upload(ctx, s->coeffs, 0, s->k, sizeof s->k));
        uint32_t step = BLEND_STEP;
        PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_HOST, sizeof step, "bench step", &s->state));
        PX_TRY(gpu_buffer_upload(ctx, s->state, 0, &step, sizeof step));
        break;
    }
    case FINITE_COUNT: { /* b * px * C values; every 37th NaN or +-Inf */
        size_t n = b * px * ch;
        PX_TRY(bench_operand(ctx, &s->o, 0, dt, n, -2, 2, GPU_MEMORY_DEVICE));
        for (size_t i = 5; i < n; i += 37, s->planted++) s->o.host[0][i] = i % 3 == 0 ? NAN : i % 3 == 1 ? INFINITY : -INFINITY;
        if (dt == DTYPE_F16) {
            uint16_t *half = malloc(n * 2);
            if (!half) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
            f32_to_f16_array(half, s->o.host[0], n);
            pixeen_status st = gpu_buffer_upload(ctx, s->o.t[0].buffer, 0, half, n * 2);
            free(half);
            PX_TRY(st);
        } else {
            PX_TRY(gpu_buffer_upload(ctx, s->o.t[0].buffer, 0, s->o.host[0], n * 4));
        }
        uint32_t zero[4] = {0};
        PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_HOST, sizeof zero, "bench flags", &s->out));
        PX_TRY(gpu_buffer_upload(ctx, s->out, 0, zero, sizeof zero));
        break;
    }
    case LATENT_PREVIEW: /* image 0 of [b, px, 4] */
        PX_TRY(bench_operand(ctx, &s->o, 0, DTYPE_F32, b * px * 4, -3, 3, GPU_MEMORY_DEVICE));
        s->o.t[0] = nhwc(s->o.t[0], (int64_t)b, (int64_t)px, 4);
        PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_HOST, op_latent_preview_bytes(px), "bench preview", &s->out));
        break;
    }
    return PIXEEN_OK;
}

static void latent_record(bench_case *c, void *state, gpu_recorder *rec) {
    latent_case *s = state;
    switch (c->p[KIND]) {
    case LATENT_SAMPLE: op_latent_sample_record(rec, &s->o.t[0], &s->o.t[1], 0.18215f, &s->o.t[2]); break;
    case LATENT_BLEND: {
        op_blend_bindings bb = {.coeffs = s->coeffs, .state = s->state, .x = &s->o.t[0], .x0 = &s->o.t[1],
                                .noise = &s->o.t[2], .mask = c->p[FLAG] ? &s->o.t[3] : NULL};
        op_latent_blend_record(rec, &bb, BLEND_INDEX, true);
        break;
    }
    case FINITE_COUNT: op_finite_count_record(rec, &s->o.t[0], s->out, FINITE_SLOT); break;
    case LATENT_PREVIEW: op_latent_preview_record(rec, &s->o.t[0], &preview_factors, s->out); break;
    }
}

static pixeen_status latent_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    latent_case *s = state;
    size_t px = (size_t)c->p[PIXELS], b = (size_t)c->p[BATCH], ch = (size_t)c->p[CHANNELS], n = b * px * ch;
    if (c->p[KIND] == FINITE_COUNT) {
        uint32_t words[4];
        PX_TRY(gpu_buffer_download(ctx, s->out, 0, words, sizeof words));
        *max_rel = fabs((double)words[FINITE_SLOT] - s->planted) + words[0] + words[2] + words[3];
        return PIXEEN_OK;
    }
    size_t outputs = c->p[KIND] == LATENT_PREVIEW ? px * 3 : n;
    float *got = malloc(outputs * sizeof *got), *ref = malloc(outputs * sizeof *ref);
    pixeen_status st = got && ref ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    double norm = 0;
    if (st == PIXEEN_OK) switch (c->p[KIND]) {
        case LATENT_SAMPLE:
            ref_latent_sample(s->o.host[0], s->o.host[1], 0.18215f, (int64_t)b, (int64_t)px, (int64_t)ch, ref);
            st = bench_operand_read(ctx, &s->o, 2, 0, n, got);
            break;
        case LATENT_BLEND: {
            const float *k = s->k[BLEND_STEP + BLEND_INDEX];
            memcpy(ref, s->o.host[0], n * sizeof *ref);
            ref_latent_blend(k[0], k[1], s->o.host[1], s->o.host[2], c->p[FLAG] ? s->o.host[3] : NULL, (int64_t)n,
                             (int64_t)ch, (int64_t)px, ref);
            st = bench_operand_read(ctx, &s->o, 0, 0, n, got);
            break;
        }
        case LATENT_PREVIEW: {
            uint8_t *bytes = malloc(op_latent_preview_bytes(px)), *want = malloc(px * 3);
            if (!bytes || !want) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
            if (st == PIXEEN_OK) st = gpu_buffer_download(ctx, s->out, 0, bytes, px * 3);
            if (st == PIXEEN_OK) {
                ref_latent_preview(s->o.host[0], px, &preview_factors, want);
                for (size_t i = 0; i < px * 3; i++) got[i] = bytes[i], ref[i] = want[i];
            }
            free(bytes);
            free(want);
            norm = 255;
            break;
        }
        }
    if (st == PIXEEN_OK) {
        double md = 0, mr = 0;
        bench_accumulate(got, ref, outputs, &md, &mr);
        *max_rel = md / (norm > 0 ? norm : mr > 0 ? mr : 1);
    }
    free(got);
    free(ref);
    return st;
}

static uint32_t add(bench_case *out, uint32_t n, uint32_t max, const char *family, int kind, const char *what,
                    int64_t pixels, int64_t batch, int64_t channels, int64_t flag, int dt, bench_case_use use,
                    double bytes) {
    if (n >= max) return n;
    bench_case *c = &out[n];
    memset(c, 0, sizeof *c);
    c->family = family;
    snprintf(c->name, sizeof c->name, "%s %s", what, bench_dtype_name(dt));
    c->p[KIND] = kind, c->p[PIXELS] = pixels, c->p[BATCH] = batch, c->p[CHANNELS] = channels, c->p[FLAG] = flag;
    c->dtype = dt;
    c->bytes = bytes;
    c->use = use;
    c->tolerance = kind == FINITE_COUNT ? 0 : kind == LATENT_PREVIEW ? 1.01 / 255 : dt == DTYPE_F16 ? 1e-3 : 1e-5;
    c->setup = latent_setup;
    c->record = latent_record;
    c->validate = latent_validate;
    c->teardown = latent_teardown;
    return n + 1;
}

uint32_t bench_cases_latents(bench_case *out, uint32_t max, bool quick) {
    (void)quick; /* all small */
    uint32_t n = 0;
    const int64_t px = 64 * 64; /* 512x512 */
    for (int dt = 0; dt < 2; dt++) {
        double es = dt == DTYPE_F16 ? 2 : 4;
        n = add(out, n, max, "latent_sample", LATENT_SAMPLE, "odd 5x7 c3 b2", 35, 2, 3, 0, dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "latent_sample", LATENT_SAMPLE, "512px 64x64x4 b1", px, 1, 4, 0, dt, BENCH_USE_BOTH,
                px * 4 * (2 * es + 4 + 4));
        n = add(out, n, max, "finite_count", FINITE_COUNT, "odd n1001", 1001, 1, 1, 0, dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "finite_count", FINITE_COUNT, "unet b2 64x64x320", px, 2, 320, 0, dt, BENCH_USE_BOTH,
                2.0 * px * 320 * es);
    }
    n = add(out, n, max, "latent_blend", LATENT_BLEND, "odd 5x7 c3 b2 mask", 35, 2, 3, 1, DTYPE_F32, BENCH_USE_CHECK, 0);
    n = add(out, n, max, "latent_blend", LATENT_BLEND, "odd 5x7 c3 no mask", 35, 1, 3, 0, DTYPE_F32, BENCH_USE_CHECK, 0);
    n = add(out, n, max, "latent_blend", LATENT_BLEND, "512px 64x64x4 mask", px, 1, 4, 1, DTYPE_F32, BENCH_USE_BOTH,
            px * 4 * 16.0 + px * 4);
    n = add(out, n, max, "latent_preview", LATENT_PREVIEW, "odd 5x7 b2", 35, 2, 4, 0, DTYPE_F32, BENCH_USE_CHECK, 0);
    n = add(out, n, max, "latent_preview", LATENT_PREVIEW, "512px 64x64", px, 1, 4, 0, DTYPE_F32, BENCH_USE_BOTH,
            px * (16.0 + 3));
    return n;
}
