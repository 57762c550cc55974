#version 450
// latent_scale.comp — out = x * scale, fp32 latents to the VAE's activation dtype (latents are
// divided by the VAE's scaling factor before decoding). One invocation per element.
// Bindings: 0 x (fp32), 1 out (variant dtype).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push { uint n; float scale; } p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i < p.n) o[i] = T(x[i] * p.scale);
}
