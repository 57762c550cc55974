#version 450
// picture_unit.comp — packed RGBA8 pictures to the floats diffusers feeds the VAE encoder, as
// src/image/picture.c's picture_to_unit_range: x = 2 * (v / 255) - 1 per RGB channel (alpha
// dropped), NHWC [B, H, W, 3] fp32; or, with p.mask, the inpainting mask as picture_mask_binary
// makes it: PIL's luma (19595 R + 38470 G + 7471 B + 32768) >> 16, then 1 where luma / 255 >= 0.5,
// [B, H, W] fp32. The source may be a window of a larger picture: rows p.stride pixels apart,
// pictures p.image_stride pixels apart, starting at pixel (p.x0, p.y0).
// Geometry: one invocation per output pixel, 256 per workgroup, split over x and y.
// Bindings: 0 src (uint per pixel, RGBA little-endian), 1 out (fp32).
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Src { uint src[]; };
layout(std430, binding = 1) writeonly buffer Out { float outv[]; };
layout(push_constant) uniform Push {
    uint images, width, height;   // the output's size
    uint stride, image_stride;    // the source's row and picture pitch, in pixels
    uint x0, y0;                  // the window's corner in the source
    uint mask;                    // 0: RGB to [-1, 1]; 1: binary mask
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    uint per = p.width * p.height;
    if (i >= p.images * per) return;
    uint img = i / per, r = i % per, y = r / p.width, x = r % p.width;
    uint v = src[img * p.image_stride + (y + p.y0) * p.stride + x + p.x0];
    uint cr = v & 255u, cg = (v >> 8) & 255u, cb = (v >> 16) & 255u;
    if (p.mask != 0u) {
        uint l = (19595u * cr + 38470u * cg + 7471u * cb + 32768u) >> 16;
        outv[i] = float(l) / 255.0 >= 0.5 ? 1.0 : 0.0;
        return;
    }
    outv[3u * i] = 2.0 * (float(cr) / 255.0) - 1.0;
    outv[3u * i + 1u] = 2.0 * (float(cg) / 255.0) - 1.0;
    outv[3u * i + 2u] = 2.0 * (float(cb) / 255.0) - 1.0;
}
