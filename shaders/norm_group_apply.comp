#version 450
// norm_group_apply.comp — y = (x - mean[b,g]) * rstd[b,g] * gamma[c] + beta[c], then y*sigmoid(y)
// when SILU, for x [B, N, C] (NHWC rows of C channels).
// Geometry: workgroups of 64 invocations; x = blocks of 64 channels, y = chunks of P pixel rows.
// An invocation owns one channel of P consecutive rows, so gamma, beta and the statistics are
// loaded once per invocation and no integer division runs per element (lavapipe scalarises integer
// division: an earlier one-element-per-invocation version with three divisions per element ran at
// 0.1 GB/s). The batch index is tracked incrementally as rows cross item boundaries. The host
// splits tensors over maxStorageBufferRange into windows of whole rows.
// Bindings: 0 x (texel), 1 gamma, 2 beta (texel, fp16 or fp32), 3 stats (fp32 [B*G][2]),
// 4 out (storage, T). fp32 arithmetic.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_samplerless_texture_functions : require

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint SILU = 0;
layout(binding = 0) uniform textureBuffer x;
layout(binding = 1) uniform textureBuffer gamma;
layout(binding = 2) uniform textureBuffer beta;
layout(std430, binding = 3) readonly buffer S { vec2 stats[]; };
layout(std430, binding = 4) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint rows;      // pixel rows in this window
    uint c;         // channels
    uint cg;        // channels per group
    uint groups;    // G
    uint n;         // pixel rows per batch item
    uint first_row; // global row index of the window's first row
    uint x_off;     // element offsets of x and out in their bindings
    uint o_off;
    uint s_off;     // (b, g) pair offset of stats in its binding
    uint chunk;     // P: rows per invocation
} p;

void main() {
    const uint c = p.c, ch = gl_WorkGroupID.x * 64 + gl_LocalInvocationID.x;
    if (ch >= c) return;
    const uint r0 = gl_WorkGroupID.y * p.chunk, r1 = min(r0 + p.chunk, p.rows);
    const uint g = ch / p.cg, n = p.n;
    const float ga = texelFetch(gamma, int(ch)).x, be = texelFetch(beta, int(ch)).x;
    uint gr = p.first_row + r0, b = gr / n, left = n - (gr - b * n); // rows left in item b
    vec2 st = stats[p.s_off + b * p.groups + g];
    float scale = st.y * ga; // (x - mean) * scale + beta: folding mean into the shift cancels when rstd is large
    uint xi = p.x_off + r0 * c + ch, oi = p.o_off + r0 * c + ch;
    for (uint r = r0; r < r1; r++) {
        if (left == 0) { // crossed into the next batch item
            b++;
            left = n;
            st = stats[p.s_off + b * p.groups + g];
            scale = st.y * ga;
        }
        float y = (texelFetch(x, int(xi)).x - st.x) * scale + be;
        if (SILU != 0) y = y / (1.0 + exp(-y));
        o[oi] = T(y);
        xi += c;
        oi += c;
        left--;
    }
}
