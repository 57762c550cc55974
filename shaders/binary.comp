#version 450
// binary.comp — out[i] = a[i] OP b[j] with b broadcast: j = (i / inner) % nb.
//   Bias over the last dimension of [.., C]: inner = 1, nb = C.
//   Per-channel over [B, C, H, W]:           inner = H*W, nb = C.
//   Same shape:                              inner = 1, nb = n.
// Geometry: one invocation per element, 256 per workgroup (a multiple of every subgroup size),
// workgroups split over x and y. Tensors larger than maxStorageBufferRange are processed in
// windows by the host (src/ops/elementwise.c); `base` is the window's first element index.
// Bindings: 0 a (read), 1 b (read), 2 out (write). Accumulation is fp32 in every variant.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint OP = 0; // 0 add, 1 mul

layout(std430, binding = 0) readonly buffer A { T a[]; };
layout(std430, binding = 1) readonly buffer B { T b[]; };
layout(std430, binding = 2) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n;     // elements in this window
    uint inner; // see above
    uint nb;    // elements of b
    uint base;  // global index of this window's first element (for the broadcast index)
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint j = ((p.base + i) / p.inner) % p.nb;
    float x = float(a[i]), y = float(b[j]);
    o[i] = T(OP == 0 ? x + y : x * y);
}
