#version 450
// layer_norm.comp — LayerNorm over the last dimension of [rows, C] with fp16 gamma/beta; fp32
// two-pass statistics. Geometry: one workgroup of 256 per row (split over x, y).
// Bindings: 0 x, 1 gamma, 2 beta, 3 out.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "reduce_wg.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { T x[]; };
layout(std430, binding = 1) readonly buffer G { float16_t gamma[]; };
layout(std430, binding = 2) readonly buffer Bt { float16_t beta[]; };
layout(std430, binding = 3) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push { uint rows, c; float eps; } p;

void main() {
    uint row = linear_group_index();
    if (row >= p.rows) return;
    uint base = row * p.c, lid = gl_LocalInvocationID.x;
    float s = 0.0;
    for (uint j = lid; j < p.c; j += 256) s += float(x[base + j]);
    float mean = workgroup_sum(s) / float(p.c);
    float q = 0.0;
    for (uint j = lid; j < p.c; j += 256) {
        float d = float(x[base + j]) - mean;
        q += d * d;
    }
    float rstd = inversesqrt(workgroup_sum(q) / float(p.c) + p.eps);
    for (uint j = lid; j < p.c; j += 256)
        o[base + j] = T((float(x[base + j]) - mean) * rstd * float(gamma[j]) + float(beta[j]));
}
