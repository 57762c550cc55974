#version 450
// layout_concat.comp — out[r, j] = j < C1 ? a[r, j] : b[r, j - C1] for rows r of C1 + C2 channels.
// Geometry: workgroups of 64; x = blocks of 64 output columns, y = chunks of P rows; an invocation
// owns one column of P rows (no integer division per element: lavapipe scalarises it). Windows
// of whole rows by the host. Bindings: 0 a, 1 b (texel), 2 out (storage, T).
// With VEC4 (C1 and C2 multiples of 4, aligned offsets) columns, channels and offsets are in
// units of 4 elements: RGBA fetches and 4-wide stores (lavapipe's per-lane store runs once per 4).
// @variant _f32 -DV=float
// @variant _f16 -DV=float16_t
// @variant _vec4_f32 -DVEC4 -DV=vec4
// @variant _vec4_f16 -DVEC4 -DV=f16vec4
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_samplerless_texture_functions : require

layout(local_size_x = 64) in;
layout(binding = 0) uniform textureBuffer a;
layout(binding = 1) uniform textureBuffer b;
layout(std430, binding = 2) writeonly buffer O { V o[]; };
layout(push_constant) uniform Push {
    uint rows;  // rows in this window
    uint c1, c2;
    uint a_off, b_off, o_off;
    uint chunk; // P: rows per invocation
} p;

void main() {
    const uint c1 = p.c1, c2 = p.c2, c = c1 + c2, j = gl_WorkGroupID.x * 64 + gl_LocalInvocationID.x;
    if (j >= c) return;
    const uint r0 = gl_WorkGroupID.y * p.chunk, r1 = min(r0 + p.chunk, p.rows);
    const bool first = j < c1;
    uint src = first ? p.a_off + r0 * c1 + j : p.b_off + r0 * c2 + (j - c1);
    const uint step = first ? c1 : c2;
    uint oi = p.o_off + r0 * c + j;
    for (uint r = r0; r < r1; r++) {
#ifdef VEC4
        o[oi] = V(first ? texelFetch(a, int(src)) : texelFetch(b, int(src)));
#else
        o[oi] = V(first ? texelFetch(a, int(src)).x : texelFetch(b, int(src)).x);
#endif
        src += step;
        oi += c;
    }
}
