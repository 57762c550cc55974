/* cases_tile.c — operator cases of the tiled VAE (src/pipeline/vae_tiling.c): tile_crop (a tile
 * cut from the fp32 latents or picture, scaled, in the activation dtype), tile_blend (a decoded
 * tile added into the fp32 picture through the feathering weights) and image_rgba8 over windows
 * (a tiled decode's picture may be larger than one storage binding, so the operator binds from an
 * aligned offset and skips to the image's first element). Odd sizes with unaligned corners and two
 * batch images (check only), and real shapes: a 64x64 latent tile of a 1024x1024 picture's
 * [1, 128, 128, 4] latents and a 512x512 tile of a 1024x768 picture (checked and timed: small), a
 * 512-px tile cut from a 2048x2048 picture for the encoder (timed), and an fp32 3400x3400 picture
 * through image_rgba8 in two windows on lavapipe (checked; not in the quick pass: 139 MB of host
 * work). Compared element by element with the plain-C references (ops/reference_tile_*.h,
 * reference_image_rgba8.h): a copy or one multiply-add in fp32, so fp32 rounding, or fp16's where
 * the tile is fp16; bytes within one step of 255. Entry point: bench_cases_tile (providers.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/case_operands.h"
#include "ops/image_rgba8.h"
#include "ops/reference_image_rgba8.h"
#include "ops/reference_tile_blend.h"
#include "ops/reference_tile_crop.h"
#include "ops/tile_blend.h"
#include "ops/tile_crop.h"

uint32_t bench_cases_tile(bench_case *out, uint32_t max, bool quick);

/* p[]: the whole tensor [B, H, W, C], the tile's corner and size; image_rgba8: B = 1, H = 1, W
 * pixels, C = 3, Y0 = the image's first element in its buffer. */
enum { KIND = 0, B = 1, H = 2, W = 3, C = 4, Y0 = 5, X0 = 6, TH = 7, TW = 8 };
enum { TILE_CROP, TILE_BLEND, IMAGE_RGBA8 };

#define WEIGHT_Y 3 /* the tile's first row weight in the table; its columns' follow after a gap */

typedef struct tile_case {
    op_operands o; /* 0 the whole tensor / the image, 1 the tile, 2 the weight table */
    float *start;  /* tile_blend: the output before the blend */
    gpu_buffer *rgba;
} tile_case;

static void tile_teardown(bench_case *c, void *state) {
    tile_case *s = state;
    if (!s) return;
    gpu_buffer_destroy(s->rgba);
    free(s->start);
    for (int i = 0; i < MAX_OPERANDS; i++) {
        gpu_buffer_destroy(s->o.t[i].buffer);
        free(s->o.host[i]);
    }
    (void)c;
    free(s);
}

static tensor shape4(tensor t, int64_t b, int64_t h, int64_t w, int64_t ch) {
    t.rank = 4, t.shape[0] = b, t.shape[1] = h, t.shape[2] = w, t.shape[3] = ch;
    return t;
}

static size_t whole_count(const bench_case *c) { return (size_t)(c->p[B] * c->p[H] * c->p[W] * c->p[C]); }
static size_t tile_count(const bench_case *c) { return (size_t)(c->p[B] * c->p[TH] * c->p[TW] * c->p[C]); }
static uint32_t weight_x(const bench_case *c) { return (uint32_t)(WEIGHT_Y + c->p[TH] + 1); }

static pixeen_status tile_setup(bench_case *c, gpu_context *ctx, void **state) {
    tile_case *s = calloc(1, sizeof *s);
    *state = s;
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    tensor_dtype dt = (tensor_dtype)c->dtype;
    size_t whole = whole_count(c), tile = tile_count(c);
    switch (c->p[KIND]) {
    case TILE_CROP:
        PX_TRY(bench_operand(ctx, &s->o, 0, DTYPE_F32, whole, -3, 3, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 1, dt, tile, 0, 0, GPU_MEMORY_DEVICE));
        break;
    case TILE_BLEND: /* the output holds earlier tiles' sums: the blend adds to them */
        PX_TRY(bench_operand(ctx, &s->o, 0, DTYPE_F32, whole, -1, 1, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 1, dt, tile, -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 2, DTYPE_F32, weight_x(c) + (size_t)c->p[TW] + 2, 0, 1, GPU_MEMORY_DEVICE));
        s->start = malloc(whole * sizeof *s->start);
        if (!s->start) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
        memcpy(s->start, s->o.host[0], whole * sizeof *s->start);
        break;
    case IMAGE_RGBA8: /* values past [-1, 1] too: the kernel clamps */
        PX_TRY(bench_operand(ctx, &s->o, 0, dt, (size_t)c->p[Y0] + whole, -1.2f, 1.2f, GPU_MEMORY_DEVICE));
        s->o.t[0].offset = (uint64_t)c->p[Y0] * dtype_size(dt);
        PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, whole / 3 * 4, "bench rgba", &s->rgba));
        break;
    }
    s->o.t[0] = shape4(s->o.t[0], c->p[B], c->p[H], c->p[W], c->p[C]);
    if (s->o.t[1].buffer) s->o.t[1] = shape4(s->o.t[1], c->p[B], c->p[TH], c->p[TW], c->p[C]);
    return PIXEEN_OK;
}

static void tile_record(bench_case *c, void *state, gpu_recorder *rec) {
    tile_case *s = state;
    switch (c->p[KIND]) {
    case TILE_CROP: op_tile_crop_record(rec, &s->o.t[0], c->p[Y0], c->p[X0], 0.37f, &s->o.t[1]); break;
    case TILE_BLEND:
        op_tile_blend_record(rec, &s->o.t[1], &s->o.t[2], WEIGHT_Y, weight_x(c), c->p[Y0], c->p[X0], &s->o.t[0]);
        break;
    case IMAGE_RGBA8: op_image_rgba8_record(rec, &s->o.t[0], s->rgba, 0); break;
    }
}

/* Bytes of RGBA words compared one by one, relative to a byte's range. */
static pixeen_status rgba_validate(tile_case *s, gpu_context *ctx, size_t pixels, double *max_rel) {
    uint32_t *got = malloc(pixels * 4), *want = malloc(pixels * 4);
    pixeen_status st = got && want ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    if (st == PIXEEN_OK) st = gpu_buffer_download(ctx, s->rgba, 0, got, pixels * 4);
    if (st == PIXEEN_OK) {
        ref_image_rgba8(s->o.host[0] + s->o.t[0].offset / dtype_size(s->o.t[0].dtype), pixels, want);
        int worst = 0;
        for (size_t i = 0; i < pixels; i++)
            for (int k = 0; k < 4; k++) {
                int d = abs((int)((got[i] >> (8 * k)) & 255u) - (int)((want[i] >> (8 * k)) & 255u));
                if (d > worst) worst = d;
            }
        *max_rel = worst / 255.0;
    }
    free(got);
    free(want);
    return st;
}

static pixeen_status tile_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    tile_case *s = state;
    const int64_t *p = c->p;
    if (p[KIND] == IMAGE_RGBA8) return rgba_validate(s, ctx, whole_count(c) / 3, max_rel);
    size_t n = p[KIND] == TILE_CROP ? tile_count(c) : whole_count(c);
    float *got = malloc(n * sizeof *got), *ref = malloc(n * sizeof *ref);
    pixeen_status st = got && ref ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    if (st == PIXEEN_OK && p[KIND] == TILE_CROP) {
        ref_tile_crop(s->o.host[0], p[B], p[H], p[W], p[C], p[Y0], p[X0], p[TH], p[TW], 0.37f, ref);
        st = bench_operand_read(ctx, &s->o, 1, 0, n, got);
    } else if (st == PIXEEN_OK) {
        memcpy(ref, s->start, n * sizeof *ref);
        const float *w = s->o.host[2];
        ref_tile_blend(s->o.host[1], p[B], p[TH], p[TW], p[C], w + WEIGHT_Y, w + weight_x(c), p[H], p[W], p[Y0], p[X0],
                       ref);
        st = bench_operand_read(ctx, &s->o, 0, 0, n, got);
    }
    if (st == PIXEEN_OK) {
        double md = 0, mr = 0;
        bench_accumulate(got, ref, n, &md, &mr);
        *max_rel = md / (mr > 0 ? mr : 1);
    }
    free(got);
    free(ref);
    return st;
}

static uint32_t add(bench_case *out, uint32_t n, uint32_t max, bool quick, int kind, const char *what,
                    const int64_t shape[8], int dt, bench_case_use use) {
    if (n >= max || (quick && use == BENCH_USE_TIMING)) return n;
    bench_case *c = &out[n];
    memset(c, 0, sizeof *c);
    c->family = kind == TILE_CROP ? "tile_crop" : kind == TILE_BLEND ? "tile_blend" : "image_rgba8";
    snprintf(c->name, sizeof c->name, "%s %s", what, bench_dtype_name(dt));
    c->p[KIND] = kind;
    memcpy(&c->p[B], shape, 8 * sizeof *shape);
    c->dtype = dt;
    c->use = use;
    double es = dt == DTYPE_F16 ? 2 : 4, tile = (double)tile_count(c), whole = (double)whole_count(c);
    c->bytes = kind == TILE_CROP    ? tile * (4 + es)
               : kind == TILE_BLEND ? tile * (2 * 4 + es)
                                    : whole / 3 * (3 * es + 4);
    /* a copy times 0.37 or one fp32 multiply-add: fp32 rounding; an fp16 output its own */
    c->tolerance = kind == IMAGE_RGBA8 ? 1.01 / 255 : kind == TILE_CROP && dt == DTYPE_F16 ? 1e-3 : 1e-6;
    c->setup = tile_setup;
    c->record = tile_record;
    c->validate = tile_validate;
    c->teardown = tile_teardown;
    return n + 1;
}

uint32_t bench_cases_tile(bench_case *out, uint32_t max, bool quick) {
    uint32_t n = 0;
    /* each {B, H, W, C, Y0, X0, TH, TW} */
    static const int64_t crop_odd[][8] = {{2, 13, 11, 3, 3, 2, 7, 5}, {1, 9, 17, 8, 0, 1, 9, 15}};
    static const int64_t blend_odd[][8] = {{2, 13, 11, 3, 5, 3, 6, 7}, {1, 19, 23, 8, 0, 1, 19, 21}};
    static const int64_t crop_latent[8] = {1, 128, 128, 4, 40, 31, 64, 64};
    static const int64_t crop_picture[8] = {1, 2048, 2048, 3, 768, 1024, 512, 512};
    static const int64_t blend_picture[8] = {1, 1024, 768, 3, 384, 248, 512, 512};
    /* image_rgba8 from element 5 (Y0) of its buffer: a binding from an aligned offset before it */
    static const int64_t rgba_odd[8] = {1, 1, 37, 3, 5, 0, 0, 0};
    static const int64_t rgba_picture[8] = {1, 1, 512 * 512, 3, 7, 0, 0, 0};
    /* a 3400x3400 fp32 picture, 139 MB: more than one 128 MiB binding (lavapipe's), so two windows */
    static const int64_t rgba_windows[8] = {1, 3400, 3400, 3, 7, 0, 0, 0};
    /* --quick leaves out the TIMING cases (the encoder's crop) and the two-window image */
    for (int dt = 0; dt < 2; dt++) {
        for (int i = 0; i < 2; i++) {
            n = add(out, n, max, quick, TILE_CROP, i ? "odd 9x15 of 9x17x8" : "odd b2 7x5 of 13x11x3", crop_odd[i], dt,
                    BENCH_USE_CHECK);
            n = add(out, n, max, quick, TILE_BLEND, i ? "odd 19x21 into 19x23x8" : "odd b2 6x7 into 13x11x3",
                    blend_odd[i], dt, BENCH_USE_CHECK);
        }
        n = add(out, n, max, quick, TILE_CROP, "64x64 latent tile of 128x128x4", crop_latent, dt, BENCH_USE_BOTH);
        n = add(out, n, max, quick, TILE_CROP, "512x512 tile of a 2048x2048 picture", crop_picture, dt,
                BENCH_USE_TIMING);
        n = add(out, n, max, quick, TILE_BLEND, "512x512 tile of 1024x768", blend_picture, dt, BENCH_USE_BOTH);
        n = add(out, n, max, quick, IMAGE_RGBA8, "odd 37 pixels from element 5", rgba_odd, dt, BENCH_USE_CHECK);
        n = add(out, n, max, quick, IMAGE_RGBA8, "512x512 from element 7", rgba_picture, dt, BENCH_USE_BOTH);
        if (dt == DTYPE_F32 && !quick) /* about 2 s of host work: the plain pass only */
            n = add(out, n, max, quick, IMAGE_RGBA8, "3400x3400 over one binding", rgba_windows, dt, BENCH_USE_CHECK);
    }
    return n;
}
