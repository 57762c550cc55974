#version 450
// latent_upscale.comp — AUTOMATIC1111's "Latent" hires upscalers: torch.nn.functional.interpolate
// of the latents to (th, tw) with mode "bilinear" (align_corners False, no antialias) or
// "nearest", then a window of (out_h, out_w) from (y0, x0) (A1111's truncation when both hires
// sizes are given). Source coordinates as torch's CPU kernels compute them, in fp32:
//   nearest:  src = min(floor(dst * scale), in - 1), scale = in / out (dst >> 1 when out = 2 in)
//   bilinear: src = max(scale * (dst + 0.5) - 0.5, 0); i0 = int(src), i1 = min(i0 + 1, in - 1),
//             l1 = src - i0; v = l0h (l0w v00 + l1w v01) + l1h (l0w v10 + l1w v11)
// Geometry: one invocation per output element (NHWC fp32), 256 per workgroup, split over x and y.
// Bindings: 0 in [B, h, w, C], 1 out [B, out_h, out_w, C].
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer In { float inv[]; };
layout(std430, binding = 1) writeonly buffer Out { float outv[]; };
layout(push_constant) uniform Push {
    uint n, C;
    uint in_h, in_w;
    uint th, tw;         // the interpolation's size
    uint out_h, out_w;   // the window kept
    uint y0, x0;
    uint bilinear;
    float scale_h, scale_w; // in / t, as fp32 (torch's area_pixel_compute_scale)
} p;

uint nearest(uint dst, uint in_size, uint out_size, float scale) {
    if (out_size == in_size) return dst;
    if (out_size == 2u * in_size) return dst >> 1;
    return min(uint(floor(float(dst) * scale)), in_size - 1u);
}

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint c = i % p.C, r = i / p.C, x = r % p.out_w + p.x0, r2 = r / p.out_w, y = r2 % p.out_h + p.y0, b = r2 / p.out_h;
    uint plane = p.in_h * p.in_w * p.C, base = b * plane;
    if (p.bilinear == 0u) {
        uint sy = nearest(y, p.in_h, p.th, p.scale_h), sx = nearest(x, p.in_w, p.tw, p.scale_w);
        outv[i] = inv[base + (sy * p.in_w + sx) * p.C + c];
        return;
    }
    float fy = max(p.scale_h * (float(y) + 0.5) - 0.5, 0.0), fx = max(p.scale_w * (float(x) + 0.5) - 0.5, 0.0);
    uint y0i = uint(fy), x0i = uint(fx);
    uint y1i = y0i < p.in_h - 1u ? y0i + 1u : y0i, x1i = x0i < p.in_w - 1u ? x0i + 1u : x0i;
    float l1h = clamp(fy - float(y0i), 0.0, 1.0), l1w = clamp(fx - float(x0i), 0.0, 1.0);
    float l0h = 1.0 - l1h, l0w = 1.0 - l1w;
    float v00 = inv[base + (y0i * p.in_w + x0i) * p.C + c], v01 = inv[base + (y0i * p.in_w + x1i) * p.C + c];
    float v10 = inv[base + (y1i * p.in_w + x0i) * p.C + c], v11 = inv[base + (y1i * p.in_w + x1i) * p.C + c];
    outv[i] = l0h * (l0w * v00 + l1w * v01) + l1h * (l0w * v10 + l1w * v11);
}
