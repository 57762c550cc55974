// round_f16.glsl — round_f16(v): each component rounded to the nearest fp16 value (ties to even),
// kept in fp32. For fp16 images (storage texel buffers of RGBA16F): their stores may round toward
// zero (lavapipe's do, Mesa 22 and 25), so a kernel rounds first and the store has nothing left to
// round. Integer arithmetic, because compilers may fold a float -> half -> float round trip away
// (Mesa 25's did). Normal range: the 13 low mantissa bits rounded off; below 2^-14, the fp16
// subnormals' grid of 2^-24 steps. Infinities stay, and values that round past fp16's largest
// (65504, so from 65520 up) become infinities here, as a conversion to fp16 makes them: a store
// rounding toward zero would clamp them to 65504, and an overflow would go unseen (the checks for
// non-finite latents and pixels rely on it). ROUNDED(v): round_f16(v) in a kernel compiled with
// ROUND_F16 (its fp16 image variant), else v.
vec4 round_f16(vec4 v) {
    uvec4 b = floatBitsToUint(v);
    vec4 normal = uintBitsToFloat((b + 0x0FFFu + ((b >> 13) & 1u)) & ~0x1FFFu);
    vec4 subnormal = roundEven(v * 16777216.0) * (1.0 / 16777216.0);
    vec4 r = mix(normal, subnormal, lessThan(abs(v), vec4(1.0 / 16384.0)));
    return mix(r, sign(v) * uintBitsToFloat(0x7F800000u), greaterThanEqual(abs(v), vec4(65520.0)));
}

#ifdef ROUND_F16
#define ROUNDED(v) round_f16(v)
#else
#define ROUNDED(v) (v)
#endif
