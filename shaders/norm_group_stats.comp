#version 450
// norm_group_stats.comp — mean and 1/sqrt(var + eps) of each (batch item, group) of x [B, N, C]
// (NHWC, N = H*W), groups of CG = C/G consecutive channels.
// Geometry: one workgroup of 256 per (b, g) (x = g, y = b); invocation t sums pixels t, t+256, ...
// Precision: fp32 sums of (x - pivot) and (x - pivot)^2 with the group's first element as pivot,
// so the variance does not cancel catastrophically when |mean| >> std; then a shared-memory tree.
// Bindings: 0 x (texel buffer, one channel per texel), 1 stats (storage, fp32 [B*G][2]).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_samplerless_texture_functions : require

layout(local_size_x = 256) in;
layout(binding = 0) uniform textureBuffer x;
layout(std430, binding = 1) writeonly buffer S { vec2 stats[]; };
layout(push_constant) uniform Push {
    uint n;       // pixels per item (H*W)
    uint c;       // channels
    uint cg;      // channels per group
    uint groups;  // G
    uint x_off;   // element offset of x in its binding
    uint s_off;   // (b, g) pair offset of this dispatch's first item in stats
    float eps;
} p;

shared vec2 part[256];

void main() {
    const uint g = gl_WorkGroupID.x, b = gl_WorkGroupID.y, t = gl_LocalInvocationID.x;
    const uint n = p.n, c = p.c, cg = p.cg;
    const uint base = p.x_off + b * n * c + g * cg;
    const float pivot = texelFetch(x, int(base)).x;
    float s1 = 0.0, s2 = 0.0;
    for (uint i = t; i < n; i += 256) {
        uint at = base + i * c;
        for (uint j = 0; j < cg; j++) {
            float v = texelFetch(x, int(at + j)).x - pivot;
            s1 += v;
            s2 += v * v;
        }
    }
    part[t] = vec2(s1, s2);
    barrier();
    for (uint w = 128; w > 0; w >>= 1) {
        if (t < w) part[t] += part[t + w];
        barrier();
    }
    if (t == 0) {
        float count = float(n) * float(cg);
        float m1 = part[0].x / count;
        float var = max(part[0].y / count - m1 * m1, 0.0);
        stats[p.s_off + b * p.groups + g] = vec2(pivot + m1, inversesqrt(var + p.eps));
    }
}
