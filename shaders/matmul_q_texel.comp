#version 450
// matmul_q_texel.comp — linear layer with a quantized weight: out[m, n] = sum_k x[m, k] * W[n, k]
// (+ bias[n]) (+ residual[m, n]), where W stays in ggml's blocks in GPU memory and is dequantized
// in registers as it is read (never written back as fp16).
// Weights: rows of K values, each row K / BE blocks in the GPU block layout of src/ops/quant.h
// (ggml's layout padded to whole 32-bit words), read as R32UI words through a uniform texel buffer.
// Register blocking as matmul_texel: each invocation owns TM rows x TN columns; K is walked in
// chunks of 32 values (one Q*_0/Q*_1 block, or one eighth of a K-quant super-block): per column
// the chunk's scales are decoded once, then 8 groups of 4 values are unpacked and multiplied with
// 4-wide x texels. Arithmetic is scalar fp32 (lavapipe: vec4 arithmetic is slower).
// Every group's value is level * s - m, with (s, m) per half chunk (16 values) so the K-quants whose
// scales cover 16 values (Q2_K, Q3_K, Q6_K) fit the same loop. Q6_K's blocks are regrouped at upload
// so that a chunk is 6 whole words, fetched once per chunk and column (ggml's layout took 16 fetches).
// Geometry: as gemm_texel.glsl (invocation i: row tile i / ntiles, column tile i % ntiles).
// Bindings: 0 x (RGBA texels, fp16 or fp32), 1 w (R32UI), 2 bias (R texels), 3 residual (R), 4 out.
// Push constants: common/gemm_push.glsl (w_off in words). Specialization: 0 workgroup size, 1 TM,
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
// Words per GPU block and 32-value chunks per block.
const uint WB = QTYPE == Q4_0 ? 5 : QTYPE == Q4_1 ? 5 : QTYPE == Q5_0 ? 6 : QTYPE == Q5_1 ? 6 : QTYPE == Q8_0 ? 9
              : QTYPE == Q2_K ? 21 : QTYPE == Q3_K ? 28 : QTYPE == Q4_K ? 36 : QTYPE == Q5_K ? 44 : 53;
const uint CPB = QTYPE >= Q2_K ? 8 : 1;

uint word(int at) { return texelFetch(ws, at).x; }
uint byte_of(uint w, uint k) { return (w >> (8u * k)) & 0xFFu; }
// Byte k of the block that starts at word b.
uint block_byte(int b, uint k) { return byte_of(word(b + int(k >> 2)), k & 3u); }

// Q4_K / Q5_K: 6-bit scale and min of sub-block j from the 12 packed bytes at byte 4 of the block.
void scale_min_k4(int b, uint j, out float sc, out float mn) {
    if (j < 4u) {
        sc = float(block_byte(b, 4u + j) & 63u);
        mn = float(block_byte(b, 8u + j) & 63u);
    } else {
        uint q4 = block_byte(b, 8u + j);
        sc = float((q4 & 15u) | ((block_byte(b, j) >> 6) << 4));
        mn = float((q4 >> 4) | ((block_byte(b, 4u + j) >> 6) << 4));
    }
}

// Q3_K: scale i (0..15) from the 12 packed bytes at byte 96, minus 32.
float scale_q3k(int b, uint i) {
    uint low = i < 8u ? block_byte(b, 96u + i) & 15u : block_byte(b, 96u + i - 8u) >> 4;
    uint high = (block_byte(b, 104u + (i & 3u)) >> (2u * (i >> 2))) & 3u;
    return float(int(low | (high << 4)) - 32);
}

// The chunk's scales: values 0..15 are level * sa - ma, 16..31 level * sb - mb; `aux` keeps a word
// the groups need (Q5_0/Q5_1: the fifth bits).
void chunk_params(int b, uint cib, out float sa, out float ma, out float sb, out float mb, out uint aux) {
    aux = 0u;
    ma = 0.0;
    mb = 0.0;
    if (QTYPE == Q8_0 || QTYPE == Q4_0 || QTYPE == Q5_0) {
        sa = unpackHalf2x16(word(b)).x;
        if (QTYPE == Q5_0) aux = word(b + 1);
    } else if (QTYPE == Q4_1 || QTYPE == Q5_1) {
        vec2 dm = unpackHalf2x16(word(b));
        sa = dm.x;
        ma = -dm.y;
        if (QTYPE == Q5_1) aux = word(b + 1);
    } else if (QTYPE == Q2_K) {
        vec2 dm = unpackHalf2x16(word(b + 20));
        uint s0 = block_byte(b, 2u * cib), s1 = block_byte(b, 2u * cib + 1u);
        sa = dm.x * float(s0 & 15u);
        ma = dm.y * float(s0 >> 4);
        sb = dm.x * float(s1 & 15u);
        mb = dm.y * float(s1 >> 4);
        return;
    } else if (QTYPE == Q3_K) {
        float d = unpackHalf2x16(word(b + 27)).x;
        sa = d * scale_q3k(b, 2u * cib);
        sb = d * scale_q3k(b, 2u * cib + 1u);
        return;
    } else if (QTYPE == Q4_K || QTYPE == Q5_K) {
        vec2 dm = unpackHalf2x16(word(b));
        float sc, mn;
        scale_min_k4(b, cib, sc, mn);
        sa = dm.x * sc;
        ma = dm.y * mn;
    } else { // Q6_K
        float d = unpackHalf2x16(word(b + 52)).x;
        uint sw = word(b + 48 + int(cib >> 1)); // scales 2*cib, 2*cib+1: bytes (cib&1)*2 .. +1
        uint k = (cib & 1u) * 2u;
        sa = d * float(bitfieldExtract(int(sw), int(8u * k), 8));
        sb = d * float(bitfieldExtract(int(sw), int(8u * k + 8u), 8));
        return;
    }
    sb = sa;
    mb = ma;
}

vec4 nibbles(uint w, uint shift) {
    return vec4(float((w >> shift) & 15u), float((w >> (shift + 8u)) & 15u), float((w >> (shift + 16u)) & 15u),
                float((w >> (shift + 24u)) & 15u));
}
vec4 bitpairs(uint w, uint shift) {
    return vec4(float((w >> shift) & 3u), float((w >> (shift + 8u)) & 3u), float((w >> (shift + 16u)) & 3u),
                float((w >> (shift + 24u)) & 3u));
}
vec4 bits(uint w, uint shift) {
    return vec4(float((w >> shift) & 1u), float((w >> (shift + 8u)) & 1u), float((w >> (shift + 16u)) & 1u),
                float((w >> (shift + 24u)) & 1u));
}

// The levels of values 4g .. 4g+3 of chunk `cib` of the block at word b.
vec4 levels(int b, uint cib, uint g, uint aux) {
    if (QTYPE == Q8_0) {
        int w = int(word(b + 1 + int(g)));
        return vec4(float(bitfieldExtract(w, 0, 8)), float(bitfieldExtract(w, 8, 8)), float(bitfieldExtract(w, 16, 8)),
                    float(bitfieldExtract(w, 24, 8)));
    } else if (QTYPE == Q4_0 || QTYPE == Q4_1) {
        vec4 q = nibbles(word(b + 1 + int(g & 3u)), (g >> 2) * 4u);
        return QTYPE == Q4_0 ? q - 8.0 : q;
    } else if (QTYPE == Q5_0 || QTYPE == Q5_1) {
        vec4 q = nibbles(word(b + 2 + int(g & 3u)), (g >> 2) * 4u);
        uint h = aux >> (4u * g); // value v's fifth bit is bit v of qh
        q += 16.0 * vec4(float(h & 1u), float((h >> 1) & 1u), float((h >> 2) & 1u), float((h >> 3) & 1u));
        return QTYPE == Q5_0 ? q - 16.0 : q;
    } else if (QTYPE == Q2_K) {
        uint n = cib >> 2, j = cib & 3u;
        return bitpairs(word(b + 4 + int(8u * n + g)), 2u * j);
    } else if (QTYPE == Q3_K) {
        uint n = cib >> 2, j = cib & 3u;
        vec4 q = bitpairs(word(b + 8 + int(8u * n + g)), 2u * j);
        vec4 h = bits(word(b + int(g)), 4u * n + j);
        return q - 4.0 * (1.0 - h);
    } else if (QTYPE == Q4_K) {
        uint n = cib >> 1;
        return nibbles(word(b + 4 + int(8u * n + g)), (cib & 1u) * 4u);
    } else if (QTYPE == Q5_K) {
        uint n = cib >> 1;
        uint lo = (word(b + 12 + int(8u * n + g)) >> ((cib & 1u) * 4u)) & 0x0F0F0F0Fu;
        uint q = lo | (((word(b + 4 + int(g)) >> cib) & 0x01010101u) << 4);
        return vec4(float(q & 0xFFu), float((q >> 8) & 0xFFu), float((q >> 16) & 0xFFu), float(q >> 24));
    }
    return vec4(0.0); // Q6_K: levels_q6k from the chunk's words
}

// Q6_K in its GPU layout (src/ops/quant.h): values 4g .. 4g+3 of a chunk from its nibble word g & 3
// and its high-bit word g >> 2, the four 6-bit levels assembled as bytes of one word.
vec4 levels_q6k(uint lo_word, uint hi_word, uint g) {
    uint lo = (lo_word >> ((g >> 2) * 4u)) & 0x0F0F0F0Fu;
    uint hi = (hi_word >> (2u * (g & 3u))) & 0x03030303u;
    uint q = lo | (hi << 4);
    return vec4(float(q & 0xFFu), float((q >> 8) & 0xFFu), float((q >> 16) & 0xFFu), float(q >> 24)) - 32.0;
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

    const uint row_words = K / (32u * CPB) * WB;
    int wrow[TN];
    [[unroll]] for (uint j = 0; j < TN; j++) wrow[j] = int(p.w_off + min(n0 + j, N - 1) * row_words);
    int xb[TM];
    [[unroll]] for (uint i = 0; i < TM; i++) xb[i] = int((p.x_off + min(m0 + i, M - 1) * K) / (4u * GS));

    const uint chunks = K / 32u;
    for (uint c = 0; c < chunks; c++) {
        uint blk = c / CPB, cib = c - blk * CPB;
        int wb[TN];
        float sa[TN], ma[TN], sb[TN], mb[TN];
        uint aux[TN];
        uint q6[TN][6]; // Q6_K: the chunk's 4 nibble words and 2 high-bit words, fetched once
        [[unroll]] for (uint j = 0; j < TN; j++) {
            wb[j] = wrow[j] + int(blk * WB);
            chunk_params(wb[j], cib, sa[j], ma[j], sb[j], mb[j], aux[j]);
            if (QTYPE == Q6_K) {
                [[unroll]] for (uint w = 0; w < 4u; w++) q6[j][w] = word(wb[j] + int(4u * cib + w));
                q6[j][4] = word(wb[j] + int(32u + 2u * cib));
                q6[j][5] = word(wb[j] + int(33u + 2u * cib));
            }
        }
        [[unroll]] for (uint g0 = 0; g0 < 8u; g0 += GS) {
            vec4 a[GS][TM];
#ifdef PACKED_X
            [[unroll]] for (uint i = 0; i < TM; i++) {
                uvec4 t = texelFetch(xs, xb[i] + int(c * 4u + g0 / 2u));
                a[0][i] = vec4(unpackHalf2x16(t.x), unpackHalf2x16(t.y));
                a[1][i] = vec4(unpackHalf2x16(t.z), unpackHalf2x16(t.w));
            }
#else
            [[unroll]] for (uint i = 0; i < TM; i++) a[0][i] = texelFetch(xs, xb[i] + int(c * 8u + g0));
#endif
            // Every column's weights of the step before the multiply-adds: Mesa 25's lavapipe calls
            // a function per texel fetch, and a call between two FMA blocks spills what they keep in
            // registers (see gemm_texel.glsl).
            vec4 bj[GS][TN];
            [[unroll]] for (uint h = 0; h < GS; h++) {
                uint g = g0 + h;
                [[unroll]] for (uint j = 0; j < TN; j++) {
                    vec4 l = QTYPE == Q6_K ? levels_q6k(q6[j][g & 3u], q6[j][4u + (g >> 2)], g)
                                           : levels(wb[j], cib, g, aux[j]);
                    bj[h][j] = l * (g < 4u ? sa[j] : sb[j]) - (g < 4u ? ma[j] : mb[j]);
                }
            }
            [[unroll]] for (uint h = 0; h < GS; h++) {
                [[unroll]] for (uint j = 0; j < TN; j++) {
                    vec4 b = bj[h][j];
                    [[unroll]] for (uint i = 0; i < TM; i++) {
                        acc[i][j] += a[h][i].x * b.x;
                        acc[i][j] += a[h][i].y * b.y;
                        acc[i][j] += a[h][i].z * b.z;
                        acc[i][j] += a[h][i].w * b.w;
                    }
                }
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
