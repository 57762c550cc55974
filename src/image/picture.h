/* picture.h — pictures people give Pixeen (img2img init images, inpainting masks): decoded from
 * PNG, JPEG, BMP or TGA bytes by stb_image into RGBA8 in locked memory (a vault secret, wiped when
 * freed; stb's own scratch blocks are wiped too, see third_party/stb_impl.c), resized with
 * Lanczos as PIL does, and turned into the float tensors diffusers' VaeImageProcessor makes.
 *
 * Limits: the size is read from the header and checked before anything is decoded: at most
 * PICTURE_MAX_SIDE pixels a side and PICTURE_MAX_PIXELS in all (a 100000 x 100000 header is
 * refused without allocating). Every failure names the picture and what was wrong.
 * Entry points: picture_decode, picture_from_rgba8, picture_free, picture_resize_lanczos,
 * picture_lanczos_coeffs, picture_to_unit_range, picture_mask_binary. */
#ifndef PIXEEN_IMAGE_PICTURE_H
#define PIXEEN_IMAGE_PICTURE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "vault/secret.h"

#define PICTURE_MAX_SIDE 8192
#define PICTURE_MAX_PIXELS (8192 * 8192)

typedef struct picture {
    int width, height;
    int channels;        /* in the file: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA */
    vault_secret *rgba;  /* width * height * 4 bytes, rows top to bottom */
} picture;

/* Decodes `size` bytes (`name` is only for messages). PIXEEN_ERROR_FORMAT for a corrupt,
 * truncated or unknown file, PIXEEN_ERROR_INVALID_ARGUMENT for a size over the limits. */
pixeen_status picture_decode(const uint8_t *bytes, size_t size, const char *name, picture *out);
/* The same with a smaller pixel limit (at most PICTURE_MAX_PIXELS applies anyway): the fuzz target
 * keeps each decode's memory small, so its runs stay under libFuzzer's RSS limit. */
pixeen_status picture_decode_bounded(const uint8_t *bytes, size_t size, const char *name, int64_t max_pixels,
                                     picture *out);
/* Copies width x height RGBA8 pixels whose rows are `stride` bytes apart. */
pixeen_status picture_from_rgba8(const uint8_t *rgba, int width, int height, size_t stride, picture *out);
void picture_free(picture *p);

/* A new picture of width x height resampled with Lanczos (a = 3, the support widened by the scale
 * when shrinking), horizontally then vertically with 8-bit rounding between the passes, as PIL's
 * Image.resize(..., LANCZOS) does (within one level of PIL's fixed-point rounding). The same size
 * gives an exact copy. */
pixeen_status picture_resize_lanczos(const picture *in, int width, int height, picture *out);

/* The taps picture_resize_lanczos uses along one axis of `in` samples resized to `out`, for a GPU
 * version of it (ops/picture_ops.h): *taps = (first source sample, count) per output sample,
 * *weights = ksize normalised weights per output sample (fp32; the host sums in fp64). Returns
 * ksize, or -1 when out of memory (or a size is not positive). The caller frees both. */
int picture_lanczos_coeffs(int in, int out, int32_t **taps, float **weights);

/* The picture as diffusers feeds the VAE: RGB (alpha dropped, as PIL's convert("RGB")),
 * x = 2 * (v / 255) - 1, NHWC [H, W, 3] floats into `out` (width * height * 3). */
void picture_to_unit_range(const picture *p, float *out);

/* The mask as diffusers' mask processor makes it: grey by PIL's convert("L") luma
 * ((19595 R + 38470 G + 7471 B + 32768) >> 16; alpha ignored, a grey picture stays itself), then
 * binarised: 1 (repaint) where v / 255 >= 0.5, else 0. out: width * height floats. */
void picture_mask_binary(const picture *p, float *out);

#endif
