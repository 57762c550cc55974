/* tile_ops.h — the two operators of tiled VAE passes (src/pipeline/vae_tiling.c):
 *   op_tile_crop_record   out[b, v, u, c] = scale * in[b, y0 + v, x0 + u, c]
 *                         in: fp32 [B, H, W, C]; out: [B, th, tw, C] in any activation dtype
 *   op_tile_blend_record  out[b, y0 + v, x0 + u, c] += wy[v] * wx[u] * tile[b, v, u, c]
 *                         tile: [B, th, tw, C] (fp16 or fp32); out: fp32 [B, H, W, C]; wy, wx:
 *                         th and tw entries of an fp32 weight table starting at indices wy, wx
 * Both bind only the rows one tile touches, one batch image per dispatch, so the
 * whole input or output may be larger than maxStorageBufferRange. The plain-C references below
 * are the tests' spec. */
#ifndef PIXEEN_OPS_TILE_OPS_H
#define PIXEEN_OPS_TILE_OPS_H

#include "ops/ops.h"

void op_tile_crop_record(gpu_recorder *rec, const tensor *in, int64_t y0, int64_t x0, float scale, const tensor *out);
void op_tile_crop_reference(const float *in, int64_t B, int64_t H, int64_t W, int64_t C, int64_t y0, int64_t x0,
                            int64_t th, int64_t tw, float scale, float *out);

/* weights: fp32 1-D table; wy/wx: indices of the tile's first row / column weight in it. */
void op_tile_blend_record(gpu_recorder *rec, const tensor *tile, const tensor *weights, uint32_t wy, uint32_t wx,
                          int64_t y0, int64_t x0, const tensor *out);
void op_tile_blend_reference(const float *tile, int64_t B, int64_t th, int64_t tw, int64_t C, const float *wy,
                             const float *wx, int64_t H, int64_t W, int64_t y0, int64_t x0, float *out);

#endif
