/* reference_image_rgba8.h — the plain-C specification of op_image_rgba8_record (ops/image_rgba8.h). */
#ifndef PIXEEN_OPS_REFERENCE_IMAGE_RGBA8_H
#define PIXEEN_OPS_REFERENCE_IMAGE_RGBA8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* image [pixels, 3] in [-1, 1] -> RGBA8 words: round(clamp(v / 2 + 0.5, 0, 1) * 255) per channel, alpha
 * 255, red in the low byte. */
void ref_image_rgba8(const float *image, size_t pixels, uint32_t *rgba);

#endif
