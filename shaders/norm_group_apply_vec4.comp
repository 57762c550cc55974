#version 450
// norm_group_apply_vec4.comp — norm_group_apply.comp with 4 consecutive channels per invocation:
// one RGBA texel fetch and one RGBA image store per row (lavapipe stores an image texel in one
// packed store per lane; an SSBO vector in a loop over the lanes per component: 2-3x slower, and
// per element 2-3x slower again). Used when C is a multiple of 4 and x/out offsets allow. The 4
// channels may straddle a group boundary (10 channels per group at 320), so each component keeps
// its own statistics. Geometry: workgroups of 64; x = blocks of 64 channel quads, y = chunks of P
// rows. Bindings: 0 x (texel RGBA), 1 gamma, 2 beta (texel), 3 stats (fp32 [B*G][2]), 4 out
// (image RGBA of x's dtype, written). fp32 arithmetic, rounded to nearest for fp16 (round_f16.glsl).
// @variant _f32 -DO_FORMAT=rgba32f
// @variant _f16 -DO_FORMAT=rgba16f -DROUND_F16
#extension GL_EXT_samplerless_texture_functions : require
#extension GL_GOOGLE_include_directive : require
#include "round_f16.glsl" // ROUNDED: fp16 image stores may round toward zero

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint SILU = 0;
layout(binding = 0) uniform textureBuffer x;
layout(binding = 1) uniform textureBuffer gamma;
layout(binding = 2) uniform textureBuffer beta;
layout(std430, binding = 3) readonly buffer S { vec2 stats[]; };
layout(O_FORMAT, binding = 4) uniform writeonly imageBuffer o;
layout(push_constant) uniform Push {
    uint rows;      // pixel rows in this window
    uint c;         // channels
    uint cg;        // channels per group
    uint groups;    // G
    uint n;         // pixel rows per batch item
    uint first_row; // global row index of the window's first row
    uint x_off;     // offsets of x and out in their bindings, in units of 4 elements
    uint o_off;
    uint s_off;     // (b, g) pair offset of stats in its binding
    uint chunk;     // P: rows per invocation
} p;

void main() {
    const uint c4 = p.c / 4, q = gl_WorkGroupID.x * 64 + gl_LocalInvocationID.x;
    if (q >= c4) return;
    const uint r0 = gl_WorkGroupID.y * p.chunk, r1 = min(r0 + p.chunk, p.rows);
    const uint ch = 4 * q, n = p.n;
    uvec4 g = uvec4(ch, ch + 1, ch + 2, ch + 3) / p.cg;
    vec4 ga = vec4(texelFetch(gamma, int(ch)).x, texelFetch(gamma, int(ch + 1)).x, texelFetch(gamma, int(ch + 2)).x,
                   texelFetch(gamma, int(ch + 3)).x);
    vec4 be = vec4(texelFetch(beta, int(ch)).x, texelFetch(beta, int(ch + 1)).x, texelFetch(beta, int(ch + 2)).x,
                   texelFetch(beta, int(ch + 3)).x);
    uint gr = p.first_row + r0, b = gr / n, left = n - (gr - b * n); // rows left in item b
    uint sb = p.s_off + b * p.groups;
    vec2 s0 = stats[sb + g.x], s1 = stats[sb + g.y], s2 = stats[sb + g.z], s3 = stats[sb + g.w];
    vec4 mean = vec4(s0.x, s1.x, s2.x, s3.x), scale = vec4(s0.y, s1.y, s2.y, s3.y) * ga;
    uint xi = p.x_off + r0 * c4 + q, oi = p.o_off + r0 * c4 + q;
    for (uint r = r0; r < r1; r++) {
        if (left == 0) { // crossed into the next batch item
            b++;
            left = n;
            sb = p.s_off + b * p.groups;
            s0 = stats[sb + g.x];
            s1 = stats[sb + g.y];
            s2 = stats[sb + g.z];
            s3 = stats[sb + g.w];
            mean = vec4(s0.x, s1.x, s2.x, s3.x);
            scale = vec4(s0.y, s1.y, s2.y, s3.y) * ga;
        }
        vec4 y = (texelFetch(x, int(xi)) - mean) * scale + be; // (x - mean) first: no cancellation
        if (SILU != 0) y = y / (1.0 + exp(-y));
        imageStore(o, int(oi), ROUNDED(y));
        xi += c4;
        oi += c4;
        left--;
    }
}
