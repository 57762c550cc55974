/* f16.h — IEEE half and bfloat16 conversions on the host (weights are converted while uploading).
 * Round-to-nearest-even, with infinities, NaNs and subnormals handled exactly. */
#ifndef PIXEEN_CORE_F16_H
#define PIXEEN_CORE_F16_H

#include <stddef.h>
#include <stdint.h>

uint16_t f32_to_f16(float value);
float f16_to_f32(uint16_t half);
float bf16_to_f32(uint16_t bf);
/* Rounds a float to the nearest fp16 value and back (what a fp16 store then load does). */
float f32_round_f16(float value);

void f32_to_f16_array(uint16_t *dst, const float *src, size_t count);
void f16_to_f32_array(float *dst, const uint16_t *src, size_t count);
void bf16_to_f16_array(uint16_t *dst, const uint16_t *src, size_t count);

#endif
