/* tile_blend.h — one tile of a tiled VAE pass (src/pipeline/vae_tiling.c) added into its output,
 * feathered by a weight table:
 *   out[b, y0 + v, x0 + u, c] += wy[v] * wx[u] * tile[b, v, u, c]
 * tile: [B, th, tw, C] (fp16 or fp32); out: fp32 [B, H, W, C]. Binds only the rows the tile
 * touches, one batch image per dispatch, so the whole output may be larger than
 * maxStorageBufferRange. Specification: ref_tile_blend (ops/reference_tile_blend.h). */
#ifndef PIXEEN_OPS_TILE_BLEND_H
#define PIXEEN_OPS_TILE_BLEND_H

#include "ops/ops.h"

/* weights: fp32 1-D table; wy/wx: indices of the tile's first row / column weight in it. */
void op_tile_blend_record(gpu_recorder *rec, const tensor *tile, const tensor *weights, uint32_t wy, uint32_t wx,
                          int64_t y0, int64_t x0, const tensor *out);

#endif
