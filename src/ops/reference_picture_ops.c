/* reference_picture_ops.c — see reference_picture_ops.h. */
#include <math.h>

#include "ops/reference_picture_ops.h"

static uint8_t round_clamp8(double v) {
    double r = floor(v + 0.5); /* half up, as the shader */
    return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

void ref_picture_lanczos(const uint8_t *src, uint32_t images, uint32_t src_w, uint32_t src_h, uint32_t src_stride,
                         uint32_t dst_w, uint32_t dst_h, bool vertical, const int32_t *taps, const float *weights,
                         uint32_t ksize, uint8_t *dst) {
    (void)src_w;
    for (uint32_t img = 0; img < images; img++)
        for (uint32_t y = 0; y < dst_h; y++)
            for (uint32_t x = 0; x < dst_w; x++) {
                uint32_t o = vertical ? y : x;
                int32_t lo = taps[2 * o], n = taps[2 * o + 1];
                const uint8_t *image = src + (size_t)img * src_stride * src_h * 4;
                uint8_t *d = dst + (((size_t)img * dst_h + y) * dst_w + x) * 4;
                for (int c = 0; c < 4; c++) {
                    double acc = 0;
                    for (int32_t k = 0; k < n; k++) {
                        size_t s = vertical ? (size_t)(lo + k) * src_stride + x : (size_t)y * src_stride + (size_t)(lo + k);
                        acc += (double)weights[(size_t)o * ksize + (size_t)k] * image[s * 4 + (size_t)c];
                    }
                    d[c] = round_clamp8(acc);
                }
            }
}

void ref_picture_unit(const uint8_t *src, uint32_t images, uint32_t stride, uint32_t image_stride, uint32_t x0,
                      uint32_t y0, uint32_t w, uint32_t h, bool mask, float *out) {
    for (uint32_t img = 0; img < images; img++)
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++) {
                const uint8_t *p = src + ((size_t)img * image_stride + (size_t)(y + y0) * stride + x + x0) * 4;
                size_t i = ((size_t)img * h + y) * w + x;
                if (mask) {
                    uint32_t l = (19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 0x8000u) >> 16;
                    out[i] = (float)l / 255.0f >= 0.5f ? 1.0f : 0.0f;
                } else {
                    for (int c = 0; c < 3; c++) out[i * 3 + (size_t)c] = 2.0f * ((float)p[c] / 255.0f) - 1.0f;
                }
            }
}

static int64_t nearest_index(int64_t dst, int64_t in, int64_t out, float scale) {
    if (out == in) return dst;
    if (out == 2 * in) return dst >> 1;
    int64_t s = (int64_t)floorf((float)dst * scale);
    return s < in - 1 ? s : in - 1;
}

void ref_latent_upscale(const float *in, int64_t B, int64_t h, int64_t w, int64_t C, int64_t th, int64_t tw, int64_t y0,
                        int64_t x0, int64_t out_h, int64_t out_w, op_latent_upscale_mode mode, float *out) {
    float sh = (float)h / (float)th, sw = (float)w / (float)tw;
    for (int64_t b = 0; b < B; b++)
        for (int64_t oy = 0; oy < out_h; oy++)
            for (int64_t ox = 0; ox < out_w; ox++)
                for (int64_t c = 0; c < C; c++) {
                    const float *plane = in + b * h * w * C;
                    int64_t y = oy + y0, x = ox + x0;
                    float *o = out + ((b * out_h + oy) * out_w + ox) * C + c;
                    if (mode == OP_LATENT_NEAREST) {
                        *o = plane[(nearest_index(y, h, th, sh) * w + nearest_index(x, w, tw, sw)) * C + c];
                        continue;
                    }
                    float fy = sh * ((float)y + 0.5f) - 0.5f, fx = sw * ((float)x + 0.5f) - 0.5f;
                    fy = fy < 0 ? 0 : fy;
                    fx = fx < 0 ? 0 : fx;
                    int64_t y0i = (int64_t)fy, x0i = (int64_t)fx;
                    int64_t y1i = y0i < h - 1 ? y0i + 1 : y0i, x1i = x0i < w - 1 ? x0i + 1 : x0i;
                    float l1h = fy - (float)y0i, l1w = fx - (float)x0i, l0h = 1.0f - l1h, l0w = 1.0f - l1w;
                    *o = l0h * (l0w * plane[(y0i * w + x0i) * C + c] + l1w * plane[(y0i * w + x1i) * C + c]) +
                         l1h * (l0w * plane[(y1i * w + x0i) * C + c] + l1w * plane[(y1i * w + x1i) * C + c]);
                }
}
