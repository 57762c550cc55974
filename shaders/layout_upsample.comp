#version 450
// layout_upsample.comp — nearest 2x upsampling of NHWC rows: output row R (of 2W*C elements, R =
// b*2H + y) reads input row R/2 (b*H + y/2), output pixel x reads input pixel x/2.
// One invocation per output element, 256 per workgroup; windows of whole row pairs by the host.
// Bindings: 0 x (texel), 1 out (storage, T).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(binding = 0) uniform samplerBuffer x;
layout(std430, binding = 1) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n;     // output elements in this window
    uint w;     // input width W
    uint c;     // channels
    uint x_off;
    uint o_off;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint ch = i % p.c, px = i / p.c;          // output pixel index within the window
    uint ow = 2 * p.w, row = px / ow, col = px - row * ow;
    uint src = ((row >> 1) * p.w + (col >> 1)) * p.c + ch;
    o[p.o_off + i] = T(texelFetch(x, int(p.x_off + src)).x);
}
