/* picture.c — see picture.h. stb_image is compiled once in third_party/stb_impl.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>

#include "image/picture.h"

static pixeen_status picture_alloc(int width, int height, picture *out) {
    memset(out, 0, sizeof *out);
    size_t bytes = (size_t)width * (size_t)height * 4;
    PX_TRY(vault_secret_create(bytes, &out->rgba));
    out->rgba->len = bytes;
    out->width = width;
    out->height = height;
    out->channels = 4;
    return PIXEEN_OK;
}

static pixeen_status check_size(int width, int height, const char *name) {
    if (width <= 0 || height <= 0)
        return error_set(PIXEEN_ERROR_FORMAT, "image: %s: size %dx%d in the header is empty", name, width, height);
    if (width > PICTURE_MAX_SIDE || height > PICTURE_MAX_SIDE || (int64_t)width * height > PICTURE_MAX_PIXELS)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: %s: %dx%d pixels is over the %dx%d limit", name, width,
                         height, PICTURE_MAX_SIDE, PICTURE_MAX_SIDE);
    return PIXEEN_OK;
}

pixeen_status picture_decode(const uint8_t *bytes, size_t size, const char *name, picture *out) {
    return picture_decode_bounded(bytes, size, name, PICTURE_MAX_PIXELS, out);
}

static uint32_t read_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* stb_image sizes its buffer for a PNG's compressed data by each IDAT chunk's declared length
 * before it reads the chunk, and the wiping allocator (third_party/stb_impl.c) then clears the
 * whole buffer when it is freed: a 113-byte file whose chunk claimed 1.8 GB cost 1.8 GB of memory
 * and 5 s. So a chunk whose data runs past the end of the file is refused here first (its CRC
 * may be missing: stb does not need it). Only the chunk framing is read, up to IEND. */
static pixeen_status png_check_chunks(const uint8_t *bytes, size_t size, const char *name) {
    for (size_t at = 8; at + 8 <= size;) {
        uint32_t length = read_be32(bytes + at);
        size_t left = size - at - 8;
        if (length > left) {
            char type[5];
            for (int i = 0; i < 4; i++) {
                uint8_t c = bytes[at + 4 + i];
                type[i] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? (char)c : '?';
            }
            type[4] = '\0';
            return error_set(PIXEEN_ERROR_FORMAT,
                             "image: %s: the PNG chunk '%s' at byte %zu claims %u bytes, but %zu are left: corrupt or "
                             "truncated",
                             name, type, at, length, left);
        }
        if (!memcmp(bytes + at + 4, "IEND", 4)) break;
        at += 8 + (size_t)length + 4;
    }
    return PIXEEN_OK;
}

pixeen_status picture_decode_bounded(const uint8_t *bytes, size_t size, const char *name, int64_t max_pixels,
                                     picture *out) {
    memset(out, 0, sizeof *out);
    if (!name) name = "picture";
    if (!bytes || size == 0) return error_set(PIXEEN_ERROR_FORMAT, "image: %s: the file is empty", name);
    if (size > (size_t)INT32_MAX) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: %s: the file is over 2 GiB", name);
    int w = 0, h = 0, ch = 0;
    /* A PNG's size sits at a fixed place (IHDR, bytes 16..23): checked here so that a huge one is
     * named as such (stb would only say it does not recognise the file). */
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (size >= 24 && !memcmp(bytes, png_sig, 8) && !memcmp(bytes + 12, "IHDR", 4)) {
        uint32_t pw = read_be32(bytes + 16), ph = read_be32(bytes + 20);
        if (pw > PICTURE_MAX_SIDE || ph > PICTURE_MAX_SIDE)
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: %s: %ux%u pixels is over the %dx%d limit", name, pw, ph,
                             PICTURE_MAX_SIDE, PICTURE_MAX_SIDE);
        PX_TRY(png_check_chunks(bytes, size, name));
    }
    /* The header alone: refuses absurd sizes before stb allocates anything for the pixels. */
    if (!stbi_info_from_memory(bytes, (int)size, &w, &h, &ch))
        return error_set(PIXEEN_ERROR_FORMAT, "image: %s: not a PNG, JPEG, BMP or TGA picture, or its header is corrupt (%s)",
                         name, stbi_failure_reason() ? stbi_failure_reason() : "unknown");
    PX_TRY(check_size(w, h, name));
    if ((int64_t)w * h > max_pixels)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: %s: %dx%d pixels is over this caller's %lld-pixel limit",
                         name, w, h, (long long)max_pixels);
    int dw = 0, dh = 0, dch = 0;
    uint8_t *pixels = stbi_load_from_memory(bytes, (int)size, &dw, &dh, &dch, 4);
    if (!pixels)
        return error_set(PIXEEN_ERROR_FORMAT, "image: %s: cannot decode the %dx%d picture (%s): corrupt or truncated", name,
                         w, h, stbi_failure_reason() ? stbi_failure_reason() : "unknown");
    pixeen_status st = dw == w && dh == h ? PIXEEN_OK
                       : error_set(PIXEEN_ERROR_FORMAT, "image: %s: the header says %dx%d, the data %dx%d", name, w, h, dw, dh);
    if (st == PIXEEN_OK) st = picture_alloc(w, h, out);
    if (st == PIXEEN_OK) {
        memcpy(out->rgba->data, pixels, (size_t)w * h * 4);
        out->channels = dch;
    }
    stbi_image_free(pixels); /* wiped by the allocator */
    return st;
}

pixeen_status picture_from_rgba8(const uint8_t *rgba, int width, int height, size_t stride, picture *out) {
    memset(out, 0, sizeof *out);
    PX_TRY(check_size(width, height, "RGBA8 pixels"));
    if (!rgba || stride < (size_t)width * 4)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: RGBA8 pixels: NULL or stride %zu below width * 4 = %d",
                         stride, width * 4);
    PX_TRY(picture_alloc(width, height, out));
    for (int y = 0; y < height; y++) memcpy(out->rgba->data + (size_t)y * width * 4, rgba + (size_t)y * stride, (size_t)width * 4);
    return PIXEEN_OK;
}

void picture_free(picture *p) {
    if (!p) return;
    vault_secret_destroy(p->rgba);
    memset(p, 0, sizeof *p);
}

/* ---- Lanczos resampling ---- */

static double sinc(double x) {
    if (x == 0.0) return 1.0;
    x *= M_PI;
    return sin(x) / x;
}

static double lanczos3(double x) { return x > -3.0 && x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0; }

/* Weights of one output sample per PIL's precompute_coeffs: the source window [lo, lo + n) and
 * n normalised weights. `in` source samples map onto `out` destination samples. */
typedef struct taps {
    int lo, n;
} taps;

static int coeffs(int in, int out, taps **t_out, double **w_out) {
    double scale = (double)in / out, filterscale = scale < 1.0 ? 1.0 : scale;
    double support = 3.0 * filterscale;
    int ksize = (int)ceil(support) * 2 + 1;
    taps *t = calloc((size_t)out, sizeof *t);
    double *w = calloc((size_t)out * (size_t)ksize, sizeof *w);
    if (!t || !w) {
        free(t), free(w);
        return -1;
    }
    for (int xx = 0; xx < out; xx++) {
        double center = (xx + 0.5) * scale, ss = 1.0 / filterscale, total = 0.0;
        int xmin = (int)(center - support + 0.5), xmax = (int)(center + support + 0.5);
        if (xmin < 0) xmin = 0;
        if (xmax > in) xmax = in;
        xmax -= xmin;
        double *k = w + (size_t)xx * ksize;
        for (int x = 0; x < xmax; x++) {
            double v = lanczos3((x + xmin - center + 0.5) * ss);
            k[x] = v;
            total += v;
        }
        for (int x = 0; x < xmax; x++)
            if (total != 0.0) k[x] /= total;
        t[xx] = (taps){xmin, xmax};
    }
    *t_out = t;
    *w_out = w;
    return ksize;
}

int picture_lanczos_coeffs(int in, int out, int32_t **taps_out, float **weights_out) {
    *taps_out = NULL;
    *weights_out = NULL;
    taps *t = NULL;
    double *w = NULL;
    int k = in > 0 && out > 0 ? coeffs(in, out, &t, &w) : -1;
    if (k <= 0) return -1;
    int32_t *tt = malloc((size_t)out * 2 * sizeof *tt);
    float *ww = malloc((size_t)out * (size_t)k * sizeof *ww);
    if (tt && ww) {
        for (int o = 0; o < out; o++) {
            tt[2 * o] = t[o].lo;
            tt[2 * o + 1] = t[o].n;
        }
        for (size_t i = 0; i < (size_t)out * (size_t)k; i++) ww[i] = (float)w[i];
    }
    free(t), free(w);
    if (!tt || !ww) {
        free(tt), free(ww);
        return -1;
    }
    *taps_out = tt;
    *weights_out = ww;
    return k;
}

static uint8_t clip8(double v) {
    long r = lround(v);
    return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

pixeen_status picture_resize_lanczos(const picture *in, int width, int height, picture *out) {
    PX_TRY(check_size(width, height, "resize target"));
    PX_TRY(picture_alloc(width, height, out));
    out->channels = in->channels;
    if (width == in->width && height == in->height) {
        memcpy(out->rgba->data, in->rgba->data, (size_t)width * height * 4);
        return PIXEEN_OK;
    }
    picture mid = {0};
    taps *th = NULL, *tv = NULL;
    double *wh = NULL, *wv = NULL;
    int kh = coeffs(in->width, width, &th, &wh), kv = coeffs(in->height, height, &tv, &wv);
    pixeen_status st = kh > 0 && kv > 0 ? picture_alloc(width, in->height, &mid)
                                         : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "image: out of host memory");
    if (st == PIXEEN_OK) {
        const uint8_t *src = in->rgba->data;
        uint8_t *m = mid.rgba->data, *dst = out->rgba->data;
        for (int y = 0; y < in->height; y++) /* horizontal pass, rounded to 8 bits as PIL */
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 4; c++) {
                    double acc = 0;
                    const double *k = wh + (size_t)x * kh;
                    for (int i = 0; i < th[x].n; i++) acc += k[i] * src[((size_t)y * in->width + th[x].lo + i) * 4 + c];
                    m[((size_t)y * width + x) * 4 + c] = clip8(acc);
                }
        for (int y = 0; y < height; y++) /* vertical pass */
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 4; c++) {
                    double acc = 0;
                    const double *k = wv + (size_t)y * kv;
                    for (int i = 0; i < tv[y].n; i++) acc += k[i] * m[((size_t)(tv[y].lo + i) * width + x) * 4 + c];
                    dst[((size_t)y * width + x) * 4 + c] = clip8(acc);
                }
    } else {
        picture_free(out);
    }
    picture_free(&mid);
    free(th), free(tv), free(wh), free(wv);
    return st;
}

void picture_to_unit_range(const picture *p, float *out) {
    size_t n = (size_t)p->width * p->height;
    const uint8_t *s = p->rgba->data;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++) out[i * 3 + c] = 2.0f * ((float)s[i * 4 + c] / 255.0f) - 1.0f;
}

void picture_mask_binary(const picture *p, float *out) {
    size_t n = (size_t)p->width * p->height;
    const uint8_t *s = p->rgba->data;
    for (size_t i = 0; i < n; i++) {
        uint32_t l = (19595u * s[i * 4] + 38470u * s[i * 4 + 1] + 7471u * s[i * 4 + 2] + 0x8000u) >> 16;
        out[i] = (float)l / 255.0f >= 0.5f ? 1.0f : 0.0f;
    }
}
