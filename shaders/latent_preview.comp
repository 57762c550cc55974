#version 450
// latent_preview.comp — a cheap RGB preview of SD 1.x latents, as the "approx cheap" previews of
// ComfyUI and AUTOMATIC1111 make it: rgb = sum_c latent[c] * F[c] per latent pixel (no VAE), then
// round(clamp((rgb + 1) / 2, 0, 1) * 255). F is ComfyUI's latent_rgb_factors for SD 1.x (fitted
// to the VAE's decoded colours; no bias). One invocation per 4 pixels, writing their 12 bytes of
// packed RGB8 as 3 uints (no 8-bit storage needed); the last group's missing pixels are zero.
// Dispatch: ceil(n / 256) workgroups of 64 (4 pixels each), split over x/y by gpu_groups_2d.
// Bindings: 0 latents (fp32 NHWC [h * w * 4], image 0 of the batch), 1 out (uint [3 * ceil(n / 4)]).
// Push: n = h * w, the latent pixels.
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 64) in; // previews are tiny (4096 pixels for 512x512): any size works; 64 fits every subgroup
layout(std430, binding = 0) readonly buffer X { vec4 x[]; };
layout(std430, binding = 1) writeonly buffer O { uint rgb[]; };
layout(push_constant) uniform Push { uint pixels; } p;

// Columns: the RGB contribution of latent channels 0..3.
const mat4x3 F = mat4x3(vec3(0.3512, 0.2297, 0.3227), vec3(0.3250, 0.4974, 0.2350),
                        vec3(-0.2829, 0.1762, 0.2721), vec3(-0.2120, -0.2616, -0.7177));

uvec3 to8(vec4 latent) { return uvec3(round(clamp((F * latent + 1.0) * 0.5, 0.0, 1.0) * 255.0)); }

void main() {
    uint g = linear_group_index() * 64 + gl_LocalInvocationID.x;
    uint first = 4 * g;
    if (first >= p.pixels) return;
    uint bytes[12];
    for (uint k = 0; k < 4; k++) {
        uvec3 c = first + k < p.pixels ? to8(x[first + k]) : uvec3(0);
        bytes[3 * k] = c.r;
        bytes[3 * k + 1] = c.g;
        bytes[3 * k + 2] = c.b;
    }
    for (uint w = 0; w < 3; w++)
        rgb[3 * g + w] = bytes[4 * w] | (bytes[4 * w + 1] << 8) | (bytes[4 * w + 2] << 16) | (bytes[4 * w + 3] << 24);
}
