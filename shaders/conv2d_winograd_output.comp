#version 450
// conv2d_winograd_output.comp — the output transform of the Winograd F(2x2, 3x3) convolution
// (src/ops/conv2d_winograd.c): the 16 product matrices M[k][t][n] of tile t become its 2x2 output
// pixels Y = A^T M A, plus bias and residual (the direct convolution's epilogue), written NHWC;
// pixels past an odd-sized edge are dropped.
//   A^T = [1 1 1 0; 0 1 -1 -1]
// A pass covers tiles t0 .. t0 + tiles - 1. One invocation per (tile, output-channel quad). fp32 arithmetic.
// The output is written as an image (a storage texel buffer of its dtype): lavapipe stores a texel in one
// packed store per lane, where an SSBO vec4 costs a looped store per lane and component (gpu.h).
// Bindings: 0 M (texel RGBA), 1 bias (R texel), 2 residual (texel RGBA), 3 out (image RGBA of the
// activation dtype, written). Bias/residual are bound to a harmless range when flags lack them.
// @variant _f32 -DO_FORMAT=rgba32f
// @variant _f16 -DO_FORMAT=rgba16f -DROUND_F16
#extension GL_EXT_samplerless_texture_functions : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "round_f16.glsl"

layout(local_size_x = 64) in;
layout(binding = 0) uniform textureBuffer ms;
layout(binding = 1) uniform textureBuffer bs;
layout(binding = 2) uniform textureBuffer rs;
layout(O_FORMAT, binding = 3) uniform writeonly imageBuffer o;
layout(push_constant) uniform Push {
    uint H, W;     // output size
    uint n4;       // Cout / 4
    uint th, tw;   // tiles per column / row
    uint tiles;    // tiles of this pass (M holds them: M[k][t - t0][n])
    uint m_off;    // texels from the start of the M binding
    uint b_off;    // elements from the start of the bias binding
    uint r_off;    // texels from the start of the residual binding
    uint o_off;    // quads from the start of the out binding
    uint flags;    // 1: bias, 2: residual
    uint t0;       // the pass's first tile (of B * th * tw)
} p;

void main() {
    const uint n4 = p.n4, T = p.tiles, H = p.H, W = p.W, tw = p.tw, th = p.th;
    uint idx = linear_group_index() * 64 + gl_LocalInvocationID.x;
    if (idx >= T * n4) return;
    uint t = idx / n4, c = idx - t * n4, tg = p.t0 + t;
    uint per = th * tw, b = tg / per, r = tg - b * per, ty = r / tw, tx = r - ty * tw;
    const uint stride = T * n4;
    int m0 = int(p.m_off + t * n4 + c);
    vec4 m[4][4];
    [[unroll]] for (int i = 0; i < 4; i++)
        [[unroll]] for (int j = 0; j < 4; j++) m[i][j] = texelFetch(ms, m0 + (4 * i + j) * int(stride));
    vec4 s0[4], s1[4]; // A^T m (rows)
    [[unroll]] for (int j = 0; j < 4; j++) {
        s0[j] = m[0][j] + m[1][j] + m[2][j];
        s1[j] = m[1][j] - m[2][j] - m[3][j];
    }
    vec4 y[2][2];
    y[0][0] = s0[0] + s0[1] + s0[2];
    y[0][1] = s0[1] - s0[2] - s0[3];
    y[1][0] = s1[0] + s1[1] + s1[2];
    y[1][1] = s1[1] - s1[2] - s1[3];
    vec4 bias = vec4(0.0);
    if ((p.flags & 1u) != 0) {
        int bi = int(p.b_off + 4 * c);
        bias = vec4(texelFetch(bs, bi).x, texelFetch(bs, bi + 1).x, texelFetch(bs, bi + 2).x, texelFetch(bs, bi + 3).x);
    }
    const bool has_res = (p.flags & 2u) != 0;
    [[unroll]] for (uint a = 0; a < 2; a++) {
        uint oy = 2 * ty + a;
        if (oy >= H) break;
        [[unroll]] for (uint e = 0; e < 2; e++) {
            uint ox = 2 * tx + e;
            if (ox >= W) break;
            uint pix = ((b * H + oy) * W + ox) * n4 + c;
            vec4 val = y[a][e] + bias;
            if (has_res) val += texelFetch(rs, int(p.r_off + pix));
            imageStore(o, int(p.o_off + pix), ROUNDED(val));
        }
    }
}
