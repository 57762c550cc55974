#version 450
// group_norm.comp — GroupNorm over NHWC [B, HW, C] with G groups of C/G channels, then the affine
// transform (gamma, beta fp16 per channel) and optionally SiLU. Statistics in fp32, two passes
// (mean, then the mean of squared deviations: no cancellation, and no fp16 sum of squares, which
// overflows on a VAE group).
// Geometry: one subgroup per (batch, group), no barriers; a workgroup of 64 owns
// `rows_per_group` (batch, group) pairs (64 / the largest subgroup size the device may use), its
// subgroups take them in turn. Bindings: 0 x, 1 gamma, 2 beta, 3 out (x, out: variant dtype).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint SILU = 0;
layout(std430, binding = 0) readonly buffer X { T x[]; };
layout(std430, binding = 1) readonly buffer G { float16_t gamma[]; };
layout(std430, binding = 2) readonly buffer Bt { float16_t beta[]; };
layout(std430, binding = 3) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push { uint batches, hw, c, groups; float eps; uint rows_per_group; } p;

void main() {
    uint first = linear_group_index() * p.rows_per_group;
    uint last = min(first + p.rows_per_group, p.batches * p.groups);
    uint c = p.c, cg = p.c / p.groups, count = p.hw * cg, lane = gl_SubgroupInvocationID, width = gl_SubgroupSize;
    for (uint bg = first + gl_SubgroupID; bg < last; bg += gl_NumSubgroups) {
        uint b = bg / p.groups, g = bg % p.groups;
        uint base = b * p.hw * c + g * cg;
        float s = 0.0;
        for (uint e = lane; e < count; e += width) s += float(x[base + (e / cg) * c + e % cg]);
        float mean = subgroupAdd(s) / float(count);
        float q = 0.0;
        for (uint e = lane; e < count; e += width) {
            float d = float(x[base + (e / cg) * c + e % cg]) - mean;
            q += d * d;
        }
        float rstd = inversesqrt(subgroupAdd(q) / float(count) + p.eps);
        for (uint e = lane; e < count; e += width) {
            uint ch = g * cg + e % cg, i = base + (e / cg) * c + e % cg;
            float v = (float(x[i]) - mean) * rstd * float(gamma[ch]) + float(beta[ch]);
            if (SILU != 0) v = v / (1.0 + exp(-v));
            o[i] = T(v);
        }
    }
}
