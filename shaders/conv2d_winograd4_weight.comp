#version 450
// conv2d_winograd4_weight.comp — the weight transform of the Winograd F(4x4, 3x3) convolution
// (src/ops/conv2d_winograd.c): each 3x3 kernel g of (output channel n, input channel c) becomes
// U = G g G^T (common/winograd4.glsl), stored as 36 matrices U[k][n][c] (the batched product's
// per-batch weights, rows of K = Cin as the matmul expects).
// One invocation per (output channel, input-channel quad). fp32 arithmetic, rounded once to U's
// dtype (the activation dtype; the variant).
// U is written as an image (a storage texel buffer of its dtype): lavapipe stores a texel in one
// packed store per lane, where an SSBO vec4 costs a looped store per lane and component (gpu.h).
// Bindings: 0 w (texel RGBA, [Cout, 3, 3, Cin]), 1 U (image RGBA of U's dtype, written).
// @variant _f32 -DU_FORMAT=rgba32f
// @variant _f16 -DU_FORMAT=rgba16f -DROUND_F16
#extension GL_EXT_samplerless_texture_functions : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "round_f16.glsl"
#include "winograd4.glsl"

layout(local_size_x = 64) in;
layout(binding = 0) uniform textureBuffer ws;
layout(U_FORMAT, binding = 1) uniform writeonly imageBuffer u;
layout(push_constant) uniform Push {
    uint c4;    // Cin / 4
    uint n;     // Cout
    uint w_off; // texels from the start of the w binding
    uint u_off; // quads from the start of the U binding
} p;

void main() {
    const uint c4 = p.c4, N = p.n;
    uint idx = linear_group_index() * 64 + gl_LocalInvocationID.x;
    if (idx >= N * c4) return;
    uint n = idx / c4, c = idx - n * c4;
    vec4 g[3][3];
    [[unroll]] for (int ky = 0; ky < 3; ky++)
        [[unroll]] for (int kx = 0; kx < 3; kx++) g[ky][kx] = texelFetch(ws, int(p.w_off + ((n * 3 + ky) * 3 + kx) * c4 + c));
    vec4 h[6][3]; // G g (columns)
    [[unroll]] for (int kx = 0; kx < 3; kx++) {
        vec4 col[6];
        winograd4_g(g[0][kx], g[1][kx], g[2][kx], col);
        [[unroll]] for (int i = 0; i < 6; i++) h[i][kx] = col[i];
    }
    const uint stride = N * c4;
    uint o = p.u_off + n * c4 + c;
    [[unroll]] for (int i = 0; i < 6; i++) { // (G g) G^T
        vec4 row[6];
        winograd4_g(h[i][0], h[i][1], h[i][2], row);
        [[unroll]] for (int j = 0; j < 6; j++) imageStore(u, int(o + (6 * i + j) * stride), ROUNDED(row[j]));
    }
}
