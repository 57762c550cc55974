#version 450
// activation_geglu.comp — GEGLU: x [R, 2F] -> out [R, F], out[r, f] = x[r, f] * gelu(x[r, F + f])
// (diffusers: hidden, gate = proj(x).chunk(2, dim=-1); hidden * gelu(gate)). KIND picks the GELU
// form (src/ops/activation.h). One invocation per output element, 256 per workgroup; the host
// splits large tensors into windows of whole rows.
// Bindings: 0 x (texel buffer), 1 out (storage, T). fp32 arithmetic.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "activation.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint KIND = 2;
layout(binding = 0) uniform samplerBuffer x;
layout(std430, binding = 1) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n;     // output elements in this window (whole rows)
    uint f;     // F
    uint x_off; // element offsets in the bindings
    uint o_off;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint r = i / p.f, c = i - r * p.f;
    uint at = p.x_off + r * 2 * p.f + c;
    float a = texelFetch(x, int(at)).x, gate = texelFetch(x, int(at + p.f)).x;
    o[p.o_off + i] = T(a * act_apply(KIND, gate));
}
