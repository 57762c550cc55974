#version 450
// sampler_step.comp — one sampler update, fused (formulas in common/sampler_scalars.glsl):
//   eps = CFG ? u + g (c - u) : model_out;  den = alpha_x x + alpha_e eps;
//   x = a x + b den + c prev + d noise;     prev = den.
// Scalars come from a buffer the host rewrites between replays. One invocation per latent element,
// 256 per workgroup. Bindings: 0 scalars (storage), 1 model_out (texel, T), 2 x (storage fp32,
// read-write), 3 prev_denoised (storage fp32, read-write; unused without HAS_PREV), 4 noise
// (texel fp32; unused without HAS_NOISE). fp32 arithmetic; latents stay fp32.
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "sampler_scalars.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint CFG = 1;
layout(constant_id = 1) const uint HAS_PREV = 1;
layout(constant_id = 2) const uint HAS_NOISE = 1;
layout(std430, binding = 0) readonly buffer Scalars { sampler_scalars s; };
layout(binding = 1) uniform samplerBuffer model_out;
layout(std430, binding = 2) buffer X { float x[]; };
layout(std430, binding = 3) buffer P { float prev[]; };
layout(binding = 4) uniform samplerBuffer noise;
layout(push_constant) uniform Push {
    uint n;      // latent elements (B * ...)
    uint m_off;  // element offsets in the bindings
    uint x_off;
    uint p_off;
    uint z_off;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    float eps = texelFetch(model_out, int(p.m_off + i)).x;
    if (CFG != 0) {
        float c = texelFetch(model_out, int(p.m_off + p.n + i)).x;
        eps = eps + s.guidance * (c - eps);
    }
    float xv = x[p.x_off + i];
    float den = s.alpha_x * xv + s.alpha_e * eps;
    float next = s.a * xv + s.b * den;
    if (HAS_PREV != 0) {
        next += s.c * prev[p.p_off + i];
        prev[p.p_off + i] = den;
    }
    if (HAS_NOISE != 0) next += s.d * texelFetch(noise, int(p.z_off + i)).x;
    x[p.x_off + i] = next;
}
