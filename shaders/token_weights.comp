#version 450
// token_weights.comp — AUTOMATIC1111's prompt emphasis on CLIP's output, in place: for each
// 77-token chunk z [T, D] with per-token weights w [T]:
//     z = z * w[t]; then z *= mean(z before) / mean(z after)
// (sd_hijack_clip.process_tokens: the rescale keeps the embedding's overall mean). Sums in fp32.
// Geometry: one subgroup per chunk (no barriers), a workgroup of 64 owns `rows_per_group` chunks.
// Bindings: 0 z ([rows, T, D], variant dtype, read-write), 1 w (fp32 [rows, T]).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer Z { T z[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(push_constant) uniform Push { uint rows, t, d, rows_per_group; } p;

void main() {
    uint first = linear_group_index() * p.rows_per_group;
    uint last = min(first + p.rows_per_group, p.rows);
    uint n = p.t * p.d, lane = gl_SubgroupInvocationID, width = gl_SubgroupSize;
    for (uint row = first + gl_SubgroupID; row < last; row += gl_NumSubgroups) {
        uint base = row * n;
        float before = 0.0, after = 0.0;
        for (uint i = lane; i < n; i += width) {
            float v = float(z[base + i]);
            before += v;
            after += v * w[row * p.t + i / p.d];
        }
        before = subgroupAdd(before);
        after = subgroupAdd(after);
        float rescale = after != 0.0 ? before / after : 1.0;
        for (uint i = lane; i < n; i += width)
            z[base + i] = T(float(z[base + i]) * w[row * p.t + i / p.d] * rescale);
    }
}
