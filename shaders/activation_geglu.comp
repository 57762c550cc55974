#version 450
// activation_geglu.comp — GEGLU: x [R, 2F] -> out [R, F], out[r, f] = x[r, f] * gelu(x[r, F + f])
// (diffusers: hidden, gate = proj(x).chunk(2, dim=-1); hidden * gelu(gate)). KIND picks the GELU
// form (src/ops/activation.h).
// Geometry: workgroups of 64; x = blocks of 64 columns f, y = chunks of P rows; an invocation
// owns one column of P rows, so no integer division runs per element (lavapipe scalarises it).
// The host splits large tensors into windows of whole rows.
// Bindings: 0 x (texel buffer), 1 out (storage, T). fp32 arithmetic.
// With VEC4 (F a multiple of 4, aligned offsets) an invocation owns 4 consecutive columns: RGBA
// texel fetches and one 4-wide store per row (lavapipe's per-lane store loop runs once per 4
// elements); f, offsets and strides are then in units of 4 elements.
// @variant _f32 -DT=float -DV=float
// @variant _f16 -DT=float16_t -DV=float16_t
// @variant _vec4_f32 -DVEC4 -DT=float -DV=vec4
// @variant _vec4_f16 -DVEC4 -DT=float16_t -DV=f16vec4
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_samplerless_texture_functions : require
#include "activation.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint KIND = 2;
layout(binding = 0) uniform textureBuffer x;
layout(std430, binding = 1) writeonly buffer O { V o[]; };
layout(push_constant) uniform Push {
    uint rows;  // rows in this window
    uint f;     // F
    uint x_off; // element offsets in the bindings
    uint o_off;
    uint chunk; // P: rows per invocation
} p;

void main() {
    const uint f = p.f, col = gl_WorkGroupID.x * 64 + gl_LocalInvocationID.x;
    if (col >= f) return;
    const uint r0 = gl_WorkGroupID.y * p.chunk, r1 = min(r0 + p.chunk, p.rows);
    uint xi = p.x_off + r0 * 2 * f + col, oi = p.o_off + r0 * f + col;
    for (uint r = r0; r < r1; r++) {
#ifdef VEC4
        vec4 a = texelFetch(x, int(xi)), gate = texelFetch(x, int(xi + f));
        o[oi] = V(a.x * act_apply(KIND, gate.x), a.y * act_apply(KIND, gate.y), a.z * act_apply(KIND, gate.z),
                  a.w * act_apply(KIND, gate.w));
#else
        float a = texelFetch(x, int(xi)).x, gate = texelFetch(x, int(xi + f)).x;
        o[oi] = V(a * act_apply(KIND, gate));
#endif
        xi += 2 * f;
        oi += f;
    }
}
