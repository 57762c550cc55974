/* image_rgba8.h — the VAE decoder's output [B, H, W, 3] in [-1, 1] to packed
 * RGBA8 pixels (shaders/image_rgba8.comp). */
#ifndef PIXEEN_OPS_IMAGE_RGBA8_H
#define PIXEEN_OPS_IMAGE_RGBA8_H

#include "ops/ops.h"

/* out: a buffer range of B*H*W uint32 at out_offset. */
void op_image_rgba8_record(gpu_recorder *rec, const tensor *image, gpu_buffer *out, uint64_t out_offset);

#endif
