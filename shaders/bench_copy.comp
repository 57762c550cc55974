#version 450
// bench_copy.comp — device-memory bandwidth ceiling for `pixeen bench`: dst = src in vec4s
// (16-byte accesses, the widest a storage buffer load offers). Each invocation copies 4 vec4s
// strided by the workgroup size, so neighbouring invocations touch neighbouring addresses.
// Geometry: 256 invocations per workgroup, 1024 vec4s per workgroup, workgroups over x and y.
// Bindings: 0 src (read), 1 dst (write). Push: n (vec4s to copy).
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer S { vec4 src[]; };
layout(std430, binding = 1) writeonly buffer D { vec4 dst[]; };
layout(push_constant) uniform Push { uint n; } p;

void main() {
    uint n = p.n;
    uint first = linear_group_index() * 1024 + gl_LocalInvocationID.x;
    for (uint k = 0; k < 4; k++) {
        uint i = first + k * 256;
        if (i < n) dst[i] = src[i];
    }
}
