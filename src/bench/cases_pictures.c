/* cases_pictures.c — operator cases of the picture kernels (ops/picture_ops.h) that a hires fix
 * and an application's VkBuffer picture use: picture_lanczos (one axis of PIL's Lanczos, with the
 * host's taps and weights from picture_lanczos_coeffs), picture_unit (RGBA8 window -> [-1, 1] RGB or
 * the binary inpainting mask) and latent_upscale (torch's bilinear / nearest interpolate, windowed).
 * Odd sizes, padded rows, several pictures and windows are checked only; a hires fix's real sizes
 * (a 512 -> 768 picture, both axes; 64x64 -> 128x128 latents) are checked and timed (they are cheap).
 * Compared with ops/reference_picture_ops.h; tolerances (as tests/test_op_picture.c's):
 *   picture_lanczos  1 level of 255, and at most 1 value in 1000 differing at all: the GPU sums the
 *                    same fp32 weights in fp32, the reference in fp64, so a sum within ~1e-5 of a .5
 *                    may round the other way (validate reports a failure past 1 in 1000)
 *   picture_unit     1e-6 (of the [-1, 1] range): 2 * (v / 255) - 1 in fp32 on both sides, only the
 *                    GPU's division (2.5 ulp allowed) and a contracted multiply-add may differ;
 *                    the mask exactly (integer luma; luma / 255 is never within 1e-3 of 0.5)
 *   latent_upscale   1e-6 of max |ref|: the same fp32 formula, only contraction or order differ
 * Entry point: bench_cases_pictures (providers.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/case_operands.h"
#include "image/picture.h"
#include "ops/picture_ops.h"
#include "ops/reference_picture_ops.h"

uint32_t bench_cases_pictures(bench_case *out, uint32_t max, bool quick);

enum { PICTURE_LANCZOS, PICTURE_UNIT, LATENT_UPSCALE };
/* p[] of the picture cases */
enum { KIND = 0, IMAGES = 1, SRC_W = 2, SRC_H = 3, DST_W = 4, DST_H = 5, FLAG = 6, PAD = 7, X0 = 8, Y0 = 9, GAP = 10 };
/* p[] of latent_upscale */
enum { UB = 1, UH = 2, UW = 3, UC = 4, UTH = 5, UTW = 6, UY0 = 7, UX0 = 8, UOH = 9, UOW = 10, UMODE = 11 };

#define PAD_BYTE 0xA5 /* junk in the padding, so reading it shows */

typedef struct picture_case {
    op_operands o;                    /* latent_upscale's in / out; picture_unit's out */
    gpu_buffer *src, *dst, *taps, *weights;
    uint8_t *pixels;                  /* the source as uploaded (padding included) */
    int32_t *t;                       /* the taps and weights as uploaded */
    float *w;
    uint32_t ksize, stride, image_stride;
    op_picture in, out;
} picture_case;

static void picture_teardown(bench_case *c, void *state) {
    picture_case *s = state;
    (void)c;
    if (!s) return;
    gpu_buffer_destroy(s->src);
    gpu_buffer_destroy(s->dst);
    gpu_buffer_destroy(s->taps);
    gpu_buffer_destroy(s->weights);
    free(s->pixels);
    free(s->t);
    free(s->w);
    for (int i = 0; i < MAX_OPERANDS; i++) {
        gpu_buffer_destroy(s->o.t[i].buffer);
        free(s->o.host[i]);
    }
    free(s);
}

static pixeen_status oom(void) { return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory"); }

/* The source pictures: a horizontal gradient plus noise, clamped (smooth areas and edges, like a
 * picture, not only noise), rows `stride` pixels apart, pictures `image_stride` apart, the rest junk. */
static pixeen_status upload_source(bench_case *c, gpu_context *ctx, picture_case *s) {
    uint32_t images = (uint32_t)c->p[IMAGES], w = (uint32_t)c->p[SRC_W], h = (uint32_t)c->p[SRC_H];
    s->stride = w + (uint32_t)c->p[PAD];
    s->image_stride = s->stride * h + (uint32_t)c->p[GAP];
    size_t bytes = ((size_t)(images - 1) * s->image_stride + (size_t)s->stride * h) * 4;
    s->pixels = malloc(bytes);
    if (!s->pixels) return oom();
    memset(s->pixels, PAD_BYTE, bytes);
    uint32_t r = (uint32_t)(w * 7 + h * 13 + images);
    for (uint32_t img = 0; img < images; img++)
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++)
                for (int ch = 0; ch < 4; ch++) {
                    r = r * 1664525u + 1013904223u;
                    int v = (int)(x * 255 / w) + (int)(r >> 26) - 32;
                    s->pixels[((size_t)img * s->image_stride + (size_t)y * s->stride + x) * 4 + (size_t)ch] =
                        (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
                }
    PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, bytes, "bench picture", &s->src));
    PX_TRY(gpu_buffer_upload(ctx, s->src, 0, s->pixels, bytes));
    s->in = (op_picture){.buffer = s->src, .width = w, .height = h, .images = images, .stride = s->stride,
                         .image_stride = c->p[GAP] ? s->image_stride : 0};
    return PIXEEN_OK;
}

static pixeen_status lanczos_setup(bench_case *c, gpu_context *ctx, picture_case *s) {
    PX_TRY(upload_source(c, ctx, s));
    bool vertical = c->p[FLAG];
    uint32_t dw = (uint32_t)c->p[DST_W], dh = (uint32_t)c->p[DST_H];
    int in = (int)(vertical ? c->p[SRC_H] : c->p[SRC_W]), out = (int)(vertical ? dh : dw);
    int k = picture_lanczos_coeffs(in, out, &s->t, &s->w);
    if (k <= 0) return oom();
    s->ksize = (uint32_t)k;
    PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)out * 8, "bench taps", &s->taps));
    PX_TRY(gpu_buffer_upload(ctx, s->taps, 0, s->t, (uint64_t)out * 8));
    PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)out * s->ksize * 4, "bench weights", &s->weights));
    PX_TRY(gpu_buffer_upload(ctx, s->weights, 0, s->w, (uint64_t)out * s->ksize * 4));
    PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)c->p[IMAGES] * dw * dh * 4, "bench resized", &s->dst));
    s->out = (op_picture){.buffer = s->dst, .width = dw, .height = dh, .images = (uint32_t)c->p[IMAGES]};
    return PIXEEN_OK;
}

static pixeen_status unit_setup(bench_case *c, gpu_context *ctx, picture_case *s) {
    PX_TRY(upload_source(c, ctx, s));
    size_t per = c->p[FLAG] ? 1 : 3, n = (size_t)(c->p[IMAGES] * c->p[DST_W] * c->p[DST_H]) * per;
    PX_TRY(bench_operand(ctx, &s->o, 0, DTYPE_F32, n, 0, 0, GPU_MEMORY_DEVICE));
    tensor *t = &s->o.t[0];
    t->rank = c->p[FLAG] ? 3 : 4;
    t->shape[0] = c->p[IMAGES], t->shape[1] = c->p[DST_H], t->shape[2] = c->p[DST_W], t->shape[3] = 3;
    return PIXEEN_OK;
}

static pixeen_status upscale_setup(bench_case *c, gpu_context *ctx, picture_case *s) {
    const int64_t *p = c->p;
    PX_TRY(bench_operand(ctx, &s->o, 0, DTYPE_F32, (size_t)(p[UB] * p[UH] * p[UW] * p[UC]), -4, 4, GPU_MEMORY_DEVICE));
    PX_TRY(bench_operand(ctx, &s->o, 1, DTYPE_F32, (size_t)(p[UB] * p[UOH] * p[UOW] * p[UC]), 0, 0, GPU_MEMORY_DEVICE));
    s->o.t[0].rank = s->o.t[1].rank = 4;
    memcpy(s->o.t[0].shape, (int64_t[4]){p[UB], p[UH], p[UW], p[UC]}, 4 * sizeof(int64_t));
    memcpy(s->o.t[1].shape, (int64_t[4]){p[UB], p[UOH], p[UOW], p[UC]}, 4 * sizeof(int64_t));
    return PIXEEN_OK;
}

static pixeen_status picture_setup(bench_case *c, gpu_context *ctx, void **state) {
    picture_case *s = calloc(1, sizeof *s);
    *state = s;
    if (!s) return oom();
    switch (c->p[KIND]) {
    case PICTURE_LANCZOS: return lanczos_setup(c, ctx, s);
    case PICTURE_UNIT: return unit_setup(c, ctx, s);
    default: return upscale_setup(c, ctx, s);
    }
}

static void picture_record(bench_case *c, void *state, gpu_recorder *rec) {
    picture_case *s = state;
    const int64_t *p = c->p;
    switch (p[KIND]) {
    case PICTURE_LANCZOS: op_picture_lanczos_record(rec, &s->in, &s->out, p[FLAG], s->taps, s->weights, s->ksize); break;
    case PICTURE_UNIT: op_picture_unit_record(rec, &s->in, (uint32_t)p[X0], (uint32_t)p[Y0], p[FLAG], &s->o.t[0]); break;
    default:
        op_latent_upscale_record(rec, &s->o.t[0], p[UTH], p[UTW], p[UY0], p[UX0], (op_latent_upscale_mode)p[UMODE],
                                 &s->o.t[1]);
        break;
    }
}

/* Levels of 255 apart at most (as a fraction of 255), or 1 (a failure) when more than 1 value in
 * 1000 differs at all. */
static pixeen_status lanczos_validate(bench_case *c, picture_case *s, gpu_context *ctx, double *max_rel) {
    size_t n = (size_t)(c->p[IMAGES] * c->p[DST_W] * c->p[DST_H]) * 4;
    uint8_t *got = malloc(n), *ref = malloc(n);
    pixeen_status st = got && ref ? gpu_buffer_download(ctx, s->dst, 0, got, n) : oom();
    if (st == PIXEEN_OK) {
        ref_picture_lanczos(s->pixels, s->in.images, s->in.width, s->in.height, s->stride, s->out.width, s->out.height,
                            c->p[FLAG], s->t, s->w, s->ksize, ref);
        int worst = 0;
        size_t differ = 0;
        for (size_t i = 0; i < n; i++) {
            int d = abs((int)got[i] - (int)ref[i]);
            worst = d > worst ? d : worst;
            differ += d != 0;
        }
        *max_rel = differ * 1000 > n ? 1.0 : worst / 255.0;
    }
    free(got);
    free(ref);
    return st;
}

static pixeen_status picture_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    picture_case *s = state;
    const int64_t *p = c->p;
    if (p[KIND] == PICTURE_LANCZOS) return lanczos_validate(c, s, ctx, max_rel);
    int out = p[KIND] == PICTURE_UNIT ? 0 : 1;
    size_t n = s->o.count[out];
    float *got = malloc(n * sizeof *got), *ref = malloc(n * sizeof *ref);
    pixeen_status st = got && ref ? bench_operand_read(ctx, &s->o, out, 0, n, got) : oom();
    if (st == PIXEEN_OK) {
        double norm = 1; /* picture_unit: the [-1, 1] range (the mask: 0 / 1) */
        if (p[KIND] == PICTURE_UNIT) {
            ref_picture_unit(s->pixels, s->in.images, s->stride, s->image_stride, (uint32_t)p[X0], (uint32_t)p[Y0],
                             (uint32_t)p[DST_W], (uint32_t)p[DST_H], p[FLAG], ref);
        } else {
            ref_latent_upscale(s->o.host[0], p[UB], p[UH], p[UW], p[UC], p[UTH], p[UTW], p[UY0], p[UX0], p[UOH], p[UOW],
                               (op_latent_upscale_mode)p[UMODE], ref);
            norm = 0;
        }
        double md = 0, mr = 0;
        bench_accumulate(got, ref, n, &md, &mr);
        *max_rel = md / (norm > 0 ? norm : mr > 0 ? mr : 1);
    }
    free(got);
    free(ref);
    return st;
}

static bench_case *next(bench_case *out, uint32_t *n, uint32_t max, const char *family, int kind, bench_case_use use,
                        double tolerance) {
    if (*n >= max) return NULL;
    bench_case *c = &out[(*n)++];
    memset(c, 0, sizeof *c);
    c->family = family;
    c->p[KIND] = kind;
    c->dtype = DTYPE_F32;
    c->use = use;
    c->tolerance = tolerance;
    c->setup = picture_setup;
    c->record = picture_record;
    c->validate = picture_validate;
    c->teardown = picture_teardown;
    return c;
}

/* One axis of a Lanczos resize: images pictures w x h (rows + pad pixels) to dw x dh. */
static void lanczos(bench_case *out, uint32_t *n, uint32_t max, const char *what, int64_t images, int64_t w, int64_t h,
                    int64_t dw, int64_t dh, bool vertical, int64_t pad, bench_case_use use) {
    bench_case *c = next(out, n, max, "picture_lanczos", PICTURE_LANCZOS, use, 1.01 / 255);
    if (!c) return;
    snprintf(c->name, sizeof c->name, "%s %s rgba8", what, vertical ? "vertical" : "horizontal");
    int64_t v[] = {images, w, h, dw, dh, vertical, pad};
    memcpy(&c->p[IMAGES], v, sizeof v);
    c->bytes = (double)images * (double)(w * h + dw * dh) * 4;
}

/* A dw x dh window at (x0, y0) of images pictures w x h (rows + pad, pictures + gap pixels apart). */
static void unit(bench_case *out, uint32_t *n, uint32_t max, const char *what, int64_t images, int64_t w, int64_t h,
                 int64_t dw, int64_t dh, bool mask, int64_t pad, int64_t x0, int64_t y0, int64_t gap,
                 bench_case_use use) {
    bench_case *c = next(out, n, max, "picture_unit", PICTURE_UNIT, use, mask ? 0 : 1e-6);
    if (!c) return;
    snprintf(c->name, sizeof c->name, "%s %s", what, mask ? "mask" : "unit");
    int64_t v[] = {images, w, h, dw, dh, mask, pad, x0, y0, gap};
    memcpy(&c->p[IMAGES], v, sizeof v);
    c->bytes = (double)images * (double)(dw * dh) * (4 + (mask ? 4 : 12));
}

static void upscale(bench_case *out, uint32_t *n, uint32_t max, const char *what, int64_t B, int64_t h, int64_t w,
                    int64_t C, int64_t th, int64_t tw, int64_t y0, int64_t x0, int64_t oh, int64_t ow,
                    op_latent_upscale_mode mode, bench_case_use use) {
    bench_case *c = next(out, n, max, "latent_upscale", LATENT_UPSCALE, use, 1e-6);
    if (!c) return;
    snprintf(c->name, sizeof c->name, "%s %s f32", what, mode == OP_LATENT_BILINEAR ? "bilinear" : "nearest");
    int64_t v[] = {B, h, w, C, th, tw, y0, x0, oh, ow, mode};
    memcpy(&c->p[UB], v, sizeof v);
    c->bytes = (double)B * (double)C * (double)(h * w + oh * ow) * 4;
}

uint32_t bench_cases_pictures(bench_case *out, uint32_t max, bool quick) {
    (void)quick; /* all cheap */
    uint32_t n = 0;
    const bench_case_use CHECK = BENCH_USE_CHECK, BOTH = BENCH_USE_BOTH;
    lanczos(out, &n, max, "odd 13x7 -> 29x7 b2 rows+3", 2, 13, 7, 29, 7, false, 3, CHECK);
    lanczos(out, &n, max, "odd 11x23 -> 11x9 (down)", 1, 11, 23, 11, 9, true, 0, CHECK);
    lanczos(out, &n, max, "odd 37x5 -> 17x5 (down) rows+2", 1, 37, 5, 17, 5, false, 2, CHECK);
    lanczos(out, &n, max, "hires 512x512 -> 768x512", 1, 512, 512, 768, 512, false, 0, BOTH);
    lanczos(out, &n, max, "hires 768x512 -> 768x768", 1, 768, 512, 768, 768, true, 0, BOTH);
    unit(out, &n, max, "odd 13x7 whole", 1, 13, 7, 13, 7, false, 0, 0, 0, 0, CHECK);
    unit(out, &n, max, "odd 21x11 b2 window 15x7 at 3,2 rows+5 gap 9", 2, 21, 11, 15, 7, false, 5, 3, 2, 9, CHECK);
    unit(out, &n, max, "odd 23x9 b2 rows+3", 2, 23, 9, 23, 9, true, 3, 0, 0, 0, CHECK);
    unit(out, &n, max, "odd 19x15 window 11x4 at 7,10", 1, 19, 15, 11, 4, true, 0, 7, 10, 0, CHECK);
    unit(out, &n, max, "hires 768x768", 1, 768, 768, 768, 768, false, 0, 0, 0, 0, BOTH);
    unit(out, &n, max, "inpaint 512x512", 1, 512, 512, 512, 512, true, 0, 0, 0, 0, BOTH);
    upscale(out, &n, max, "odd b1 3x5 c4 -> 6x10", 1, 3, 5, 4, 6, 10, 0, 0, 6, 10, OP_LATENT_BILINEAR, CHECK);
    upscale(out, &n, max, "odd b2 7x5 c3 -> 11x13 window 8x11 at 2,1", 2, 7, 5, 3, 11, 13, 2, 1, 8, 11,
            OP_LATENT_BILINEAR, CHECK);
    upscale(out, &n, max, "odd b1 9x6 c4 -> 13x17", 1, 9, 6, 4, 13, 17, 0, 0, 13, 17, OP_LATENT_NEAREST, CHECK);
    upscale(out, &n, max, "odd b1 9x6 c4 -> 18x12 (2x) window 16x8 at 1,2", 1, 9, 6, 4, 18, 12, 1, 2, 16, 8,
            OP_LATENT_NEAREST, CHECK);
    upscale(out, &n, max, "hires b1 64x64x4 -> 128x128", 1, 64, 64, 4, 128, 128, 0, 0, 128, 128, OP_LATENT_BILINEAR,
            BOTH);
    upscale(out, &n, max, "hires b1 64x64x4 -> 96x96", 1, 64, 64, 4, 96, 96, 0, 0, 96, 96, OP_LATENT_NEAREST, BOTH);
    return n;
}
