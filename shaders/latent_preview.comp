#version 450
// latent_preview.comp — a cheap RGB preview of latents, as the "approx cheap" previews of
// ComfyUI and AUTOMATIC1111 make it: rgb = sum_c latent[c] * F[c] + bias per latent pixel (no VAE),
// then round(clamp((rgb + 1) / 2, 0, 1) * 255). F and bias are the model family's (ComfyUI's
// latent_rgb_factors, fitted to each VAE's decoded colours). One invocation per 4 pixels, writing their 12 bytes of
// packed RGB8 as 3 uints (no 8-bit storage needed); the last group's missing pixels are zero.
// Dispatch: ceil(n / 256) workgroups of 64 (4 pixels each), split over x/y by gpu_groups_2d.
// Bindings: 0 latents (fp32 NHWC [h * w * 4], image 0 of the batch), 1 out (uint [3 * ceil(n / 4)]).
// Push: F (12 floats: channel c's RGB at 3c), bias (3 floats), pixels = h * w.
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 64) in; // previews are tiny (4096 pixels for 512x512): any size works; 64 fits every subgroup
layout(std430, binding = 0) readonly buffer X { vec4 x[]; };
layout(std430, binding = 1) writeonly buffer O { uint rgb[]; };
layout(push_constant) uniform Push {
    float f[12]; // channel c's RGB contribution at f[3c .. 3c+2]
    float bias[3];
    uint pixels;
} p;

uvec3 to8(vec4 latent) {
    vec3 rgb = vec3(p.bias[0], p.bias[1], p.bias[2]);
    for (int c = 0; c < 4; c++) rgb += latent[c] * vec3(p.f[3 * c], p.f[3 * c + 1], p.f[3 * c + 2]);
    return uvec3(round(clamp((rgb + 1.0) * 0.5, 0.0, 1.0) * 255.0));
}

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
