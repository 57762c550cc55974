#version 450
// softmax.comp — in place, row by row: x[r, j] = softmax_j(x[r, j] * scale), with an optional
// causal mask (key j > query i = r % rows_per_head gets probability 0, as CLIP's text encoder
// needs). Statistics in fp32.
// Geometry: one subgroup per row, no barriers (on lavapipe a barrier is a coroutine switch per
// 8 lanes; on GPUs a subgroup reduction is the cheapest there is). A workgroup of 64 invocations
// owns `rows_per_group` consecutive rows (64 / the largest subgroup size the device may use, so
// every row is covered whatever size the driver picks); its subgroups take them in turn.
// Binding: 0 x ([rows, n], variant dtype).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer X { T x[]; };
layout(push_constant) uniform Push {
    uint rows;
    uint n;
    uint rows_per_head; // query rows per head, for the causal mask
    uint causal;
    float scale;
    uint rows_per_group;
} p;

void main() {
    uint first = linear_group_index() * p.rows_per_group;
    uint last = min(first + p.rows_per_group, p.rows);
    uint n = p.n, lane = gl_SubgroupInvocationID, width = gl_SubgroupSize;
    float scale = p.scale;
    for (uint row = first + gl_SubgroupID; row < last; row += gl_NumSubgroups) {
        uint base = row * n;
        uint limit = p.causal != 0 ? min(n, row % p.rows_per_head + 1) : n;
        float m = -3.0e38;
        for (uint j = lane; j < limit; j += width) m = max(m, float(x[base + j]) * scale);
        m = subgroupMax(m);
        float s = 0.0;
        for (uint j = lane; j < limit; j += width) s += exp(float(x[base + j]) * scale - m);
        float inv = 1.0 / subgroupAdd(s);
        for (uint j = lane; j < n; j += width)
            x[base + j] = T(j < limit ? exp(float(x[base + j]) * scale - m) * inv : 0.0);
    }
}
