/* reference_image_rgba8.c — see reference_image_rgba8.h. */
#include "ops/reference_image_rgba8.h"

#include <math.h>

void ref_image_rgba8(const float *image, size_t pixels, uint32_t *rgba) {
    for (size_t i = 0; i < pixels; i++) {
        uint32_t word = 255u << 24;
        for (int ch = 0; ch < 3; ch++) {
            float v = image[3 * i + (size_t)ch] * 0.5f + 0.5f;
            v = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
            word |= (uint32_t)lrintf(v * 255.0f) << (8 * ch);
        }
        rgba[i] = word;
    }
}
