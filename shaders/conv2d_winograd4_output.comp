#version 450
// conv2d_winograd4_output.comp — the output transform of the Winograd F(4x4, 3x3) convolution
// (src/ops/conv2d_winograd.c): the 36 fp32 product matrices M[k][t][n] of tile t become its 4x4
// output pixels Y = A^T M A / WINOGRAD4_V_SCALE (common/winograd4.glsl; the input transform scaled
// V), plus bias and residual, written NHWC in the activation dtype; pixels past an edge that cuts
// a tile are dropped.
// A pass covers tiles t0 .. t0 + tiles - 1. One invocation per (tile, output-channel quad).
// The output is written as an image (a storage texel buffer of its dtype): lavapipe stores a texel in one
// packed store per lane, where an SSBO vec4 costs a looped store per lane and component (gpu.h).
// Bindings: 0 M (texel RGBA fp32), 1 bias (R texel), 2 residual (texel RGBA), 3 out (image RGBA of
// the activation dtype, written). Bias/residual are bound to a harmless range when flags lack them.
// @variant _f32 -DO_FORMAT=rgba32f
// @variant _f16 -DO_FORMAT=rgba16f -DROUND_F16
#extension GL_EXT_samplerless_texture_functions : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "round_f16.glsl"
#include "winograd4.glsl"

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
    vec4 s[4][6]; // A^T m (columns)
    [[unroll]] for (int j = 0; j < 6; j++) {
        vec4 col[4];
        winograd4_at(texelFetch(ms, m0 + (0 + j) * int(stride)), texelFetch(ms, m0 + (6 + j) * int(stride)),
                     texelFetch(ms, m0 + (12 + j) * int(stride)), texelFetch(ms, m0 + (18 + j) * int(stride)),
                     texelFetch(ms, m0 + (24 + j) * int(stride)), texelFetch(ms, m0 + (30 + j) * int(stride)), col);
        [[unroll]] for (int i = 0; i < 4; i++) s[i][j] = col[i];
    }
    vec4 bias = vec4(0.0);
    if ((p.flags & 1u) != 0) {
        int bi = int(p.b_off + 4 * c);
        bias = vec4(texelFetch(bs, bi).x, texelFetch(bs, bi + 1).x, texelFetch(bs, bi + 2).x, texelFetch(bs, bi + 3).x);
    }
    const bool has_res = (p.flags & 2u) != 0;
    [[unroll]] for (uint a = 0; a < 4; a++) {
        uint oy = 4 * ty + a;
        if (oy >= H) break;
        vec4 y[4]; // (A^T m) A, row a
        winograd4_at(s[a][0], s[a][1], s[a][2], s[a][3], s[a][4], s[a][5], y);
        [[unroll]] for (uint e = 0; e < 4; e++) {
            uint ox = 4 * tx + e;
            if (ox >= W) break;
            uint pix = ((b * H + oy) * W + ox) * n4 + c;
            vec4 val = y[e] * (1.0 / WINOGRAD4_V_SCALE) + bias;
            if (has_res) val += texelFetch(rs, int(p.r_off + pix));
            imageStore(o, int(p.o_off + pix), ROUNDED(val));
        }
    }
}
