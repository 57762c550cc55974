#version 450
// layout_concat.comp — out[r, j] = j < C1 ? a[r, j] : b[r, j - C1] for rows r of C1 + C2 channels.
// One invocation per output element, 256 per workgroup; windows of whole rows by the host.
// Bindings: 0 a, 1 b (texel), 2 out (storage, T).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(binding = 0) uniform samplerBuffer a;
layout(binding = 1) uniform samplerBuffer b;
layout(std430, binding = 2) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n;  // output elements in this window
    uint c1, c2;
    uint a_off, b_off, o_off;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint c = p.c1 + p.c2, r = i / c, j = i - r * c;
    float v = j < p.c1 ? texelFetch(a, int(p.a_off + r * p.c1 + j)).x : texelFetch(b, int(p.b_off + r * p.c2 + j - p.c1)).x;
    o[p.o_off + i] = T(v);
}
