/* f16.c — bit-exact half/bfloat16 conversions (no reliance on compiler _Float16 support). */
#include "core/f16.h"

#include <string.h>

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float float_of(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

uint16_t f32_to_f16(float value) {
    uint32_t x = bits_of(value);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t exp = (x >> 23) & 0xffu;
    uint32_t mant = x & 0x7fffffu;
    if (exp == 0xffu) /* inf or NaN; keep NaN quiet and non-zero */
        return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u | (mant >> 13) : 0));
    int32_t e = (int32_t)exp - 127 + 15;
    if (e >= 31) return (uint16_t)(sign | 0x7c00u); /* overflow -> inf */
    if (e <= 0) {                                    /* subnormal or zero in half */
        if (e < -10) return (uint16_t)sign;
        mant |= 0x800000u;
        uint32_t shift = (uint32_t)(14 - e);
        uint32_t half = mant >> shift;
        uint32_t rem = mant & ((1u << shift) - 1);
        uint32_t halfway = 1u << (shift - 1);
        if (rem > halfway || (rem == halfway && (half & 1u))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = sign | ((uint32_t)e << 10) | (mant >> 13);
    uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) half++; /* may carry into exp: correct */
    return (uint16_t)half;
}

float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    if (exp == 0x1fu) return float_of(sign | 0x7f800000u | (mant << 13));
    if (exp == 0) {
        if (mant == 0) return float_of(sign);
        /* subnormal: value = mant * 2^-24 */
        float v = (float)mant * (1.0f / 16777216.0f);
        return sign ? -v : v;
    }
    return float_of(sign | ((exp + 112u) << 23) | (mant << 13));
}

float bf16_to_f32(uint16_t bf) { return float_of((uint32_t)bf << 16); }

float f32_round_f16(float value) { return f16_to_f32(f32_to_f16(value)); }

void f32_to_f16_array(uint16_t *dst, const float *src, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = f32_to_f16(src[i]);
}

void f16_to_f32_array(float *dst, const uint16_t *src, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = f16_to_f32(src[i]);
}

void bf16_to_f16_array(uint16_t *dst, const uint16_t *src, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = f32_to_f16(bf16_to_f32(src[i]));
}
