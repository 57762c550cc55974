#version 450
// activation_vec4.comp — out[i] = f(x[i]) four consecutive elements per invocation: one RGBA texel
// fetch and one 4-wide store (a vec4 / f16vec4 storage element). Used when the element count and
// both offsets are multiples of 4; lavapipe's per-lane store loop then runs once per 4 elements.
// Geometry: 256 invocations per workgroup, workgroups over x and y; host windows.
// Bindings: 0 x (texel buffer, RGBA), 1 out (storage, V = vec4 or f16vec4). fp32 arithmetic.
// @variant _f32 -DV=vec4
// @variant _f16 -DV=f16vec4
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_samplerless_texture_functions : require
#include "linear_index.glsl"
#include "activation.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint KIND = 0;
layout(binding = 0) uniform textureBuffer x;
layout(std430, binding = 1) writeonly buffer O { V o[]; };
layout(push_constant) uniform Push {
    uint n4;    // groups of 4 elements in this window
    uint x_off; // offsets in units of 4 elements
    uint o_off;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n4) return;
    vec4 v = texelFetch(x, int(p.x_off + i));
    o[p.o_off + i] = V(act_apply(KIND, v.x), act_apply(KIND, v.y), act_apply(KIND, v.z), act_apply(KIND, v.w));
}
