#version 450
// norm_layer.comp — layer normalisation of each row of x [R, C] over C:
// y = (x - mean) / sqrt(var + eps) * gamma + beta, fp32 statistics (two passes over the row: mean,
// then the mean of squared deviations, so nothing cancels).
// Geometry: a workgroup of 64 owns 8 consecutive rows; each subgroup takes rows in turn (row =
// 8*wg + subgroup id, + number of subgroups ...), its lanes stride over C and subgroupAdd reduces:
// no shared memory, no barriers. Bindings: 0 x (texel), 1 gamma, 2 beta (texel), 3 out (storage, T).
// With VEC4 (C a multiple of 4, aligned offsets) each lane takes 4 consecutive channels at a time:
// RGBA fetches of x, gamma and beta and 4-wide stores (lavapipe's per-lane store runs once per 4);
// c, offsets are then in units of 4 elements.
// @variant _f32 -DT=float -DV=float
// @variant _f16 -DT=float16_t -DV=float16_t
// @variant _vec4_f32 -DVEC4 -DT=float -DV=vec4
// @variant _vec4_f16 -DVEC4 -DT=float16_t -DV=f16vec4
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_samplerless_texture_functions : require
#include "linear_index.glsl"

layout(local_size_x = 64) in;
layout(binding = 0) uniform textureBuffer x;
layout(binding = 1) uniform textureBuffer gamma;
layout(binding = 2) uniform textureBuffer beta;
layout(std430, binding = 3) writeonly buffer O { V o[]; };
layout(push_constant) uniform Push {
    uint rows;   // rows in this dispatch
    uint c;      // row length
    uint x_off;  // element offsets in the bindings
    uint o_off;
    float eps;
} p;

#ifdef VEC4
#define V_F vec4
#define LOAD(buf, i) texelFetch(buf, int(i))
#define SUM(v) ((v).x + (v).y + (v).z + (v).w)
const float WIDTH = 4.0;
#else
#define V_F float
#define LOAD(buf, i) texelFetch(buf, int(i)).x
#define SUM(v) (v)
const float WIDTH = 1.0;
#endif

void main() {
    const uint c = p.c, lanes = gl_SubgroupSize, lane = gl_SubgroupInvocationID;
    const float count = float(c) * WIDTH;
    const uint first = linear_group_index() * 8;
    for (uint r = first + gl_SubgroupID; r < first + 8 && r < p.rows; r += gl_NumSubgroups) {
        uint at = p.x_off + r * c;
        float s = 0.0;
        for (uint j = lane; j < c; j += lanes) s += SUM(LOAD(x, at + j));
        float mean = subgroupAdd(s) / count;
        float s2 = 0.0;
        for (uint j = lane; j < c; j += lanes) {
            V_F d = LOAD(x, at + j) - mean;
            s2 += SUM(d * d);
        }
        float rstd = inversesqrt(subgroupAdd(s2) / count + p.eps);
        uint ot = p.o_off + r * c;
        for (uint j = lane; j < c; j += lanes) o[ot + j] = V((LOAD(x, at + j) - mean) * rstd * LOAD(gamma, j) + LOAD(beta, j));
    }
}
