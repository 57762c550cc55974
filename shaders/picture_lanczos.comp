#version 450
// picture_lanczos.comp — one axis of a Lanczos resize of packed RGBA8 pictures, as
// src/image/picture.c's picture_resize_lanczos (PIL's two-pass filter): every output channel is
// sum_i weights[o * ksize + i] * src[lo + i] along the axis, rounded half up and clamped to 0..255
// (PIL rounds to 8 bits between the horizontal and the vertical pass; so does the host code).
// The taps and weights are the host's (picture_lanczos_coeffs), uploaded as they are; only the
// sum is fp32 here (fp64 on the host), so a sum within ~1e-5 of a .5 may round the other way.
// Geometry: one invocation per output pixel, 256 per workgroup, split over x and y.
// The input's rows may be padded (an application's picture); the output is packed.
// Bindings: 0 src (uint per pixel, RGBA little-endian), 1 dst (same), 2 taps (ivec2 (lo, n) per
// output coordinate along the axis), 3 weights (float, ksize per output coordinate).
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Src { uint src[]; };
layout(std430, binding = 1) writeonly buffer Dst { uint dst[]; };
layout(std430, binding = 2) readonly buffer Taps { ivec2 taps[]; };
layout(std430, binding = 3) readonly buffer Weights { float weights[]; };
layout(push_constant) uniform Push {
    uint images;           // pictures stacked one after the other
    uint src_w, src_h;     // the input's size
    uint dst_w, dst_h;     // the output's size (one of them equals the input's)
    uint ksize;            // weights per output coordinate
    uint vertical;         // 0: resample along x, 1: along y
    uint src_stride;       // pixels from one input row to the next (>= src_w)
} p;

uint to8(float v) { return uint(clamp(floor(v + 0.5), 0.0, 255.0)); }

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    uint per = p.dst_w * p.dst_h;
    if (i >= p.images * per) return;
    uint img = i / per, r = i % per, y = r / p.dst_w, x = r % p.dst_w;
    uint o = p.vertical != 0u ? y : x;
    ivec2 t = taps[o];
    uint n = uint(t.y), ksize = p.ksize;
    vec4 acc = vec4(0.0);
    for (uint k = 0u; k < n; k++) {
        uint s = p.vertical != 0u ? (uint(t.x) + k) * p.src_stride + x : y * p.src_stride + uint(t.x) + k;
        uint v = src[img * p.src_stride * p.src_h + s];
        acc += weights[o * ksize + k] * vec4(float(v & 255u), float((v >> 8) & 255u), float((v >> 16) & 255u), float(v >> 24));
    }
    dst[i] = to8(acc.x) | (to8(acc.y) << 8) | (to8(acc.z) << 16) | (to8(acc.w) << 24);
}
