#version 450
// upsample2x.comp — nearest-neighbour 2x upsampling, NHWC: out[b, y, x, c] = in[b, y/2, x/2, c].
// One invocation per output element. Bindings: 0 in, 1 out.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer I { T src[]; };
layout(std430, binding = 1) writeonly buffer O { T dst[]; };
layout(push_constant) uniform Push { uint n, h, w, c; } p; // n = output elements; h, w: input size

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint c = i % p.c, r = i / p.c;
    uint ox = r % (2 * p.w);
    r /= 2 * p.w;
    uint oy = r % (2 * p.h), b = r / (2 * p.h);
    dst[i] = src[((b * p.h + oy / 2) * p.w + ox / 2) * p.c + c];
}
