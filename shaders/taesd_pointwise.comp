#version 450
// taesd_pointwise.comp — TAESD's pointwise steps, in place, fp32 arithmetic:
//   mode 0: y = max(x, 0)              (ReLU after each block's residual add, and after conv 0)
//   mode 1: y = tanh(x / 3) * 3        (DecoderTiny's input clamp)
//   mode 2: y = a * x + b              (EncoderTiny's x.add(1).div(2), DecoderTiny's x.mul(2).sub(1))
// Geometry: one invocation per element, 256 per workgroup, split over x and y.
// Bindings: 0 x, 1 out (variant dtype).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { T x[]; };
layout(std430, binding = 1) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n;
    uint mode;
    float a, b;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    float v = float(x[i]);
    if (p.mode == 0u) v = max(v, 0.0);
    else if (p.mode == 1u) v = tanh(v / 3.0) * 3.0;
    else v = p.a * v + p.b;
    o[i] = T(v);
}
