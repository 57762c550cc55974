// gemm_tiled.glsl — the body of matmul_tiled.comp and conv2d_tiled.comp (CONV defined): classic
// shared-memory tiling for real GPUs. A workgroup computes a BM x BN output tile; per step it
// stages a BM x BK slice of x (for conv: gathered on the fly from the NHWC input — an implicit
// GEMM, no im2col buffer) and a BN x BK slice of w in shared memory, then each invocation
// accumulates TM x TN outputs in registers (rows ty + i*BM/TM, columns tx + j*BN/TN: strided so
// neighbouring invocations read neighbouring shared-memory words). fp32 accumulation.
// Geometry: (BM/TM)*(BN/TN) invocations per workgroup; workgroup i of the dispatch (split over
// x/y) takes row tile i / ntiles, column tile i % ntiles; gl_WorkGroupID.z is the batch.
// Bindings: 0 x (SSBO of T), 1 w (SSBO, fp16 or fp32 by W_F16), 2 bias (SSBO, fp16 or fp32 by
// B_F16), 3 residual (SSBO of T), 4 out (SSBO of T, written). fp16 and fp32 views of one binding
// alias (same descriptor) so the weight dtype is a specialization constant, not a variant.
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_control_flow_attributes : require
#include "linear_index.glsl"
#include "gemm_push.glsl"

layout(constant_id = 0) const uint BM = 64;
layout(constant_id = 1) const uint BN = 64;
layout(constant_id = 2) const uint BK = 16;
layout(constant_id = 3) const uint TM = 4;
layout(constant_id = 4) const uint TN = 4;
layout(constant_id = 5) const uint W_F16 = 1;
layout(constant_id = 6) const uint B_F16 = 1;
layout(constant_id = 7) const uint WG = 256; // (BM/TM)*(BN/TN), set by the host
layout(local_size_x_id = 7) in;
// The conv geometry (kh, kw, stride, pad) comes from p.geom, not specialization constants: on a
// GPU the gather's index math is not the bottleneck, and one pipeline per dtype serves every conv
// (lavapipe compiles this kernel slowly, ~10 s, which matters for tests that prove it there).

layout(std430, binding = 0) readonly buffer X { T x[]; };
layout(std430, binding = 1) readonly buffer W16 { float16_t w16[]; };
layout(std430, binding = 1) readonly buffer W32 { float w32[]; };
layout(std430, binding = 2) readonly buffer B16 { float16_t b16[]; };
layout(std430, binding = 2) readonly buffer B32 { float b32[]; };
layout(std430, binding = 3) readonly buffer R { T r[]; };
layout(std430, binding = 4) writeonly buffer O { T o[]; };

shared float As[BK * BM]; // [BK][BM]
shared float Bs[BK * BN]; // [BK][BN]

void main() {
    const uint M = p.M, N = p.N, ntiles = p.ntiles;
    const uint TX = BN / TN, TY = BM / TM;
    uint tile = linear_group_index();
    uint tm = tile / ntiles, tn = tile - tm * ntiles;
    uint m0 = tm * BM, n0 = tn * BN;
    if (m0 >= M) return; // whole workgroup: uniform, no barrier is skipped by part of it
    uint lid = gl_LocalInvocationID.x;
    uint tx = lid % TX, ty = lid / TX;
    uint bz = gl_WorkGroupID.z;
#ifdef CONV
    const uint Cin = p.K;
    const uint H = p.H, Wi = p.W, Ho = p.Ho, Wo = p.Wo;
    const uint KH = GEOM_KH, KW = GEOM_KW, STRIDE = GEOM_STRIDE, PAD = GEOM_PAD;
    const uint Kt = KH * KW * Cin;
#else
    const uint Kt = p.K;
#endif
    const uint xb = p.x_off + bz * p.x_bs, wbase = p.w_off + bz * p.w_bs;

    float acc[TM][TN];
    [[unroll]] for (uint i = 0; i < TM; i++)
        [[unroll]] for (uint j = 0; j < TN; j++) acc[i][j] = 0.0;

    for (uint k0 = 0; k0 < Kt; k0 += BK) {
        for (uint e = lid; e < BM * BK; e += WG) {
            uint row = e / BK, kk = e - row * BK;
            uint m = m0 + row, k = k0 + kk;
            float v = 0.0;
            if (m < M && k < Kt) {
#ifdef CONV
                uint ci = k % Cin, t = k / Cin;
                uint kx = t % KW, ky = t / KW;
                uint gm = p.g0 * Wo + m;
                uint ox = gm % Wo, t2 = gm / Wo;
                uint oy = t2 % Ho, b = t2 / Ho;
                int iy = int(oy * STRIDE + ky) - int(PAD), ix = int(ox * STRIDE + kx) - int(PAD);
                if (iy >= 0 && iy < int(H) && ix >= 0 && ix < int(Wi))
                    v = float(x[xb + ((uint(int(b * H) - int(p.in_row0) + iy)) * Wi + uint(ix)) * Cin + ci]);
#else
                v = float(x[xb + m * Kt + k]);
#endif
            }
            As[kk * BM + row] = v;
        }
        for (uint e = lid; e < BN * BK; e += WG) {
            uint col = e / BK, kk = e - col * BK;
            uint n = n0 + col, k = k0 + kk;
            float v = 0.0;
            if (n < N && k < Kt) {
                uint wi = wbase + n * Kt + k;
                v = W_F16 != 0 ? float(w16[wi]) : w32[wi];
            }
            Bs[kk * BN + col] = v;
        }
        barrier();
        // Not unrolled here: GPU compilers unroll a constant trip count themselves, and lavapipe
        // (which tests this path) compiles the unrolled loop ~5x slower.
        for (uint kk = 0; kk < BK; kk++) {
            float a[TM], b[TN];
            [[unroll]] for (uint i = 0; i < TM; i++) a[i] = As[kk * BM + ty + i * TY];
            [[unroll]] for (uint j = 0; j < TN; j++) b[j] = Bs[kk * BN + tx + j * TX];
            [[unroll]] for (uint i = 0; i < TM; i++)
                [[unroll]] for (uint j = 0; j < TN; j++) acc[i][j] += a[i] * b[j];
        }
        barrier();
    }

    const bool has_bias = (p.flags & 1u) != 0, has_res = (p.flags & 2u) != 0;
    const uint o_base = p.o_off + bz * p.o_bs, r_base = p.r_off + bz * p.o_bs;
    [[unroll]] for (uint j = 0; j < TN; j++) {
        uint n = n0 + tx + j * TX;
        if (n >= N) continue;
        float bias = has_bias ? (B_F16 != 0 ? float(b16[p.b_off + n]) : b32[p.b_off + n]) : 0.0;
        [[unroll]] for (uint i = 0; i < TM; i++) {
            uint m = m0 + ty + i * TY;
            if (m < M) {
                float v = acc[i][j] + bias;
                if (has_res) v += float(r[r_base + m * N + n]);
                o[o_base + m * N + n] = T(v);
            }
        }
    }
}
