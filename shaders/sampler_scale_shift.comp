#version 450
// sampler_scale_shift.comp — out[i] = x[i] * scale + shift with scale = s[scale_index] (1 when the
// index is 0xffffffff) and shift = s[shift_index] (0 when absent), s a float buffer the host may
// rewrite between replays. One invocation per element, 256 per workgroup; host windows.
// Bindings: 0 scalars (storage, float[]), 1 x (texel, T), 2 out (storage, T). fp32 arithmetic.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Scalars { float s[]; };
layout(binding = 1) uniform samplerBuffer x;
layout(std430, binding = 2) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n;
    uint scale_index;
    uint shift_index;
    uint x_off;
    uint o_off;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    float a = p.scale_index == 0xffffffffu ? 1.0 : s[p.scale_index];
    float b = p.shift_index == 0xffffffffu ? 0.0 : s[p.shift_index];
    o[p.o_off + i] = T(texelFetch(x, int(p.x_off + i)).x * a + b);
}
