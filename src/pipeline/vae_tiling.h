/* vae_tiling.h — tiled VAE decoding and encoding: the picture cut into overlapping tiles of one
 * size, each run through the ordinary VAE graph, the results blended into the whole output by
 * feathering weights — all on the GPU, every tile recorded into the one program (the tiles share
 * one shape, so the arena planned by liveness reuses the same memory for each; the peak is one
 * tile's activations plus the fp32 output).
 *
 * The approach of diffusers' AutoencoderKL.enable_tiling (v0.25.1 tiled_decode / tiled_encode):
 * tiles of the VAE config's sample_size (SD 1.5: 512 px, 64 latent), overlapping by a quarter
 * of a tile, blended linearly across the overlap, the encoder's moments (mean, log-variance)
 * blended before the one latent sample is drawn for the whole picture (so the generator's draw
 * order is unchanged). Where this differs, and why:
 *   - every tile has the full tile size: the tiles are spread evenly with the last one flush with
 *     the edge (diffusers steps by 3/4 of a tile and cuts the last tiles short, down to slivers
 *     whose GroupNorm statistics come from a few pixels); one tile shape is one planned arena;
 *   - the blend is a weighted sum: each tile's weight ramps linearly across each overlap with a
 *     neighbour, normalized per row and column so the weights sum to 1 at every pixel (diffusers
 *     blends top then left in place, an order-dependent result of the same kind); the weights
 *     are separable, so one fp32 table per axis (vae_tile_axis_weights) is all the shader reads.
 * Tiling is not exact: GroupNorm statistics and the mid-block attention see one tile, not the
 * picture. Measured on the fixtures' VAE: see tests/test_vae_tiling.c.
 *
 * Selection (vae_tiling_prepare_*): off; on (tiles whenever the picture is larger than one tile);
 * auto (the default): tiles when the untiled program's planned activation arena would exceed the
 * budget (default: 1 GiB, or half the device's largest device-local heap if less) or one of its
 * activations would exceed maxStorageBufferRange — both from a planning pass, nothing allocated;
 * the tile is then the VAE's own, halved while the picture fits one tile (SDXL's 1024-px tile at
 * 1024 px) or one tile's program still exceeds the budget or the binding limit (unless a tile
 * size was given). TAESD is never tiled (it is small).
 * Entry points: vae_tiling_prepare_decode / _encode, vae_tiling_decode / _encode (inside a
 * builder), vae_tiling_free; the pure parts (vae_tile_axis_plan, vae_tile_axis_weights,
 * vae_tiling_decide, vae_tiling_default_budget) for tests. */
#ifndef PIXEEN_PIPELINE_VAE_TILING_H
#define PIXEEN_PIPELINE_VAE_TILING_H

#include <stdbool.h>

#include "models/nn.h"

typedef enum vae_tiling_mode { VAE_TILING_AUTO = 0, VAE_TILING_ON = 1, VAE_TILING_OFF = 2 } vae_tiling_mode;

typedef struct vae_tiling_settings {
    vae_tiling_mode mode;
    int tile_px;           /* tile side, image pixels; 0: the VAE config's sample_size (diffusers) */
    uint64_t budget_bytes; /* auto's activation budget; 0: vae_tiling_default_budget */
    int overlap;           /* least overlap of neighbouring tiles, latent pixels; 0: a quarter tile */
} vae_tiling_settings;

#define VAE_TILE_MAX 512      /* tiles along one axis */
#ifndef VAE_TILE_BAND
#define VAE_TILE_BAND 0.5     /* the blend band's share of an overlap (its middle) */
#endif
#define VAE_TILE_MIN_LATENT 8 /* the smallest tile side in latent pixels (overlap = a quarter) */

typedef struct vae_tile_axis {
    int count;               /* tiles along the axis */
    int tile;                /* each tile's length, latent pixels */
    int start[VAE_TILE_MAX]; /* latent pixels */
} vae_tile_axis;

typedef struct vae_tiling {
    bool tiled;
    int scale;               /* output pixels per latent pixel of the blended output: f (decode), 1 (encode) */
    vae_tile_axis y, x;
    tensor weights;          /* fp32 [y.count * y.tile * scale + x.count * x.tile * scale]: the table */
    uint64_t untiled_peak;   /* planned arena of the untiled program (bytes) */
    uint64_t untiled_largest;/* its largest activation */
    uint64_t budget;         /* the budget auto compared with */
} vae_tiling;

/* Tiles of `tile` latent pixels overlapping by at least `overlap` over `length`: one tile of
 * `length` if it fits, else n = ceil((length - overlap) / (tile - overlap)) tiles spread evenly,
 * the first at 0 and the last flush with the end. Fails if more than VAE_TILE_MAX are needed. */
pixeen_status vae_tile_axis_plan(int64_t length, int tile, int overlap, vae_tile_axis *out);
/* The normalized weights along one axis at `scale` output pixels per latent pixel: out[k * L + p]
 * (L = tile * scale) is tile k's weight at its pixel p. Ramps (p + 0.5) / R up across the overlap
 * with the previous tile and down across the overlap with the next (R: that overlap's length),
 * then divided by the sum over tiles covering the same pixel. */
pixeen_status vae_tile_axis_weights(const vae_tile_axis *axis, int scale, float *out);
/* The default activation budget: 1 GiB, or half the largest device-local heap if less. */
uint64_t vae_tiling_default_budget(const gpu_caps *caps);
/* The decision: off -> false; on -> true; auto -> untiled_peak > budget or untiled_largest >
 * max_binding. (The caller still keeps a picture that fits one tile untiled.) */
bool vae_tiling_decide(vae_tiling_mode mode, uint64_t untiled_peak, uint64_t untiled_largest, uint64_t budget,
                       uint64_t max_binding);

/* Decides (a planning pass of the untiled decoder on [B, h, w, C] latents) and, when tiling,
 * plans the tiles and uploads the weight table. `settings` may be NULL (auto). */
pixeen_status vae_tiling_prepare_decode(gpu_context *ctx, const nn_weights *w, tensor_dtype act, const vae_config *c,
                                        const vae_tiling_settings *settings, int64_t B, int64_t h, int64_t wd,
                                        vae_tiling *out);
/* The same for the encoder on `images` pictures of H x W. */
pixeen_status vae_tiling_prepare_encode(gpu_context *ctx, const nn_weights *w, tensor_dtype act, const vae_config *c,
                                        const vae_tiling_settings *settings, int64_t images, int64_t H, int64_t W,
                                        vae_tiling *out);
void vae_tiling_free(vae_tiling *t);

/* Inside a builder. latents: fp32 [B, h, w, C] (not yet divided by the scaling factor: `scale` is
 * applied on the way in). Returns the image [B, h*f, w*f, 3]: the activation dtype untiled, fp32
 * tiled. */
tensor vae_tiling_decode(nn_graph *g, const vae_tiling *t, const vae_config *c, const tensor *latents, float scale);
/* pixels: fp32 [N, H, W, 3] in [-1, 1]. Returns the moments [N, h, w, 2C] (mean, log-variance):
 * the activation dtype untiled, fp32 tiled. */
tensor vae_tiling_encode(nn_graph *g, const vae_tiling *t, const vae_config *c, const tensor *pixels);

#endif
