#version 450
// gather_rows.comp — out[r, :] = x[rows[r], :]: picks one row per output row, e.g. the end token's
// hidden state of each prompt (CLIP's pooled output). Geometry: one invocation per output element,
// 256 per workgroup, workgroups split over x and y. Bindings: 0 rows (int32 [R]), 1 x ([N, D]),
// 2 out ([R, D]); x and out in the variant dtype. A row index outside [0, N) reads row 0 (indices
// come from our own tokenizer; the guard only keeps a bad one from reading out of bounds).
// Push: n = R*D, d = D, rows = N.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Rows { int rows[]; };
layout(std430, binding = 1) readonly buffer X { T x[]; };
layout(std430, binding = 2) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n;    // R*D
    uint d;    // D
    uint rows; // N
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint r = i / p.d, col = i % p.d;
    int src = rows[r];
    uint s = (src >= 0 && uint(src) < p.rows) ? uint(src) : 0u;
    o[i] = x[s * p.d + col];
}
