#version 450
// softmax.comp — in place, row by row: x[r, j] = softmax_j(x[r, j] * scale), with an optional
// causal mask (key j > query i = r % rows_per_head gets -inf, as CLIP's text encoder needs).
// Statistics in fp32. Geometry: one workgroup of 256 per row (rows split over x and y); the max
// and the sum are reduced with subgroup operations and one shared slot per subgroup, which is
// correct for any subgroup size. Binding: 0 x ([rows, n], variant dtype).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer X { T x[]; };
layout(push_constant) uniform Push {
    uint rows;
    uint n;
    uint rows_per_head; // query rows per head, for the causal mask
    uint causal;
    float scale;
} p;

shared float partial[256];

float workgroup_reduce(float v, bool is_max) {
    v = is_max ? subgroupMax(v) : subgroupAdd(v);
    if (gl_SubgroupInvocationID == 0) partial[gl_SubgroupID] = v;
    barrier();
    float r = partial[0];
    for (uint k = 1; k < gl_NumSubgroups; k++) r = is_max ? max(r, partial[k]) : r + partial[k];
    barrier(); // partial[] is reused by the next reduction
    return r;
}

void main() {
    uint row = linear_group_index();
    if (row >= p.rows) return; // whole workgroup leaves together: barriers stay uniform
    uint n = p.n, base = row * n, lid = gl_LocalInvocationID.x;
    uint limit = p.causal != 0 ? min(n, row % p.rows_per_head + 1) : n;
    float m = -3.0e38;
    for (uint j = lid; j < limit; j += 256) m = max(m, float(x[base + j]) * p.scale);
    m = workgroup_reduce(m, true);
    float s = 0.0;
    for (uint j = lid; j < limit; j += 256) s += exp(float(x[base + j]) * p.scale - m);
    s = workgroup_reduce(s, false);
    float inv = 1.0 / s;
    for (uint j = lid; j < n; j += 256)
        x[base + j] = T(j < limit ? exp(float(x[base + j]) * p.scale - m) * inv : 0.0);
}
