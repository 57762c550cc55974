#version 450
// layout_upsample.comp — nearest 2x upsampling of NHWC rows: output row R (of 2W*C elements, R =
// b*2H + y) reads input row R/2 (b*H + y/2); output column k (pixel k/C, channel k%C) reads input
// column (k/C/2)*C + k%C.
// Geometry: workgroups of 64; x = blocks of 64 output columns, y = chunks of P output rows; an
// invocation owns one column of P rows, its source column computed once (no integer division per
// element: lavapipe scalarises it). Windows of whole row pairs by the host.
// Bindings: 0 x (texel), 1 out (storage, T).
// With VEC4 (C a multiple of 4, aligned offsets) columns, channels and offsets are in units of 4
// elements: RGBA fetches and 4-wide stores (lavapipe's per-lane store runs once per 4).
// @variant _f32 -DV=float
// @variant _f16 -DV=float16_t
// @variant _vec4_f32 -DVEC4 -DV=vec4
// @variant _vec4_f16 -DVEC4 -DV=f16vec4
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_samplerless_texture_functions : require

layout(local_size_x = 64) in;
layout(binding = 0) uniform textureBuffer x;
layout(std430, binding = 1) writeonly buffer O { V o[]; };
layout(push_constant) uniform Push {
    uint rows;  // output rows in this window (even)
    uint w;     // input width W
    uint c;     // channels
    uint x_off;
    uint o_off;
    uint chunk; // P: output rows per invocation (even)
} p;

void main() {
    const uint c = p.c, wc = p.w * c, k = gl_WorkGroupID.x * 64 + gl_LocalInvocationID.x;
    if (k >= 2 * wc) return;
    const uint ch = k % c, src_col = (k / c / 2) * c + ch;
    const uint r0 = gl_WorkGroupID.y * p.chunk, r1 = min(r0 + p.chunk, p.rows);
    uint oi = p.o_off + r0 * 2 * wc + k;
    for (uint r = r0; r < r1; r += 2) {
#ifdef VEC4
        V v = V(texelFetch(x, int(p.x_off + (r >> 1) * wc + src_col)));
#else
        V v = V(texelFetch(x, int(p.x_off + (r >> 1) * wc + src_col)).x);
#endif
        o[oi] = v;
        o[oi + 2 * wc] = v;
        oi += 4 * wc;
    }
}
