#version 450
// timestep_embedding.comp — diffusers' get_timestep_embedding: with half = dim / 2 and
// freq_k = exp(-ln(10000) * k / (half - shift)), emb[b] = [sin(t_b freq), cos(t_b freq)], or
// [cos, sin] with flip_sin_to_cos (SD). The timesteps are read from a GPU buffer so a replayed
// step embeds the timestep the sampler kernel wrote. One invocation per output element.
// Bindings: 0 t (fp32 [B]), 1 out ([B, dim], variant dtype).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Tin { float t[]; };
layout(std430, binding = 1) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push { uint batches, dim, flip; float shift; } p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.batches * p.dim) return;
    uint b = i / p.dim, j = i % p.dim, half_dim = p.dim / 2;
    if (j >= 2 * half_dim) { o[i] = T(0.0); return; } // odd dim: zero pad, as diffusers
    uint k = j % half_dim;
    float freq = exp(-9.210340371976184 * float(k) / (float(half_dim) - p.shift)); // ln(10000)
    float arg = t[b] * freq;
    bool first_half = j < half_dim;
    bool want_sin = p.flip != 0 ? !first_half : first_half;
    o[i] = T(want_sin ? sin(arg) : cos(arg));
}
