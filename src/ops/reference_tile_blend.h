/* reference_tile_blend.h — the plain-C specification of op_tile_blend_record (ops/tile_blend.h). */
#ifndef PIXEEN_OPS_REFERENCE_TILE_BLEND_H
#define PIXEEN_OPS_REFERENCE_TILE_BLEND_H

#include <stdint.h>

/* out [B, H, W, C] at row y0, column x0 += wy[v] * wx[u] * tile [B, th, tw, C]; wy, wx: th and tw
 * weights. */
void ref_tile_blend(const float *tile, int64_t B, int64_t th, int64_t tw, int64_t C, const float *wy, const float *wx,
                    int64_t H, int64_t W, int64_t y0, int64_t x0, float *out);

#endif
