#version 450
// norm_group_apply.comp — y = (x - mean[b,g]) * rstd[b,g] * gamma[c] + beta[c], then y*sigmoid(y)
// when SILU, for x [B, N, C] (NHWC). One invocation per element, 256 per workgroup, workgroups
// over x and y; the host splits tensors over maxStorageBufferRange into windows of whole rows of C.
// Bindings: 0 x (texel), 1 gamma, 2 beta (texel, fp16 or fp32), 3 stats (fp32 [B*G][2]),
// 4 out (storage, T). fp32 arithmetic.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint SILU = 0;
layout(binding = 0) uniform samplerBuffer x;
layout(binding = 1) uniform samplerBuffer gamma;
layout(binding = 2) uniform samplerBuffer beta;
layout(std430, binding = 3) readonly buffer S { vec2 stats[]; };
layout(std430, binding = 4) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint count;   // elements in this window
    uint c;       // channels
    uint cg;      // channels per group
    uint groups;  // G
    uint nc;      // elements per batch item (N*C)
    uint first;   // global index of the window's first element
    uint x_off;   // element offsets of x and out in their bindings
    uint o_off;
    uint s_off;   // (b, g) pair offset of stats in its binding
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.count) return;
    uint gi = p.first + i;
    uint ch = gi % p.c, b = gi / p.nc;
    vec2 st = stats[p.s_off + b * p.groups + ch / p.cg];
    float y = (texelFetch(x, int(p.x_off + i)).x - st.x) * st.y * texelFetch(gamma, int(ch)).x + texelFetch(beta, int(ch)).x;
    if (SILU != 0) y = y / (1.0 + exp(-y));
    o[p.o_off + i] = T(y);
}
