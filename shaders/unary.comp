#version 450
// unary.comp — out = act(x) elementwise; ACT (specialization constant): 0 SiLU, 1 GELU (erf),
// 2 GELU (tanh), 3 quick-GELU. One invocation per element, 256 per workgroup, split over x, y.
// Bindings: 0 x, 1 out.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "activations.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint ACT = 0;
layout(std430, binding = 0) readonly buffer X { T x[]; };
layout(std430, binding = 1) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push { uint n; } p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    float v = float(x[i]);
    v = ACT == 0 ? act_silu(v) : ACT == 1 ? act_gelu(v) : ACT == 2 ? act_gelu_tanh(v) : act_quick_gelu(v);
    o[i] = T(v);
}
