#version 450
// conv2d_winograd4_input.comp — the input transform of the Winograd F(4x4, 3x3) convolution
// (src/ops/conv2d_winograd.c): for each 4x4 output tile t and 4 input channels, the 6x6 input
// patch d (rows 4ty-1 .. 4ty+4, columns 4tx-1 .. 4tx+4, zero outside the image: pad 1) becomes
// V = B^T d B (common/winograd4.glsl), stored as 36 matrices V[k][t][c] (k = 6i + j) for one
// batched matrix product of 36 batches, scaled by 1/64 (WINOGRAD4_V_SCALE; the output transform
// multiplies it back, both exact). V's entries are sums of up to 36 inputs with weights whose
// absolute values add up to at most 7 x 7 = 49 (B^T's largest row), so V / 64 of fp16 inputs stays
// within fp16's range whatever they are: the _f16 variant (fp16 activations whose product takes
// the packed fp16 GEMM, src/ops/conv2d_winograd.c) cannot overflow where V itself could.
// A pass covers tiles t0 .. t0 + tiles - 1 (as the F(2x2) transform). One invocation per
// (tile, channel quad); consecutive invocations take consecutive quads of one tile.
// Bindings: 0 x (texel RGBA, NHWC, fp16 or fp32), 1 V (storage of V4 = vec4 or f16vec4, written).
// @variant _f32 -DV4=vec4
// @variant _f16 -DV4=f16vec4
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_samplerless_texture_functions : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "winograd4.glsl"

layout(local_size_x = 64) in;
layout(binding = 0) uniform textureBuffer xs;
layout(std430, binding = 1) writeonly buffer Vb { V4 v[]; };
layout(push_constant) uniform Push {
    uint H, W;     // input (= output) size
    uint c4;       // Cin / 4
    uint th, tw;   // tiles per column / row: ceil(H / 4), ceil(W / 4)
    uint tiles;    // tiles of this pass (V holds them: V[k][t - t0][c])
    uint x_off;    // texels (4 channels) from the start of the x binding
    uint v_off;    // vec4s from the start of the V binding
    uint t0;       // the pass's first tile (of B * th * tw)
} p;

void main() {
    const uint c4 = p.c4, T = p.tiles, H = p.H, W = p.W, tw = p.tw, th = p.th;
    uint idx = linear_group_index() * 64 + gl_LocalInvocationID.x;
    if (idx >= T * c4) return;
    uint t = idx / c4, c = idx - t * c4, tg = p.t0 + t;
    uint per = th * tw, b = tg / per, r = tg - b * per, ty = r / tw, tx = r - ty * tw;
    int iy0 = int(4 * ty) - 1, ix0 = int(4 * tx) - 1;
    vec4 d[6][6];
    [[unroll]] for (int i = 0; i < 6; i++) {
        int iy = iy0 + i;
        bool row_in = iy >= 0 && iy < int(H);
        [[unroll]] for (int j = 0; j < 6; j++) {
            int ix = ix0 + j;
            bool inside = row_in && ix >= 0 && ix < int(W);
            d[i][j] = inside ? texelFetch(xs, int(p.x_off) + ((int(b * H) + iy) * int(W) + ix) * int(c4) + int(c))
                             : vec4(0.0);
        }
    }
    // B^T d (columns), then each row of that times B.
    vec4 e[6][6];
    [[unroll]] for (int j = 0; j < 6; j++) {
        vec4 col[6];
        winograd4_bt(d[0][j], d[1][j], d[2][j], d[3][j], d[4][j], d[5][j], col);
        [[unroll]] for (int i = 0; i < 6; i++) e[i][j] = col[i];
    }
    const uint stride = T * c4;
    uint o = p.v_off + t * c4 + c;
    [[unroll]] for (int i = 0; i < 6; i++) {
        vec4 row[6];
        winograd4_bt(e[i][0], e[i][1], e[i][2], e[i][3], e[i][4], e[i][5], row);
        [[unroll]] for (int j = 0; j < 6; j++) v[o + (6 * i + j) * stride] = V4(row[j] * WINOGRAD4_V_SCALE);
    }
}
