#version 450
// latent_blend.comp — the known region of an edit, re-noised to a step's level and pasted in:
//   known = alpha * x0 + beta * noise;   x = m * x + (1 - m) * known
// with (alpha, beta) = coeffs[index]: index = the state's step index + p.index when p.use_state,
// else p.index. m: the latent-size mask (1 = repaint; fp32 [h * w], shared by every channel and
// batch image) when p.has_mask, else 0 everywhere (then x = known: img2img's initial latents).
// In the Euler family's domain (x = x0 + sigma * eps) alpha = 1, beta = sigma; in the VP domain
// alpha = sqrt(abar), beta = sqrt(1 - abar) (diffusers' add_noise of each scheduler).
// Geometry: one invocation per latent element, 256 per workgroup, split over x and y.
// Bindings: 0 coeffs (vec2 per entry), 1 state (uint step index), 2 x (fp32, read-write),
// 3 x0 (fp32), 4 noise (fp32), 5 mask (fp32).
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Coeffs { vec2 coeffs[]; };
layout(std430, binding = 1) readonly buffer State { uint step_index; };
layout(std430, binding = 2) buffer X { float x[]; };
layout(std430, binding = 3) readonly buffer X0 { float x0[]; };
layout(std430, binding = 4) readonly buffer Noise { float noise[]; };
layout(std430, binding = 5) readonly buffer Mask { float mask[]; };
layout(push_constant) uniform Push {
    uint n;         // latent elements (B * h * w * C)
    uint C;         // channels
    uint pixels;    // h * w (mask elements)
    uint index;     // coefficient index (added to the step index when use_state)
    uint use_state;
    uint has_mask;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    vec2 k = coeffs[p.use_state != 0u ? step_index + p.index : p.index];
    float known = k.x * x0[i] + k.y * noise[i];
    float m = p.has_mask != 0u ? mask[(i / p.C) % p.pixels] : 0.0;
    x[i] = m * x[i] + (1.0 - m) * known;
}
