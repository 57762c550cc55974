/* reference_tile_crop.c — see reference_tile_crop.h. */
#include "ops/reference_tile_crop.h"

void ref_tile_crop(const float *in, int64_t B, int64_t H, int64_t W, int64_t C, int64_t y0, int64_t x0, int64_t th,
                   int64_t tw, float scale, float *out) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t v = 0; v < th; v++)
            for (int64_t u = 0; u < tw; u++)
                for (int64_t c = 0; c < C; c++)
                    out[((b * th + v) * tw + u) * C + c] = scale * in[((b * H + y0 + v) * W + x0 + u) * C + c];
}
