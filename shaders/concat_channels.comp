#version 450
// concat_channels.comp — NHWC channel concatenation: out[.., 0:C1] = a, out[.., C1:C1+C2] = b
// (the UNet's skip connections). One invocation per output element. Bindings: 0 a, 1 b, 2 out.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer A { T a[]; };
layout(std430, binding = 1) readonly buffer B { T b[]; };
layout(std430, binding = 2) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push { uint n, c1, c2; } p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint c = p.c1 + p.c2, pix = i / c, ch = i % c;
    o[i] = ch < p.c1 ? a[pix * p.c1 + ch] : b[pix * p.c2 + ch - p.c1];
}
