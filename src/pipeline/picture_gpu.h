/* picture_gpu.h — a packed RGBA8 picture already on the GPU (a hires fix's first image, an
 * application's VkBuffer) resized and converted there, as src/image does it on the host for
 * pictures read from files: Lanczos to the generation's size (picture_resize_lanczos's taps and
 * weights; PIL's filter, 8-bit rounding between the passes), then diffusers' [-1, 1] floats or the
 * binary mask. The pixels never come back to the host.
 * Entry point: picture_gpu_convert. */
#ifndef PIXEEN_PIPELINE_PICTURE_GPU_H
#define PIXEEN_PIPELINE_PICTURE_GPU_H

#include <stdbool.h>

#include "ops/picture_ops.h"

/* Resizes src (its pictures) to width x height unless it has that size (then it is read as it is),
 * then writes the window at (x0, y0) of out's size into out: fp32 [images, h, w, 3] in [-1, 1],
 * or with mask fp32 [images, h, w] of 0/1 (1 = repaint). Records, submits and waits; the
 * intermediate pictures are wiped. */
pixeen_status picture_gpu_convert(gpu_context *ctx, const op_picture *src, int width, int height, uint32_t x0,
                                  uint32_t y0, bool mask, const tensor *out);

#endif
