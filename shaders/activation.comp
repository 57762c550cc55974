#version 450
// activation.comp — out[i] = f(x[i]) for the kinds of src/ops/activation.h (spec constant KIND).
// Geometry: one invocation per element, 256 per workgroup (a multiple of every subgroup size),
// workgroups over x and y; the host splits large tensors into windows.
// Bindings: 0 x (texel buffer, one element per texel), 1 out (storage, T). fp32 arithmetic.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_samplerless_texture_functions : require
#include "linear_index.glsl"
#include "activation.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint KIND = 0;
layout(binding = 0) uniform textureBuffer x;
layout(std430, binding = 1) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n;     // elements in this window
    uint x_off; // element offsets in the bindings
    uint o_off;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    o[p.o_off + i] = T(act_apply(KIND, texelFetch(x, int(p.x_off + i)).x));
}
