/* reference_layout.c — see reference_layout.h. */
#include "ops/reference_layout.h"

#include <math.h>

void ref_upsample_nearest2x(const float *x, size_t b, size_t h, size_t w, size_t c, float *out) {
    for (size_t n = 0; n < b; n++)
        for (size_t y = 0; y < 2 * h; y++)
            for (size_t xx = 0; xx < 2 * w; xx++)
                for (size_t ch = 0; ch < c; ch++)
                    out[((n * 2 * h + y) * 2 * w + xx) * c + ch] = x[((n * h + y / 2) * w + xx / 2) * c + ch];
}

static size_t torch_nearest_index(size_t i, size_t in, size_t out) {
    if (out == in) return i;
    if (out == 2 * in) return i >> 1;
    float scale = (float)in / (float)out; /* torch computes the scale in float */
    size_t k = (size_t)floorf((float)i * scale);
    return k < in - 1 ? k : in - 1;
}

void ref_upsample_nearest(const float *x, size_t b, size_t h, size_t w, size_t c, size_t ho, size_t wo, float *out) {
    for (size_t n = 0; n < b; n++)
        for (size_t y = 0; y < ho; y++)
            for (size_t xx = 0; xx < wo; xx++) {
                size_t sy = torch_nearest_index(y, h, ho), sx = torch_nearest_index(xx, w, wo);
                for (size_t ch = 0; ch < c; ch++)
                    out[((n * ho + y) * wo + xx) * c + ch] = x[((n * h + sy) * w + sx) * c + ch];
            }
}

void ref_concat_channels(const float *a, const float *b, size_t rows, size_t c1, size_t c2, float *out) {
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < c1; j++) out[r * (c1 + c2) + j] = a[r * c1 + j];
        for (size_t j = 0; j < c2; j++) out[r * (c1 + c2) + c1 + j] = b[r * c2 + j];
    }
}

void ref_transpose(const float *x, size_t batch, size_t r, size_t s, float *out) {
    for (size_t n = 0; n < batch; n++)
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < s; j++) out[n * r * s + j * r + i] = x[n * r * s + i * s + j];
}

void ref_gather_rows(const int32_t *rows, size_t n_rows, const float *x, size_t n_x, size_t d, float *out) {
    for (size_t r = 0; r < n_rows; r++) {
        size_t s = rows[r] >= 0 && (size_t)rows[r] < n_x ? (size_t)rows[r] : 0;
        for (size_t k = 0; k < d; k++) out[r * d + k] = x[s * d + k];
    }
}
