#version 450
// sampler_update.comp — the end of a denoising step: classifier-free guidance and the sampler's
// generic update (see src/ops/abi/sampler_step.h), in fp32, in place on the latents:
//   m = u + g * (c - u)   (u, c: the UNet's unconditional and conditional outputs; m = out when
//                          the UNet ran one half)
//   denoised = dn_x * x + dn_eps * m
//   x = a * x + b * denoised + c * prev + d * noise[step]
//   prev = denoised (when the step keeps it, for DPM++ 2M)
// Geometry: one invocation per latent element, 256 per workgroup, split over x and y.
// Bindings: 0 plan, 1 state (uint step index), 2 x (fp32 [n], read-write), 3 model_out ([halves*n],
// variant dtype), 4 prev (fp32 [n], read-write), 5 noise (fp32 [noise_steps * n]).
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
layout(std430, binding = 2) buffer X { float x[]; };
layout(std430, binding = 3) readonly buffer M { T model_out[]; };
layout(std430, binding = 4) buffer Prev { float prev[]; };
layout(std430, binding = 5) readonly buffer Noise { float noise[]; };
#include "sampler_update_push.h"

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    sampler_step st = plan[step_index];
    float m = float(model_out[i]);
    if (p.halves == 2) {
        float c = float(model_out[p.n + i]);
        m = m + p.guidance * (c - m);
    }
    float xi = x[i];
    float den = st.dn_x * xi + st.dn_eps * m;
    float next = st.a * xi + st.b * den;
    if ((st.flags & SAMPLER_STEP_USE_PREV) != 0u) next += st.c * prev[i];
    if (st.d != 0.0 && step_index < p.noise_steps) next += st.d * noise[step_index * p.n + i];
    if ((st.flags & SAMPLER_STEP_KEEP_DENOISED) != 0u) prev[i] = den;
    x[i] = next;
}
