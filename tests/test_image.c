/* test_image.c — the picture reader and conversions (src/image), no GPU:
 *   - the fixtures' PNGs (RGB and grey), a BMP and a TGA decode to the expected pixels;
 *   - every truncation of each file and single-byte corruptions fail with PIXEEN_ERROR_FORMAT (or
 *     decode) and never crash; empty input is refused;
 *   - a PNG, a BMP and a TGA header claiming 100000 x 100000 pixels are refused from the header,
 *     before anything is allocated for the pixels (the message names the limit);
 *   - RGBA8 with a stride; Lanczos resize: same size is an exact copy, a constant picture stays
 *     constant at any size, a shrink keeps a gradient's mean; [-1, 1] floats; masks: grey stays,
 *     RGB by PIL's luma, alpha ignored, binarised at 50%. */
#include <stdbool.h>

#include "image/picture.h"
#include "test.h"

static uint8_t *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc(n > 0 ? (size_t)n : 1);
    *size = d ? fread(d, 1, (size_t)n, f) : 0;
    fclose(f);
    return d;
}

static void check_file(const char *rel, int w, int h, int channels) {
    size_t n = 0;
    uint8_t *bytes = read_all(test_data_path(rel), &n);
    CHECK(bytes != NULL);
    if (!bytes) return;
    picture p = {0};
    CHECK_OK(picture_decode(bytes, n, rel, &p));
    CHECK(p.width == w && p.height == h && p.channels == channels);
    picture_free(&p);
    /* every truncation: an error (or, for formats without an end marker, a decode), never a crash */
    int refused = 0;
    for (size_t len = 0; len < n; len++) {
        pixeen_status st = picture_decode(bytes, len, rel, &p);
        if (st == PIXEEN_OK) picture_free(&p);
        else {
            refused++;
            CHECK(st == PIXEEN_ERROR_FORMAT || st == PIXEEN_ERROR_INVALID_ARGUMENT);
        }
    }
    CHECK(refused > 0);
    /* single-byte corruptions at every position */
    uint8_t *c = malloc(n);
    for (size_t i = 0; i < n; i++) {
        memcpy(c, bytes, n);
        c[i] ^= 0xA5;
        if (picture_decode(c, n, rel, &p) == PIXEEN_OK) picture_free(&p);
    }
    printf("%s: %dx%d, %d channels; %d of %zu truncations refused, %zu corruptions survived\n", rel, w, h, channels, refused, n, n);
    free(c);
    free(bytes);
}

static void put32be(uint8_t *p, uint32_t v) { p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = (uint8_t)v; }

static void check_huge_headers(void) {
    picture p = {0};
    /* PNG: signature + IHDR 100000 x 100000 RGB (+ CRC bytes; the size is refused first) */
    uint8_t png[64] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    put32be(png + 8, 13);
    memcpy(png + 12, "IHDR", 4);
    put32be(png + 16, 100000);
    put32be(png + 20, 100000);
    png[24] = 8, png[25] = 2;
    pixeen_status st = picture_decode(png, sizeof png, "huge.png", &p);
    printf("huge PNG: %s\n", error_message());
    CHECK(st == PIXEEN_ERROR_INVALID_ARGUMENT && p.rgba == NULL && strstr(error_message(), "over the 8192x8192 limit"));
    /* BMP */
    uint8_t bmp[64] = {'B', 'M'};
    uint32_t v;
    v = 54, memcpy(bmp + 10, &v, 4);
    v = 40, memcpy(bmp + 14, &v, 4);
    int32_t big = 100000;
    memcpy(bmp + 18, &big, 4), memcpy(bmp + 22, &big, 4);
    uint16_t planes = 1, bpp = 24;
    memcpy(bmp + 26, &planes, 2), memcpy(bmp + 28, &bpp, 2);
    st = picture_decode(bmp, sizeof bmp, "huge.bmp", &p);
    printf("huge BMP: %s\n", error_message());
    CHECK(st == PIXEEN_ERROR_INVALID_ARGUMENT && p.rgba == NULL && strstr(error_message(), "over the 8192x8192 limit"));
    /* TGA: 65535 x 65535 (its largest) */
    uint8_t tga[64] = {0, 0, 2};
    tga[12] = tga[13] = tga[14] = tga[15] = 0xFF;
    tga[16] = 24;
    st = picture_decode(tga, sizeof tga, "huge.tga", &p);
    printf("huge TGA: %s\n", error_message());
    CHECK(st == PIXEEN_ERROR_INVALID_ARGUMENT && p.rgba == NULL && strstr(error_message(), "over the 8192x8192 limit"));
    /* PNG whose IDAT claims 1.8 GB in a file of a few dozen bytes (found by fuzz_image: stb sized
     * its buffer by the claim and the wiping allocator touched all of it): refused by its framing */
    uint8_t liar[57] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    put32be(liar + 8, 13);
    memcpy(liar + 12, "IHDR", 4);
    put32be(liar + 16, 64);
    put32be(liar + 20, 64);
    liar[24] = 8;
    put32be(liar + 33, 0x71000037u);
    memcpy(liar + 37, "IDAT", 4);
    st = picture_decode(liar, sizeof liar, "liar.png", &p);
    printf("lying PNG chunk: %s\n", error_message());
    CHECK(st == PIXEEN_ERROR_FORMAT && p.rgba == NULL && strstr(error_message(), "chunk 'IDAT' at byte 33 claims"));
    CHECK_STATUS(picture_decode(png, 0, "empty.png", &p), PIXEEN_ERROR_FORMAT);
    CHECK_STATUS(picture_decode(NULL, 10, "null", &p), PIXEEN_ERROR_FORMAT);
}

static void check_conversions(void) {
    /* RGBA8 with a stride of 3 pixels for a 2-pixel-wide picture */
    uint8_t px[2 * 12];
    for (int i = 0; i < 24; i++) px[i] = (uint8_t)(i * 10);
    picture p = {0}, r = {0};
    CHECK_OK(picture_from_rgba8(px, 2, 2, 12, &p));
    CHECK(p.rgba && p.rgba->data[8] == 120 && p.rgba->data[0] == 0); /* row 1 starts at byte 12 */
    CHECK_STATUS(picture_from_rgba8(px, 2, 2, 4, &r), PIXEEN_ERROR_INVALID_ARGUMENT);
    /* masks: luma as PIL (19595 R + 38470 G + 7471 B + 32768) >> 16, alpha ignored */
    p.rgba->data[0] = 255, p.rgba->data[1] = 0, p.rgba->data[2] = 0, p.rgba->data[3] = 0;       /* red: 76 -> 0 */
    p.rgba->data[4] = 0, p.rgba->data[5] = 255, p.rgba->data[6] = 0, p.rgba->data[7] = 0;       /* green: 150 -> 1 */
    p.rgba->data[8] = 128, p.rgba->data[9] = 128, p.rgba->data[10] = 128, p.rgba->data[11] = 0; /* 128 -> 1 */
    p.rgba->data[12] = 127, p.rgba->data[13] = 127, p.rgba->data[14] = 127, p.rgba->data[15] = 255; /* 127 -> 0 */
    float m[4], f[12];
    picture_mask_binary(&p, m);
    CHECK(m[0] == 0.0f && m[1] == 1.0f && m[2] == 1.0f && m[3] == 0.0f);
    picture_to_unit_range(&p, f);
    CHECK(f[0] == 1.0f && f[1] == -1.0f && fabsf(f[6] - (2.0f * 128 / 255 - 1)) < 1e-7f);
    picture_free(&p);
    /* Lanczos: same size is a copy; a constant stays constant; a shrink keeps the mean */
    enum { W = 37, H = 23 };
    uint8_t img[W * H * 4];
    for (int i = 0; i < W * H; i++) img[i * 4] = 200, img[i * 4 + 1] = (uint8_t)(i % W * 6), img[i * 4 + 2] = 9, img[i * 4 + 3] = 255;
    CHECK_OK(picture_from_rgba8(img, W, H, 0 + W * 4, &p));
    CHECK_OK(picture_resize_lanczos(&p, W, H, &r));
    CHECK(r.rgba && !memcmp(r.rgba->data, img, sizeof img));
    picture_free(&r);
    CHECK_OK(picture_resize_lanczos(&p, 80, 11, &r));
    double mean_in = 0, mean_out = 0;
    bool constant = true;
    for (int i = 0; i < W * H; i++) mean_in += img[i * 4 + 1];
    for (int i = 0; r.rgba && i < 80 * 11; i++) {
        constant &= r.rgba->data[i * 4] == 200 && r.rgba->data[i * 4 + 2] == 9 && r.rgba->data[i * 4 + 3] == 255;
        mean_out += r.rgba->data[i * 4 + 1];
    }
    mean_in /= W * H, mean_out /= 80 * 11;
    printf("lanczos 37x23 -> 80x11: constant channels %s, gradient mean %.2f -> %.2f\n", constant ? "kept" : "CHANGED", mean_in, mean_out);
    CHECK(constant);
    CHECK(fabs(mean_in - mean_out) < 2.0);
    picture_free(&r);
    picture_free(&p);
}

int main(void) {
    check_file("sd15-tiny/edit/input.png", 64, 64, 3);
    check_file("sd15-tiny/edit/mask.png", 64, 64, 1);
    check_file("corpus/image/small.bmp", 5, 3, 3);
    check_file("corpus/image/small.tga", 4, 2, 4);
    check_huge_headers();
    check_conversions();
    return test_finish();
}
