#version 450
// sampler_input.comp — the start of a denoising step, on the GPU so the host only writes the step
// index: t[j] = plan[s].timestep for every UNet batch row j, and unet_in = c_in * x, written once
// per classifier-free-guidance half (rows [0, B) unconditional, [B, 2B) conditional).
// Geometry: one invocation per latent element of x, 256 per workgroup, split over x and y.
// Bindings: 0 plan (sampler_step[], see src/ops/abi/sampler_step.h), 1 state (uint step index), 2 x (fp32
// latents [n]), 3 unet_in ([halves * n], variant dtype), 4 t (fp32 [rows]).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "sampler_step.h"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Plan { sampler_step plan[]; };
layout(std430, binding = 1) readonly buffer State { uint step_index; };
layout(std430, binding = 2) readonly buffer X { float x[]; };
layout(std430, binding = 3) writeonly buffer U { T unet_in[]; };
layout(std430, binding = 4) writeonly buffer Tsteps { float t[]; };
#include "sampler_input_push.h"

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    uint s = step_index;
    if (i < p.rows) t[i] = plan[s].timestep;
    if (i >= p.n) return;
    float v = plan[s].c_in * x[i];
    for (uint h = 0; h < p.halves; h++) unet_in[h * p.n + i] = T(v);
}
