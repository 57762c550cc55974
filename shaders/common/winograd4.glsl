// winograd4.glsl — the transform matrices of the Winograd F(4x4, 3x3) convolution
// (src/ops/conv2d_winograd.c), built on the interpolation points 0, 1, -1, 1/2, -2 and infinity.
// The textbook points (0, +-1, +-2) put entries up to 8 and 1/24 into the matrices and lose about
// 3 bits; with 1/2 for 2 the largest entries are 8 in A^T and 2.5 in B^T, and a rounding
// simulation (fp16 kernels, fp32 transforms, SD-like activations) measured 1.3e-3 relative RMS
// error against 2.2e-3 for the textbook points (F(2x2, 3x3) with fp16 scratch: 6.4e-4). Every
// entry of B^T and A^T is a short binary fraction (exact in fp16 and fp32); G has thirds and
// fifteenths, evaluated in fp32.
//   B^T = [1 -3/2 -2  3/2  1  0;      G = [   1      0      0  ;   A^T = [1  1  1   1    1  0;
//          0  -1  1/2 5/2  1  0;             1/3    1/3    1/3 ;          0  1 -1  1/2  -2  0;
//          0   1 -5/2 1/2  1  0;            -1/3    1/3   -1/3 ;          0  1  1  1/4   4  0;
//          0  -2  -1   2   1  0;           -16/15 -8/15  -4/15 ;          0  1 -1  1/8  -8  1]
//          0  1/2 -1 -1/2  1  0;            1/15  -2/15   4/15 ;
//          0   1 -3/2 -2  3/2 1]              0      0      1  ]

// The input transform stores V = B^T d B times this (a power of two: exact), the output transform
// divides it out: V / 64 of any fp16 inputs fits fp16 (conv2d_winograd4_input.comp).
const float WINOGRAD4_V_SCALE = 1.0 / 64.0;

// e = B^T d for one column (or row) of six values.
void winograd4_bt(vec4 d0, vec4 d1, vec4 d2, vec4 d3, vec4 d4, vec4 d5, out vec4 e[6]) {
    e[0] = d0 - 1.5 * d1 - 2.0 * d2 + 1.5 * d3 + d4;
    e[1] = -d1 + 0.5 * d2 + 2.5 * d3 + d4;
    e[2] = d1 - 2.5 * d2 + 0.5 * d3 + d4;
    e[3] = -2.0 * d1 - d2 + 2.0 * d3 + d4;
    e[4] = 0.5 * d1 - d2 - 0.5 * d3 + d4;
    e[5] = d1 - 1.5 * d2 - 2.0 * d3 + 1.5 * d4 + d5;
}

// h = G g for one column (or row) of three kernel taps.
void winograd4_g(vec4 g0, vec4 g1, vec4 g2, out vec4 h[6]) {
    h[0] = g0;
    h[1] = (g0 + g1 + g2) * (1.0 / 3.0);
    h[2] = (g1 - g0 - g2) * (1.0 / 3.0);
    h[3] = (16.0 * g0 + 8.0 * g1 + 4.0 * g2) * (-1.0 / 15.0);
    h[4] = (g0 - 2.0 * g1 + 4.0 * g2) * (1.0 / 15.0);
    h[5] = g2;
}

// y = A^T m for one column (or row) of six products.
void winograd4_at(vec4 m0, vec4 m1, vec4 m2, vec4 m3, vec4 m4, vec4 m5, out vec4 y[4]) {
    vec4 sp = m1 + m2, sm = m1 - m2;
    y[0] = m0 + sp + m3 + m4;
    y[1] = sm + 0.5 * m3 - 2.0 * m4;
    y[2] = sp + 0.25 * m3 + 4.0 * m4;
    y[3] = sm + 0.125 * m3 - 8.0 * m4 + m5;
}
