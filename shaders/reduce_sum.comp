#version 450
// reduce_sum.comp — partial sums of x (fp32 accumulation): out[g] = sum of x over workgroup g's
// 1024 elements (4 per invocation). The host reduces again until one value is left.
// Reduction inside the workgroup: subgroupAdd, then one shared-memory slot per subgroup, so it is
// correct for every subgroup size (8 on lavapipe, 32 on NVIDIA, 64 on AMD).
// Bindings: 0 x (read), 1 out (write, one float per workgroup).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { T x[]; };
layout(std430, binding = 1) writeonly buffer O { float o[]; };
layout(push_constant) uniform Push { uint n; } p;

shared float partial[256]; // one per subgroup; 256 covers a subgroup size of 1

void main() {
    uint g = linear_group_index();
    uint first = g * 1024 + gl_LocalInvocationID.x;
    uint n = p.n;
    float s = 0.0;
    for (uint k = 0; k < 4; k++) {
        uint i = first + k * 256;
        if (i < n) s += float(x[i]);
    }
    s = subgroupAdd(s);
    if (gl_SubgroupInvocationID == 0) partial[gl_SubgroupID] = s;
    barrier();
    if (gl_LocalInvocationID.x == 0) {
        float total = 0.0;
        for (uint k = 0; k < gl_NumSubgroups; k++) total += partial[k];
        o[g] = total;
    }
}
