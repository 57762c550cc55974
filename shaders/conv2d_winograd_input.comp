#version 450
// conv2d_winograd_input.comp — the input transform of the Winograd F(2x2, 3x3) convolution
// (src/ops/conv2d_winograd.c): for each 2x2 output tile t and 4 input channels, the 4x4 input
// patch d (rows 2ty-1 .. 2ty+2, columns 2tx-1 .. 2tx+2, zero outside the image: pad 1) becomes
// V = B^T d B, stored as 16 matrices V[k][t][c] (k = 4i + j) so the products with the transformed
// weights are one batched matrix product of 16 batches.
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
// A pass covers tiles t0 .. t0 + tiles - 1 (large images take several: the scratch V stays within
// one binding). One invocation per (tile, channel quad); consecutive invocations take consecutive quads of one
// tile, so the 16 stores of a workgroup are contiguous runs. fp32 arithmetic (exact for fp16
// inputs: sums of at most 4 values of the same binade range). Eight channels per invocation with
// 16-byte stores (half the store loops) measured no faster on Mesa 22 (the VAE decode's input
// transforms at 256x256: 557 ms against 563 ms), nor did float instead of integer division for
// the tile coordinates (within the noise).
// Bindings: 0 x (texel RGBA, NHWC), 1 V (storage of V4 = vec4 or f16vec4, written).
// @variant _f32 -DV4=vec4
// @variant _f16 -DV4=f16vec4
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_samplerless_texture_functions : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 64) in;
layout(binding = 0) uniform textureBuffer xs;
layout(std430, binding = 1) writeonly buffer Vb { V4 v[]; };
layout(push_constant) uniform Push {
    uint H, W;     // input (= output) size
    uint c4;       // Cin / 4
    uint th, tw;   // tiles per column / row: ceil(H / 2), ceil(W / 2)
    uint tiles;    // tiles of this pass (V holds them: V[k][t - t0][c])
    uint x_off;    // texels (4 channels) from the start of the x binding
    uint v_off;    // quads from the start of the V binding
    uint t0;       // the pass's first tile (of B * th * tw)
} p;

void main() {
    const uint c4 = p.c4, T = p.tiles, H = p.H, W = p.W, tw = p.tw, th = p.th;
    uint idx = linear_group_index() * 64 + gl_LocalInvocationID.x;
    if (idx >= T * c4) return;
    uint t = idx / c4, c = idx - t * c4, tg = p.t0 + t;
    uint per = th * tw, b = tg / per, r = tg - b * per, ty = r / tw, tx = r - ty * tw;
    int iy0 = int(2 * ty) - 1, ix0 = int(2 * tx) - 1;
    vec4 d[4][4];
    [[unroll]] for (int i = 0; i < 4; i++) {
        int iy = iy0 + i;
        bool row_in = iy >= 0 && iy < int(H);
        [[unroll]] for (int j = 0; j < 4; j++) {
            int ix = ix0 + j;
            bool inside = row_in && ix >= 0 && ix < int(W);
            d[i][j] = inside ? texelFetch(xs, int(p.x_off) + ((int(b * H) + iy) * int(W) + ix) * int(c4) + int(c))
                             : vec4(0.0);
        }
    }
    // B^T d (rows), then (.) B (columns).
    vec4 e[4][4];
    [[unroll]] for (int j = 0; j < 4; j++) {
        e[0][j] = d[0][j] - d[2][j];
        e[1][j] = d[1][j] + d[2][j];
        e[2][j] = d[2][j] - d[1][j];
        e[3][j] = d[1][j] - d[3][j];
    }
    const uint stride = T * c4;
    uint o = p.v_off + t * c4 + c;
    [[unroll]] for (int i = 0; i < 4; i++) {
        v[o + (4 * i + 0) * stride] = V4(e[i][0] - e[i][2]);
        v[o + (4 * i + 1) * stride] = V4(e[i][1] + e[i][2]);
        v[o + (4 * i + 2) * stride] = V4(e[i][2] - e[i][1]);
        v[o + (4 * i + 3) * stride] = V4(e[i][1] - e[i][3]);
    }
}
