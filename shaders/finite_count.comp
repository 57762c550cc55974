#version 450
// finite_count.comp — counts the non-finite elements (NaN, +-Inf) of x and adds the count to
// flags[slot]. The check reads bit patterns (exponent all ones), not isnan/isinf, so no compiler
// assumption about NaNs can remove it. Adding (not storing) lets one word collect every step.
// Geometry: workgroups of 256 over a 2-D grid (linear_group_index), 1024 elements per workgroup
// (4 per invocation, strided by 256); an atomicAdd only where something was found (never, in a
// healthy run). Windows over large tensors by the host.
// Bindings: 0 x (storage, read as 32-bit words; fp16 elements are halves of them), 1 flags (storage).
// Push: n (elements in this window), first (element index of the window's first element inside
// the binding: the alignment skip), slot.
// @variant _f32 -DF32
// @variant _f16 -DF16
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { uint words[]; };
layout(std430, binding = 1) buffer Flags { uint flags[]; };
layout(push_constant) uniform Push {
    uint n;
    uint first;
    uint slot;
} p;

bool non_finite(uint i) {
#ifdef F16
    uint e = p.first + i, bits = (words[e >> 1] >> ((e & 1u) * 16u)) & 0xFFFFu;
    return (bits & 0x7C00u) == 0x7C00u;
#else
    return (words[p.first + i] & 0x7F800000u) == 0x7F800000u;
#endif
}

void main() {
    const uint n = p.n, base = linear_group_index() * 1024 + gl_LocalInvocationID.x;
    uint found = 0;
    for (uint k = 0; k < 4; k++) {
        uint i = base + k * 256;
        if (i < n && non_finite(i)) found++;
    }
    if (found != 0) atomicAdd(flags[p.slot], found);
}
