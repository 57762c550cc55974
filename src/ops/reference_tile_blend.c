/* reference_tile_blend.c — see reference_tile_blend.h. */
#include "ops/reference_tile_blend.h"

void ref_tile_blend(const float *tile, int64_t B, int64_t th, int64_t tw, int64_t C, const float *wy, const float *wx,
                    int64_t H, int64_t W, int64_t y0, int64_t x0, float *out) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t v = 0; v < th; v++)
            for (int64_t u = 0; u < tw; u++)
                for (int64_t c = 0; c < C; c++)
                    out[((b * H + y0 + v) * W + x0 + u) * C + c] +=
                        wy[v] * wx[u] * tile[((b * th + v) * tw + u) * C + c];
}
