/* reference_picture_ops.h — the plain-C specifications of picture_ops.h's operators:
 *   ref_picture_lanczos   op_picture_lanczos_record: one axis, the same taps and weights, summed in
 *                         fp64 (as src/image's picture_resize_lanczos), rounded half up, clamped
 *   ref_picture_unit      op_picture_unit_record: a window of RGBA8 to [-1, 1] RGB or the binary mask
 *   ref_latent_upscale    op_latent_upscale_record: torch's interpolate (bilinear, nearest), a window
 * Pictures are RGBA8 bytes (4 per pixel, as the packed little-endian uints on the GPU). */
#ifndef PIXEEN_OPS_REFERENCE_PICTURE_OPS_H
#define PIXEEN_OPS_REFERENCE_PICTURE_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ops/picture_ops.h"

/* dst (images x dst_w x dst_h, packed) from src (rows src_stride pixels apart, images src_stride *
 * src_h apart) along one axis; taps: (lo, n) per output coordinate of that axis; weights: ksize
 * per output coordinate. */
void ref_picture_lanczos(const uint8_t *src, uint32_t images, uint32_t src_w, uint32_t src_h, uint32_t src_stride,
                         uint32_t dst_w, uint32_t dst_h, bool vertical, const int32_t *taps, const float *weights,
                         uint32_t ksize, uint8_t *dst);

/* out: [images, h, w, 3] of 2 * (v / 255) - 1, or with mask [images, h, w] of 1 where PIL's luma /
 * 255 >= 0.5, from the window at (x0, y0) of src (rows stride pixels apart, images image_stride
 * pixels apart). */
void ref_picture_unit(const uint8_t *src, uint32_t images, uint32_t stride, uint32_t image_stride, uint32_t x0,
                      uint32_t y0, uint32_t w, uint32_t h, bool mask, float *out);

/* in: [B, h, w, C]; interpolated to (th, tw) as torch.nn.functional.interpolate (align_corners
 * False), then out = the window at (y0, x0): [B, out_h, out_w, C]. */
void ref_latent_upscale(const float *in, int64_t B, int64_t h, int64_t w, int64_t C, int64_t th, int64_t tw, int64_t y0,
                        int64_t x0, int64_t out_h, int64_t out_w, op_latent_upscale_mode mode, float *out);

#endif
