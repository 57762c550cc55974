/* tile_crop.h — one tile of a tiled VAE pass (src/pipeline/vae_tiling.c) cut from its input:
 *   out[b, v, u, c] = scale * in[b, y0 + v, x0 + u, c]
 * in: fp32 [B, H, W, C]; out: [B, th, tw, C] in any activation dtype. Binds only the rows the tile
 * touches, one batch image per dispatch, so the whole input may be larger than
 * maxStorageBufferRange. Specification: ref_tile_crop (ops/reference_tile_crop.h). */
#ifndef PIXEEN_OPS_TILE_CROP_H
#define PIXEEN_OPS_TILE_CROP_H

#include "ops/ops.h"

void op_tile_crop_record(gpu_recorder *rec, const tensor *in, int64_t y0, int64_t x0, float scale, const tensor *out);

#endif
