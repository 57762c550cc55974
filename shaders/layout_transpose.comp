#version 450
// layout_transpose.comp — out[b, s, r] = x[b, r, s] for x [B, R, S] (NCHW <-> NHWC).
// One invocation per output element (consecutive invocations write consecutive elements), 256 per
// workgroup; one dispatch per window of whole batch items.
// Bindings: 0 x (texel), 1 out (storage, T).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_samplerless_texture_functions : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(binding = 0) uniform textureBuffer x;
layout(std430, binding = 1) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n; // elements in this window
    uint r, s;
    uint x_off, o_off;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint rs = p.r * p.s, b = i / rs, k = i - b * rs;
    uint si = k / p.r, ri = k - si * p.r;
    o[p.o_off + i] = T(texelFetch(x, int(p.x_off + b * rs + ri * p.s + si)).x);
}
