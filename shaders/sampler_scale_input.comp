#version 450
// sampler_scale_input.comp — x_in[k*n + i] = c_in * x[i] for k < copies (the UNet batch [uncond;
// cond] under classifier-free guidance gets the same scaled latents twice). c_in comes from the
// scalar block. One invocation per latent element, 256 per workgroup.
// Bindings: 0 scalars (storage), 1 x (texel fp32), 2 x_in (storage, T).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "sampler_scalars.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Scalars { sampler_scalars s; };
layout(binding = 1) uniform samplerBuffer x;
layout(std430, binding = 2) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n;      // latent elements
    uint copies;
    uint x_off;
    uint o_off;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    T v = T(s.c_in * texelFetch(x, int(p.x_off + i)).x);
    for (uint k = 0; k < p.copies; k++) o[p.o_off + k * p.n + i] = v;
}
