/* picture_ops.h — pictures on the GPU: the resize and conversions of src/image done where the
 * pixels already are (a hires fix's first image, an application's VkBuffer), so they need no host
 * round trip. Pictures are packed RGBA8 (one uint per pixel, little-endian), as image_rgba8 makes.
 *   op_picture_lanczos_record   one axis of picture_resize_lanczos (PIL's Lanczos), with the
 *                               host's taps and weights (picture_lanczos_coeffs) in buffers
 *   op_picture_unit_record      RGBA8 -> diffusers' [-1, 1] floats (picture_to_unit_range), or
 *                               the binary inpainting mask (picture_mask_binary), from a window
 *   op_latent_upscale_record    AUTOMATIC1111's "Latent" upscalers (torch's interpolate, bilinear
 *                               or nearest) and its window
 * Plain-C references: ops/reference_picture_ops.h (ref_picture_lanczos, ref_picture_unit,
 * ref_latent_upscale); tests/test_op_picture.c also checks the picture ones against src/image. */
#ifndef PIXEEN_OPS_PICTURE_OPS_H
#define PIXEEN_OPS_PICTURE_OPS_H

#include <stdbool.h>

#include "ops/ops.h"

/* A range of packed RGBA8 pixels in a buffer. */
typedef struct op_picture {
    gpu_buffer *buffer;
    uint64_t offset;             /* bytes, a multiple of 4 */
    uint32_t width, height;      /* of each picture */
    uint32_t images;             /* stacked, width * height pixels apart (unless image_stride) */
    uint32_t stride;             /* pixels from one row to the next; 0: width */
    uint32_t image_stride;       /* pixels from one picture to the next; 0: stride * height */
} op_picture;

/* dst (images x dst_w x dst_h, packed) from src along one axis; taps: int32 (lo, n) per output
 * coordinate of that axis; weights: fp32, ksize per output coordinate. src's rows may be padded
 * (stride; several images then stride * height apart); dst is packed. */
void op_picture_lanczos_record(gpu_recorder *rec, const op_picture *src, const op_picture *dst, bool vertical,
                               gpu_buffer *taps, gpu_buffer *weights, uint32_t ksize);

/* out: fp32 [images, height, width, 3] in [-1, 1], or with mask fp32 [images, height, width] of
 * 0/1, from the window of src at (x0, y0) of out's size. */
void op_picture_unit_record(gpu_recorder *rec, const op_picture *src, uint32_t x0, uint32_t y0, bool mask,
                            const tensor *out);

typedef enum op_latent_upscale_mode { OP_LATENT_NEAREST = 0, OP_LATENT_BILINEAR = 1 } op_latent_upscale_mode;

/* in: fp32 [B, h, w, C]; interpolated to (th, tw), then out = the window at (y0, x0):
 * fp32 [B, out_h, out_w, C]. */
void op_latent_upscale_record(gpu_recorder *rec, const tensor *in, int64_t th, int64_t tw, int64_t y0, int64_t x0,
                              op_latent_upscale_mode mode, const tensor *out);

#endif
