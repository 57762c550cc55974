#version 450
// image_rgba8.comp — the VAE's output [B, H, W, 3] (about [-1, 1]) to RGBA8 pixels as diffusers'
// numpy_to_pil makes them: round(clamp(x / 2 + 0.5, 0, 1) * 255), alpha 255.
// One invocation per pixel; each writes one packed uint. Bindings: 0 image (variant dtype; its
// first pixel at element p.first: a window of a larger image), 1 out (uint per pixel,
// little-endian RGBA).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer I { T img[]; };
layout(std430, binding = 1) writeonly buffer O { uint rgba[]; };
layout(push_constant) uniform Push { uint pixels; uint first; } p;

uint to8(float v) { return uint(round(clamp(v * 0.5 + 0.5, 0.0, 1.0) * 255.0)); }

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.pixels) return;
    uint k = p.first + 3 * i;
    uint r = to8(float(img[k])), g = to8(float(img[k + 1])), b = to8(float(img[k + 2]));
    rgba[i] = r | (g << 8) | (b << 16) | (255u << 24);
}
