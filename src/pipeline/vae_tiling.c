/* vae_tiling.c — see vae_tiling.h. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "models/vae.h"
#include "models/vae_encoder.h"
#include "ops/latent_scale.h"
#include "ops/tile_blend.h"
#include "ops/tile_crop.h"
#include "pipeline/run_tensor.h"
#include "pipeline/vae_tiling.h"

#define MIB (1024.0 * 1024.0)

pixeen_status vae_tile_axis_plan(int64_t length, int tile, int overlap, vae_tile_axis *out) {
    memset(out, 0, sizeof *out);
    if (length <= 0 || tile <= 0 || overlap < 0 || overlap >= tile)
        return error_set(PIXEEN_ERROR_INTERNAL, "vae tiling: length %lld, tile %d, overlap %d (expected 0 <= overlap < tile)",
                         (long long)length, tile, overlap);
    if (length <= tile) {
        out->count = 1;
        out->tile = (int)length;
        return PIXEEN_OK;
    }
    int64_t n = (length - overlap + (tile - overlap) - 1) / (tile - overlap);
    if (n < 2) n = 2;
    if (n > VAE_TILE_MAX)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vae tiling: %lld tiles of %d latent pixels along a side of %lld (at most %d): "
                         "use a larger tile", (long long)n, tile, (long long)length, VAE_TILE_MAX);
    out->count = (int)n;
    out->tile = tile;
    /* evenly spread, rounded to the nearest latent pixel: 0 first, length - tile last */
    for (int64_t k = 0; k < n; k++) out->start[k] = (int)((k * (length - tile) * 2 + (n - 1)) / (2 * (n - 1)));
    return PIXEEN_OK;
}

/* The rising weight of a tile at output pixel x across the cut at c with half-width b: 0 before
 * the band, 1 after, linear at pixel centres in between (a hard cut when the band is empty). */
static double ramp(int64_t x, double c, double b) {
    double centre = (double)x + 0.5;
    if (b < 0.5) return centre >= c ? 1.0 : 0.0;
    double r = (centre - (c - b)) / (2.0 * b);
    return r < 0.0 ? 0.0 : r > 1.0 ? 1.0 : r;
}

pixeen_status vae_tile_axis_weights(const vae_tile_axis *a, int scale, float *out) {
    const int64_t L = (int64_t)a->tile * scale, n = a->count;
    /* cut[k] (k = 1..n-1): the middle of the overlap of tiles k-1 and k; half[k]: its band's
     * half-width (VAE_TILE_BAND of the overlap, centred), at most half the distance to the
     * neighbouring cuts, so no two bands meet and at most two tiles weigh on any pixel. */
    double *cut = calloc((size_t)(n + 1), sizeof *cut), *half = calloc((size_t)(n + 1), sizeof *half);
    if (!cut || !half) {
        free(cut);
        free(half);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "vae tiling: out of host memory");
    }
    for (int64_t k = 1; k < n; k++) {
        double start = (double)a->start[k] * scale, prev_end = (double)a->start[k - 1] * scale + (double)L;
        cut[k] = (start + prev_end) / 2.0;
        half[k] = (prev_end - start) * VAE_TILE_BAND / 2.0;
    }
    for (int64_t k = 1; k < n; k++) {
        if (k > 1 && half[k] > (cut[k] - cut[k - 1]) / 2.0) half[k] = (cut[k] - cut[k - 1]) / 2.0;
        if (k + 1 < n && half[k] > (cut[k + 1] - cut[k]) / 2.0) half[k] = (cut[k + 1] - cut[k]) / 2.0;
    }
    for (int64_t k = 0; k < n; k++)
        for (int64_t p = 0; p < L; p++) {
            int64_t x = (int64_t)a->start[k] * scale + p;
            double w = 1.0;
            if (k > 0) w *= ramp(x, cut[k], half[k]);
            if (k + 1 < n) w *= 1.0 - ramp(x, cut[k + 1], half[k + 1]);
            out[k * L + p] = (float)w;
        }
    free(cut);
    free(half);
    return PIXEEN_OK;
}

uint64_t vae_tiling_default_budget(const gpu_caps *caps) {
    uint64_t budget = 1ull << 30, heap = gpu_caps_largest_local_heap(caps);
    if (heap && heap / 2 < budget) budget = heap / 2;
    return budget;
}

bool vae_tiling_decide(vae_tiling_mode mode, uint64_t untiled_peak, uint64_t untiled_largest, uint64_t budget,
                       uint64_t max_binding) {
    if (mode == VAE_TILING_OFF) return false;
    if (mode == VAE_TILING_ON) return true;
    return untiled_peak > budget || untiled_largest > max_binding;
}

/* ---- the builders ---------------------------------------------------------------------------- */

static uint32_t weight_index_y(const vae_tiling *t, int i) { return (uint32_t)(i * t->y.tile * t->scale); }
static uint32_t weight_index_x(const vae_tiling *t, int j) {
    return (uint32_t)((t->y.count * t->y.tile + j * t->x.tile) * t->scale);
}

/* Both directions: input fp32 [B, h*fi, w*fi, Cin] (fi = f to encode, 1 to decode), every tile
 * cropped (times `scale`), run through the network and blended into the fp32 output
 * [B, h*fo, w*fo, Cout] (fo = t->scale). */
static tensor tiled_run(nn_graph *g, const vae_tiling *t, const vae_config *c, const tensor *input, float scale, bool encode) {
    const int64_t B = input->shape[0], f = c->downscale, fi = encode ? f : 1, fo = t->scale;
    const int64_t h = input->shape[1] / fi, w = input->shape[2] / fi;
    const int64_t cout = encode ? 2 * c->latent_channels : c->out_channels;
    tensor out = nn_alloc_dtype(g, DTYPE_F32, 4, (const int64_t[]){B, h * fo, w * fo, cout});
    if (g->rec && g->status == PIXEEN_OK) gpu_record_fill(g->rec, out.buffer, out.offset, tensor_bytes(&out), 0);
    for (int i = 0; i < t->y.count && g->status == PIXEEN_OK; i++)
        for (int j = 0; j < t->x.count && g->status == PIXEEN_OK; j++) {
            tensor x = nn_alloc4(g, B, t->y.tile * fi, t->x.tile * fi, input->shape[3]); /* the tile's input */
            if (g->rec && g->status == PIXEEN_OK)
                op_tile_crop_record(g->rec, input, t->y.start[i] * fi, t->x.start[j] * fi, scale, &x);
            tensor y = encode ? vae_encode_forward(g, c, &x) : vae_decode_forward(g, c, &x);
            nn_release(g, &x);
            if (g->rec && g->status == PIXEEN_OK)
                op_tile_blend_record(g->rec, &y, &t->weights, weight_index_y(t, i), weight_index_x(t, j), t->y.start[i] * fo,
                                     t->x.start[j] * fo, &out);
            nn_release(g, &y);
        }
    return out;
}

tensor vae_tiling_decode(nn_graph *g, const vae_tiling *t, const vae_config *c, const tensor *latents, float scale) {
    if (t && t->tiled) return tiled_run(g, t, c, latents, scale, false);
    tensor z = nn_alloc(g, 4, latents->shape);
    if (g->rec && g->status == PIXEEN_OK) op_latent_scale_record(g->rec, latents, scale, &z);
    tensor img = vae_decode_forward(g, c, &z);
    nn_release(g, &z);
    return img;
}

tensor vae_tiling_encode(nn_graph *g, const vae_tiling *t, const vae_config *c, const tensor *pixels) {
    if (t && t->tiled) return tiled_run(g, t, c, pixels, 1.0f, true);
    tensor img = nn_alloc(g, 4, pixels->shape);
    if (g->rec && g->status == PIXEEN_OK) op_latent_scale_record(g->rec, pixels, 1.0f, &img); /* fp32 -> activations */
    tensor moments = vae_encode_forward(g, c, &img);
    nn_release(g, &img);
    return moments;
}

/* ---- the decision ---------------------------------------------------------------------------- */

typedef struct untiled_plan {
    const vae_config *c;
    tensor input; /* shape only: the planning pass reads no data */
    bool encode;
} untiled_plan;

static tensor build_untiled(nn_graph *g, void *user) {
    untiled_plan *p = user;
    return p->encode ? vae_tiling_encode(g, NULL, p->c, &p->input) : vae_tiling_decode(g, NULL, p->c, &p->input, 1.0f);
}

typedef struct tiled_plan {
    const untiled_plan *p;
    const vae_tiling *t;
} tiled_plan;

static tensor build_untiled_or_tiled(nn_graph *g, void *user) {
    tiled_plan *tp = user;
    const untiled_plan *p = tp->p;
    return p->encode ? vae_tiling_encode(g, tp->t, p->c, &p->input) : vae_tiling_decode(g, tp->t, p->c, &p->input, 1.0f);
}

static pixeen_status plan_tiles(int64_t h, int64_t wd, int tile, int overlap, vae_tiling *out) {
    if (!overlap) overlap = tile / 4;
    if (overlap >= tile) overlap = tile - 1;
    PX_TRY(vae_tile_axis_plan(h, tile, overlap, &out->y));
    return vae_tile_axis_plan(wd, tile, overlap, &out->x);
}

static pixeen_status prepare(gpu_context *ctx, const nn_weights *w, tensor_dtype act, const vae_config *c,
                             const vae_tiling_settings *settings, bool encode, int64_t N, int64_t h, int64_t wd, vae_tiling *out) {
    memset(out, 0, sizeof *out);
    const vae_tiling_settings s = settings ? *settings : (vae_tiling_settings){0};
    const int f = c->downscale;
    out->scale = encode ? 1 : f;
    if (s.mode == VAE_TILING_OFF) return PIXEEN_OK;
    const int tile_px = s.tile_px ? s.tile_px : c->sample_size;
    if (tile_px % f || tile_px / f < VAE_TILE_MIN_LATENT)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vae tiling: tile size %d px (expected a multiple of %d, at least %d)",
                         tile_px, f, VAE_TILE_MIN_LATENT * f);
    int tile = tile_px / f;
    PX_TRY(plan_tiles(h, wd, tile, s.overlap, out));
    const gpu_caps *caps = gpu_context_caps(ctx);
    const uint64_t binding = caps->max_storage_buffer_range;
    out->budget = s.budget_bytes ? s.budget_bytes : vae_tiling_default_budget(caps);
    untiled_plan up = {c, {.dtype = DTYPE_F32, .rank = 4}, encode};
    const int64_t shape[4] = {N, encode ? h * f : h, encode ? wd * f : wd, encode ? c->in_channels : c->latent_channels};
    memcpy(up.input.shape, shape, sizeof shape);
    if (s.mode == VAE_TILING_AUTO) {
        nn_plan plan;
        PX_TRY(nn_program_plan(ctx, w, act, build_untiled, &up, &plan));
        out->untiled_peak = plan.arena_bytes, out->untiled_largest = plan.largest_bytes;
        if (!vae_tiling_decide(s.mode, out->untiled_peak, out->untiled_largest, out->budget, binding)) {
            log_info("vae: %s untiled: %.1f MiB of activations (budget %.1f MiB), largest %.1f MiB", encode ? "encode" : "decode",
                     out->untiled_peak / MIB, out->budget / MIB, out->untiled_largest / MIB);
            memset(&out->y, 0, sizeof out->y);
            memset(&out->x, 0, sizeof out->x);
            return PIXEEN_OK;
        }
        /* Over the budget: the VAE's own tile (diffusers'), halved while the picture fits one tile
         * (SDXL's 1024-px tile at 1024 px) or while one tile's program is still over the budget or
         * the binding limit, unless the caller chose the tile. */
        while (tile / 2 >= VAE_TILE_MIN_LATENT && !s.tile_px) {
            bool shrink = out->y.count == 1 && out->x.count == 1;
            if (!shrink) {
                nn_plan tiled;
                out->tiled = true; /* for the planning pass of the tiled program (the table is not read) */
                pixeen_status st = nn_program_plan(ctx, w, act, build_untiled_or_tiled, &(tiled_plan){&up, out}, &tiled);
                out->tiled = false;
                PX_TRY(st);
                shrink = tiled.arena_bytes > out->budget || tiled.largest_bytes > binding;
            }
            if (!shrink) break;
            tile /= 2;
            PX_TRY(plan_tiles(h, wd, tile, s.overlap, out));
        }
    }
    if (out->y.count == 1 && out->x.count == 1) { /* the picture fits one tile */
        memset(&out->y, 0, sizeof out->y);
        memset(&out->x, 0, sizeof out->x);
        return PIXEEN_OK;
    }
    const int64_t ny = (int64_t)out->y.count * out->y.tile * out->scale, nx = (int64_t)out->x.count * out->x.tile * out->scale;
    float *table = malloc((size_t)(ny + nx) * sizeof *table);
    if (!table) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "vae tiling: out of host memory");
    pixeen_status st = vae_tile_axis_weights(&out->y, out->scale, table);
    if (st == PIXEEN_OK) st = vae_tile_axis_weights(&out->x, out->scale, table + ny);
    if (st == PIXEEN_OK) st = run_tensor_create(ctx, DTYPE_F32, 1, (const int64_t[]){ny + nx}, "vae tile weights", &out->weights);
    if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, out->weights.buffer, 0, table, (uint64_t)(ny + nx) * sizeof *table);
    free(table);
    if (st != PIXEEN_OK) {
        vae_tiling_free(out);
        return st;
    }
    out->tiled = true;
    if (s.mode == VAE_TILING_AUTO)
        log_info("vae: %s in %dx%d tiles of %dx%d latent pixels: untiled, %.1f MiB of activations (budget %.1f MiB), "
                 "largest %.1f MiB (binding limit %.1f MiB)", encode ? "encode" : "decode", out->y.count, out->x.count,
                 out->y.tile, out->x.tile, out->untiled_peak / MIB, out->budget / MIB, out->untiled_largest / MIB,
                 caps->max_storage_buffer_range / MIB);
    else
        log_info("vae: %s in %dx%d tiles of %dx%d latent pixels (--vae-tiling on)", encode ? "encode" : "decode",
                 out->y.count, out->x.count, out->y.tile, out->x.tile);
    return PIXEEN_OK;
}

pixeen_status vae_tiling_prepare_decode(gpu_context *ctx, const nn_weights *w, tensor_dtype act, const vae_config *c,
                                        const vae_tiling_settings *settings, int64_t B, int64_t h, int64_t wd,
                                        vae_tiling *out) {
    return prepare(ctx, w, act, c, settings, false, B, h, wd, out);
}

pixeen_status vae_tiling_prepare_encode(gpu_context *ctx, const nn_weights *w, tensor_dtype act, const vae_config *c,
                                        const vae_tiling_settings *settings, int64_t images, int64_t H, int64_t W,
                                        vae_tiling *out) {
    return prepare(ctx, w, act, c, settings, true, images, H / c->downscale, W / c->downscale, out);
}

void vae_tiling_free(vae_tiling *t) {
    gpu_buffer_destroy(t->weights.buffer);
    memset(t, 0, sizeof *t);
}
