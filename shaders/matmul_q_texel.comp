#version 450
// matmul_q_texel.comp — linear layer with a quantized weight: out[m, n] = sum_k x[m, k] * W[n, k]
// (+ bias[n]) (+ residual[m, n]), where W stays quantized in GPU memory and is dequantized in
// registers as it is read (never written back as fp16).
// Weights: the GPU layout of src/ops/quant.h (per row: every block's level bits in 32-value chunks
// of whole 16-byte texels, then the blocks' scale records), read as RGBA32UI texels.
// Register blocking as matmul_texel: each invocation owns TM rows x TN columns; K is walked in
// chunks of 32 values (one Q*_0/Q*_1 block, or one eighth of a K-quant super-block): per column
// the chunk's texels (2 to 4) are fetched once and its scales decoded, then 8 groups of 4 values are
// unpacked and multiplied with 4-wide x texels. Arithmetic is scalar fp32 (lavapipe: vec4
// arithmetic is slower). Every value is level * s - m, with (s, m) per half chunk (16 values) so the
// K-quants whose scales cover 16 values (Q2_K, Q3_K, Q6_K) fit the same loop; the types' level
// offsets (Q4_0: 8, Q5_0: 16, Q3_K: 4, Q6_K: 32) are folded into m.
// Geometry: as gemm_texel.glsl (invocation i: row tile i / ntiles, column tile i % ntiles).
// Bindings: 0 x (RGBA texels, fp16 or fp32), 1 w (RGBA32UI), 2 bias (R texels), 3 residual (R), 4 out.
// Push constants: common/gemm_push.glsl (w_off in texels). Specialization: 0 workgroup size, 1 TM,
// 2 TN, 3 QTYPE (ggml type number).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
// @variant _f16_packed -DT=float16_t -DPACKED_X
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_EXT_samplerless_texture_functions : require
#include "linear_index.glsl"
#include "gemm_push.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 16;
layout(constant_id = 2) const uint TN = 8;
layout(constant_id = 3) const uint QTYPE = 8;

#ifdef PACKED_X
// fp16 x bound as RGBA32UI: one fetch brings two groups (8 values); half the fetch calls of RGBA16F
// on Mesa 25 (see gemm_texel.glsl). The host picks it where x's rows start on 16-byte texels.
layout(binding = 0) uniform utextureBuffer xs;
const uint GS = 2u; // groups per step
#else
layout(binding = 0) uniform textureBuffer xs;
const uint GS = 1u;
#endif
layout(binding = 1) uniform utextureBuffer ws;
layout(binding = 2) uniform textureBuffer bs;
layout(binding = 3) uniform textureBuffer rs;
layout(std430, binding = 4) writeonly buffer O { T o[]; };

// ggml type numbers
const uint Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14;
const bool KQUANT = QTYPE >= Q2_K;
// Texels of level bits per block and bytes per scale record (src/core/tensor.h).
const uint LT = QTYPE == Q8_0 ? 2 : QTYPE == Q2_K ? 5 : QTYPE == Q3_K ? 6 : QTYPE == Q4_K ? 8 : QTYPE == Q5_K ? 10
              : QTYPE == Q6_K ? 13 : 1;
const uint SB = QTYPE == Q4_0 || QTYPE == Q8_0 || QTYPE == Q6_K ? 2 : QTYPE == Q4_1 || QTYPE == Q2_K ? 4
              : QTYPE == Q5_0 || QTYPE == Q5_1 ? 8 : 16;
const uint CPB = KQUANT ? 8 : 1; // chunks per block

uint byte_of(uint w, uint k) { return (w >> (8u * k)) & 0xFFu; }
// Byte k (0..15, dynamic) of a texel.
uint texel_byte(uvec4 t, uint k) { return byte_of(t[k >> 2], k & 3u); }

// Q4_K / Q5_K: 6-bit scale and min of sub-block j from the record (d, dmin, then 12 packed bytes).
void scale_min_k4(uvec4 r, uint j, out float sc, out float mn) {
    if (j < 4u) {
        sc = float(texel_byte(r, 4u + j) & 63u);
        mn = float(texel_byte(r, 8u + j) & 63u);
    } else {
        uint q4 = texel_byte(r, 8u + j);
        sc = float((q4 & 15u) | ((texel_byte(r, j) >> 6) << 4));
        mn = float((q4 >> 4) | ((texel_byte(r, 4u + j) >> 6) << 4));
    }
}

// Q3_K: scale i (0..15) from the record's 12 packed bytes, minus 32.
float scale_q3k(uvec4 r, uint i) {
    uint low = i < 8u ? texel_byte(r, i) & 15u : texel_byte(r, i - 8u) >> 4;
    uint high = (texel_byte(r, 8u + (i & 3u)) >> (2u * (i >> 2))) & 3u;
    return float(int(low | (high << 4)) - 32);
}

// One column's chunk: its level texels and its scales (values 0..15: level * sa - ma, 16..31:
// level * sb - mb).
struct Chunk {
    uvec4 l0, l1; // level texels; which ones, per type: see main's fetches
    float sa, ma, sb, mb;
};

// The chunk's scales from its record texel r (the record's first byte at texel byte rb) and the
// block's extra level texel x (Q2_K: the scale/min bytes; Q6_K: the int8 scales).
void chunk_scales(inout Chunk ch, uvec4 r, uint rb, uvec4 x, uint cib) {
    ch.ma = 0.0;
    ch.mb = 0.0;
    if (QTYPE == Q4_0 || QTYPE == Q8_0 || QTYPE == Q6_K) {
        uint w = r[rb >> 2];
        float d = unpackHalf2x16((rb & 2u) != 0u ? w >> 16 : w).x;
        if (QTYPE == Q6_K) {
            uint sw = x[cib >> 1]; // scales 2 cib, 2 cib + 1
            uint k = (cib & 1u) * 16u;
            ch.sa = d * float(bitfieldExtract(int(sw), int(k), 8));
            ch.sb = d * float(bitfieldExtract(int(sw), int(k + 8u), 8));
            ch.ma = 32.0 * ch.sa;
            ch.mb = 32.0 * ch.sb;
            return;
        }
        ch.sa = d;
        if (QTYPE == Q4_0) ch.ma = 8.0 * d;
    } else if (QTYPE == Q4_1 || QTYPE == Q5_0 || QTYPE == Q5_1) {
        vec2 dm = unpackHalf2x16(r[rb >> 2]);
        ch.sa = dm.x;
        ch.ma = QTYPE == Q5_0 ? 16.0 * dm.x : -dm.y;
    } else if (QTYPE == Q2_K) {
        vec2 dm = unpackHalf2x16(r[rb >> 2]);
        uint sw = x[cib >> 1];
        uint s0 = byte_of(sw, (cib & 1u) * 2u), s1 = byte_of(sw, (cib & 1u) * 2u + 1u);
        ch.sa = dm.x * float(s0 & 15u);
        ch.ma = dm.y * float(s0 >> 4);
        ch.sb = dm.x * float(s1 & 15u);
        ch.mb = dm.y * float(s1 >> 4);
        return;
    } else if (QTYPE == Q3_K) {
        float d = unpackHalf2x16(r.w).x;
        ch.sa = d * scale_q3k(r, 2u * cib);
        ch.sb = d * scale_q3k(r, 2u * cib + 1u);
        ch.ma = 4.0 * ch.sa;
        ch.mb = 4.0 * ch.sb;
        return;
    } else { // Q4_K, Q5_K
        vec2 dm = unpackHalf2x16(r.x);
        float sc, mn;
        scale_min_k4(r, cib, sc, mn);
        ch.sa = dm.x * sc;
        ch.ma = dm.y * mn;
    }
    ch.sb = ch.sa;
    ch.mb = ch.ma;
}

vec4 bytes4(uint q) { return vec4(float(q & 0xFFu), float((q >> 8) & 0xFFu), float((q >> 16) & 0xFFu), float(q >> 24)); }

// The levels of values 4g .. 4g+3 of a chunk (the chunk formats of src/ops/quant.h).
vec4 levels(Chunk ch, uint g, uint cib, uint xw) {
    if (QTYPE == Q8_0) {
        int w = int(g < 4u ? ch.l0[g & 3u] : ch.l1[g & 3u]);
        return vec4(float(bitfieldExtract(w, 0, 8)), float(bitfieldExtract(w, 8, 8)), float(bitfieldExtract(w, 16, 8)),
                    float(bitfieldExtract(w, 24, 8)));
    }
    uint q;
    if (QTYPE == Q2_K || QTYPE == Q3_K) { // pairs: words 2 (cib & 1) + k of l0
        q = (ch.l0[2u * (cib & 1u) + (g >> 2)] >> (2u * (g & 3u))) & 0x03030303u;
        if (QTYPE == Q3_K) q |= ((ch.l1[cib & 3u] >> g) & 0x01010101u) << 2;
    } else { // nibbles in l0
        q = (ch.l0[g & 3u] >> (4u * (g >> 2))) & 0x0F0F0F0Fu;
        if (QTYPE == Q5_0 || QTYPE == Q5_1) q |= ((xw >> g) & 0x01010101u) << 4;
        if (QTYPE == Q5_K) q |= ((ch.l1[cib & 3u] >> g) & 0x01010101u) << 4;
        if (QTYPE == Q6_K) q |= ((ch.l1[2u * (cib & 1u) + (g >> 2)] >> (2u * (g & 3u))) & 0x03030303u) << 4;
    }
    return bytes4(q);
}

void main() {
    const uint M = p.M, N = p.N, K = p.K, ntiles = p.ntiles; // locals: push reads in loops are re-gathered
    uint idx = linear_group_index() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint tm = idx / ntiles, tn = idx - tm * ntiles;
    uint m0 = tm * TM, n0 = tn * TN;
    if (m0 >= M) return;

    float acc[TM][TN];
    [[unroll]] for (uint i = 0; i < TM; i++)
        [[unroll]] for (uint j = 0; j < TN; j++) acc[i][j] = 0.0;

    const uint blocks = K / (32u * CPB);
    const uint row_texels = blocks * LT + (blocks * SB + 15u) / 16u, records = blocks * LT;
    int wrow[TN];
    [[unroll]] for (uint j = 0; j < TN; j++) wrow[j] = int(p.w_off + min(n0 + j, N - 1) * row_texels);
    int xb[TM];
    [[unroll]] for (uint i = 0; i < TM; i++) xb[i] = int((p.x_off + min(m0 + i, M - 1) * K) / (4u * GS));

    const uint chunks = K / 32u;
    for (uint c = 0; c < chunks; c++) {
        uint blk = c / CPB, cib = c - blk * CPB;
        uint rbyte = blk * SB; // the block's record: texel rbyte / 16, byte rbyte % 16
        int rt = int(records + rbyte / 16u);
        uint rb = rbyte % 16u;
        // Every column's texels of the chunk before any arithmetic: Mesa 25's lavapipe calls a
        // function per texel fetch, and a call between two FMA blocks spills what they keep in
        // registers (see gemm_texel.glsl).
        Chunk ch[TN];
        uvec4 rec[TN], ext[TN];
        [[unroll]] for (uint j = 0; j < TN; j++) {
            int lb = wrow[j] + int(blk * LT); // the block's first level texel
            rec[j] = texelFetch(ws, wrow[j] + rt);
            ext[j] = uvec4(0u);
            ch[j].l1 = uvec4(0u);
            if (QTYPE == Q8_0) {
                ch[j].l0 = texelFetch(ws, lb);
                ch[j].l1 = texelFetch(ws, lb + 1);
            } else if (QTYPE == Q2_K || QTYPE == Q3_K) {
                ch[j].l0 = texelFetch(ws, lb + int(cib >> 1));
                if (QTYPE == Q3_K) ch[j].l1 = texelFetch(ws, lb + 4 + int(cib >> 2));
                if (QTYPE == Q2_K) ext[j] = texelFetch(ws, lb + 4);
            } else {
                ch[j].l0 = texelFetch(ws, lb + int(cib));
                if (QTYPE == Q5_K) ch[j].l1 = texelFetch(ws, lb + 8 + int(cib >> 2));
                if (QTYPE == Q6_K) {
                    ch[j].l1 = texelFetch(ws, lb + 8 + int(cib >> 1));
                    ext[j] = texelFetch(ws, lb + 12);
                }
            }
        }
        uint xw[TN]; // Q5_0 / Q5_1: the fifth bits, the record's second word
        [[unroll]] for (uint j = 0; j < TN; j++) {
            chunk_scales(ch[j], rec[j], rb, ext[j], cib);
            xw[j] = QTYPE == Q5_0 || QTYPE == Q5_1 ? rec[j][(rb >> 2) + 1u] : 0u;
        }
        // A loop, not unrolled: the chunk's four steps unrolled overflow the CPU's instruction cache
        // on lavapipe (measured on Mesa 22 and 25: 10-25% slower; two steps per iteration as well).
        [[dont_unroll]] for (uint g0 = 0; g0 < 8u; g0 += GS) {
#ifdef PACKED_X
            uvec4 ax[TM];
            [[unroll]] for (uint i = 0; i < TM; i++) ax[i] = texelFetch(xs, xb[i] + int(c * 4u + g0 / 2u));
#else
            vec4 a[TM];
            [[unroll]] for (uint i = 0; i < TM; i++) a[i] = texelFetch(xs, xb[i] + int(c * 8u + g0));
#endif
            vec4 bj[GS][TN];
            [[unroll]] for (uint h = 0; h < GS; h++) {
                uint g = g0 + h;
                [[unroll]] for (uint j = 0; j < TN; j++)
                    bj[h][j] = levels(ch[j], g, cib, xw[j]) * (g < 4u ? ch[j].sa : ch[j].sb) -
                               (g < 4u ? ch[j].ma : ch[j].mb);
            }
            // The multiply-adds in the fp16 matmul's order (gemm_texel.glsl): per (row, column) all
            // of the step's products into one accumulator, x unpacked where it is used.
            [[unroll]] for (uint j = 0; j < TN; j++) {
#ifdef PACKED_X
                vec4 b0 = bj[0][j], b1 = bj[1][j];
                [[unroll]] for (uint i = 0; i < TM; i++) {
                    vec2 a0 = unpackHalf2x16(ax[i].x), a1 = unpackHalf2x16(ax[i].y);
                    vec2 a2 = unpackHalf2x16(ax[i].z), a3 = unpackHalf2x16(ax[i].w);
                    acc[i][j] += a0.x * b0.x;
                    acc[i][j] += a0.y * b0.y;
                    acc[i][j] += a1.x * b0.z;
                    acc[i][j] += a1.y * b0.w;
                    acc[i][j] += a2.x * b1.x;
                    acc[i][j] += a2.y * b1.y;
                    acc[i][j] += a3.x * b1.z;
                    acc[i][j] += a3.y * b1.w;
                }
#else
                vec4 b = bj[0][j];
                [[unroll]] for (uint i = 0; i < TM; i++) {
                    acc[i][j] += a[i].x * b.x;
                    acc[i][j] += a[i].y * b.y;
                    acc[i][j] += a[i].z * b.z;
                    acc[i][j] += a[i].w * b.w;
                }
#endif
            }
        }
    }

    const bool has_bias = (p.flags & 1u) != 0, has_res = (p.flags & 2u) != 0;
    [[unroll]] for (uint j = 0; j < TN; j++) {
        uint n = n0 + j;
        if (n >= N) break;
        float bias = has_bias ? texelFetch(bs, int(p.b_off + n)).x : 0.0;
        [[unroll]] for (uint i = 0; i < TM; i++) {
            uint m = m0 + i;
            if (m < M) {
                float v = acc[i][j] + bias;
                if (has_res) v += texelFetch(rs, int(p.r_off + m * N + n)).x;
                o[p.o_off + m * N + n] = T(v);
            }
        }
    }
}
