#version 450
// bias_per_batch.comp — x[b, p, c] += e[b, c] in place over [B, P, C] (the ResNet blocks' time
// embedding, added after conv1). One invocation per element. Bindings: 0 x (read-write), 1 e.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer X { T x[]; };
layout(std430, binding = 1) readonly buffer E { T e[]; };
layout(push_constant) uniform Push { uint n, p, c; } p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint c = i % p.c, b = i / (p.p * p.c);
    x[i] = T(float(x[i]) + float(e[b * p.c + c]));
}
