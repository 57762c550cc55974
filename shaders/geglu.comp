#version 450
// geglu.comp — diffusers' GEGLU: x [rows, 2F] = (hidden, gate) halves; out [rows, F] =
// hidden * gelu(gate) with the erf GELU (torch.nn.functional.gelu's default).
// One invocation per output element. Bindings: 0 x, 1 out.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "activations.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { T x[]; };
layout(std430, binding = 1) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push { uint n, f; } p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint row = i / p.f, j = i % p.f;
    o[i] = T(float(x[row * 2 * p.f + j]) * act_gelu(float(x[row * 2 * p.f + p.f + j])));
}
