#version 450
// layer_norm.comp — LayerNorm over the last dimension of [rows, C] with fp16 gamma/beta; fp32
// two-pass statistics (mean, then mean squared deviation).
// Geometry: one subgroup per row, no barriers; a workgroup of 64 owns `rows_per_group` rows
// (64 / the largest subgroup size the device may use), its subgroups take them in turn.
// Bindings: 0 x, 1 gamma, 2 beta, 3 out.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer X { T x[]; };
layout(std430, binding = 1) readonly buffer G { float16_t gamma[]; };
layout(std430, binding = 2) readonly buffer Bt { float16_t beta[]; };
layout(std430, binding = 3) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push { uint rows, c; float eps; uint rows_per_group; } p;

void main() {
    uint first = linear_group_index() * p.rows_per_group;
    uint last = min(first + p.rows_per_group, p.rows);
    uint c = p.c, lane = gl_SubgroupInvocationID, width = gl_SubgroupSize;
    for (uint row = first + gl_SubgroupID; row < last; row += gl_NumSubgroups) {
        uint base = row * c;
        float s = 0.0;
        for (uint j = lane; j < c; j += width) s += float(x[base + j]);
        float mean = subgroupAdd(s) / float(c);
        float q = 0.0;
        for (uint j = lane; j < c; j += width) {
            float d = float(x[base + j]) - mean;
            q += d * d;
        }
        float rstd = inversesqrt(subgroupAdd(q) / float(c) + p.eps);
        for (uint j = lane; j < c; j += width)
            o[base + j] = T((float(x[base + j]) - mean) * rstd * float(gamma[j]) + float(beta[j]));
    }
}
