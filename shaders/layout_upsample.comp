#version 450
// layout_upsample.comp — nearest 2x upsampling of NHWC rows: output row R (of 2W*C elements, R =
// b*2H + y) reads input row R/2 (b*H + y/2); output column k (pixel k/C, channel k%C) reads input
// column (k/C/2)*C + k%C.
// Geometry: workgroups of 64; x = blocks of 64 output columns, y = chunks of P output rows; an
// invocation owns one column of P rows, its source column computed once (no integer division per
// element: lavapipe scalarises it). Windows of whole row pairs by the host.
// Bindings: 0 x (texel), 1 out (storage, T).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require

layout(local_size_x = 64) in;
layout(binding = 0) uniform samplerBuffer x;
layout(std430, binding = 1) writeonly buffer O { T o[]; };
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
        T v = T(texelFetch(x, int(p.x_off + (r >> 1) * wc + src_col)).x);
        o[oi] = v;
        o[oi + 2 * wc] = v;
        oi += 4 * wc;
    }
}
