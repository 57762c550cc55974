#version 450
// group_norm.comp — GroupNorm over NHWC [B, HW, C] with G groups of C/G channels, then the affine
// transform (gamma, beta fp16 per channel) and optionally SiLU. Statistics in fp32, two passes
// (mean, then the mean of squared deviations: no cancellation, and no fp16 sum of squares, which
// overflows on a VAE group). Geometry: one workgroup of 256 per (batch, group) (split over x, y).
// Bindings: 0 x, 1 gamma, 2 beta, 3 out (x and out: variant dtype).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "reduce_wg.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint SILU = 0;
layout(std430, binding = 0) readonly buffer X { T x[]; };
layout(std430, binding = 1) readonly buffer G { float16_t gamma[]; };
layout(std430, binding = 2) readonly buffer Bt { float16_t beta[]; };
layout(std430, binding = 3) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push { uint batches, hw, c, groups; float eps; } p;

void main() {
    uint wg = linear_group_index();
    if (wg >= p.batches * p.groups) return;
    uint b = wg / p.groups, g = wg % p.groups;
    uint cg = p.c / p.groups, count = p.hw * cg, base = b * p.hw * p.c + g * cg, lid = gl_LocalInvocationID.x;
    float s = 0.0;
    for (uint e = lid; e < count; e += 256) s += float(x[base + (e / cg) * p.c + e % cg]);
    float mean = workgroup_sum(s) / float(count);
    float q = 0.0;
    for (uint e = lid; e < count; e += 256) {
        float d = float(x[base + (e / cg) * p.c + e % cg]) - mean;
        q += d * d;
    }
    float rstd = inversesqrt(workgroup_sum(q) / float(count) + p.eps);
    for (uint e = lid; e < count; e += 256) {
        uint ch = g * cg + e % cg, i = base + (e / cg) * p.c + e % cg;
        float v = (float(x[i]) - mean) * rstd * float(gamma[ch]) + float(beta[ch]);
        if (SILU != 0) v = v / (1.0 + exp(-v));
        o[i] = T(v);
    }
}
