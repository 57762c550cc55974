/* reference_tile_crop.h — the plain-C specification of op_tile_crop_record (ops/tile_crop.h). */
#ifndef PIXEEN_OPS_REFERENCE_TILE_CROP_H
#define PIXEEN_OPS_REFERENCE_TILE_CROP_H

#include <stdint.h>

/* out [B, th, tw, C] = scale * in [B, H, W, C] from row y0, column x0. */
void ref_tile_crop(const float *in, int64_t B, int64_t H, int64_t W, int64_t C, int64_t y0, int64_t x0, int64_t th,
                   int64_t tw, float scale, float *out);

#endif
