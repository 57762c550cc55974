#version 450
// permute.comp — out = in.permute(perm) for a 4-D tensor, times an optional scale (used to split
// attention heads, [B, T, H, D] -> [B, H, T, D] or [B, H, D, T], and to merge them back).
// Geometry: one invocation per output element, 256 per workgroup, split over x and y.
// Bindings: 0 in, 1 out (variant dtype). Push: the input's strides reordered into output order.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer I { T src[]; };
layout(std430, binding = 1) writeonly buffer O { T dst[]; };
layout(push_constant) uniform Push {
    uint n;
    uint shape1, shape2, shape3;       // output shape (dims 1..3)
    uint stride0, stride1, stride2, stride3; // input stride of each output dim
    float scale;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint i3 = i % p.shape3, r = i / p.shape3;
    uint i2 = r % p.shape2;
    r /= p.shape2;
    uint i1 = r % p.shape1, i0 = r / p.shape1;
    dst[i] = T(float(src[i0 * p.stride0 + i1 * p.stride1 + i2 * p.stride2 + i3 * p.stride3]) * p.scale);
}
