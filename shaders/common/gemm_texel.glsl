// gemm_texel.glsl — the body of matmul_texel.comp and conv2d_texel.comp (CONV defined): register
// blocking fed by uniform texel buffers, the fast tiling on lavapipe (texelFetch is a vectorised
// gather there; SSBO and shared loads are per-lane loops — see /work/shared/notes/lavapipe.md).
//
// Each invocation owns TM consecutive GEMM rows x TN consecutive columns and walks K in steps of
// VEC (8: PACKED, fp16 pairs in RGBA32UI texels, needs K % 8 == 0 — conv: Cin % 8 == 0; 4: RGBA
// texels, needs K % 4 == 0 — conv: Cin % 4 == 0; 1: R texels, any K). Arithmetic is
// scalar (vec4 arithmetic is ~2x slower on lavapipe), accumulation fp32.
// Geometry: invocation i of the dispatch (workgroups split over x/y, see linear_index.glsl) takes
// row tile i / ntiles and column tile i % ntiles; gl_WorkGroupID.z is the batch (matmul with
// per-batch w).
// SHARED_ROWS (packed only; the host takes it where the subgroup is 8 invocations, TM is 8 or 16
// and the workgroup a whole number of subgroups): a workgroup takes one row tile and consecutive
// column tiles, so its rows' texels are the same for every invocation. Each invocation fetches
// TM / 8 of them and subgroupBroadcast hands them round. Mesa 25's lavapipe calls a function per
// texelFetch, so a step's 24 calls (16 x 8 block) become 10; Mesa 22 inlines the fetch and its
// broadcast costs more than the fetches it saves (src/gpu/tuning.c has the measurements).
// Bindings: 0 x (texel, VEC-wide), 1 w (texel, VEC-wide), 2 bias (R texel), 3 residual (R texel),
// 4 out (SSBO of T, written; OUT_IMAGE: an RGBA image of OUT_FORMAT, 4 columns a texel, for
// N % 4 == 0, TN % 4 == 0 and a texel-aligned o_off and o_bs, which gemm.c checks; OUT_IMAGE1: a
// single-channel image of OUT_FORMAT, any N, one value a store, for the packed kernels' other
// outputs: Mesa 25's lavapipe compiles an image store as a call, where the SSBO stores' per-lane
// loops made those pipelines 5-8 s of its JIT, ten times the image variants'). Bias/residual
// are bound to a dummy range when p.flags lacks them.
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_EXT_samplerless_texture_functions : require
#ifdef SHARED_ROWS
#extension GL_KHR_shader_subgroup_ballot : require
#endif
#include "linear_index.glsl"
#include "gemm_push.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 16;
layout(constant_id = 2) const uint TN = 8;
layout(constant_id = 3) const uint VEC = 4;
layout(constant_id = 4) const uint KH = 1;
layout(constant_id = 5) const uint KW = 1;

#ifdef PACKED
// fp16 operands bound as RGBA32UI: one fetch brings 8 consecutive K values (4 half pairs).
layout(binding = 0) uniform utextureBuffer xs;
layout(binding = 1) uniform utextureBuffer ws;
#else
layout(binding = 0) uniform textureBuffer xs;
layout(binding = 1) uniform textureBuffer ws;
#endif
layout(binding = 2) uniform textureBuffer bs;
layout(binding = 3) uniform textureBuffer rs;
#if defined(OUT_IMAGE) || defined(OUT_IMAGE1)
layout(OUT_FORMAT, binding = 4) uniform writeonly imageBuffer o;
// An fp16 image's store may round toward zero: ROUNDED rounds to nearest first (ROUND_F16), as T(v)
// rounds on the SSBO path.
#include "round_f16.glsl"
#else
layout(std430, binding = 4) writeonly buffer O { T o[]; };
#endif

// acc += dot(a, b) as scalar chains; only .x when VEC == 1.
#define MAC(acc, a, b)                   \
    acc += a.x * b.x;                    \
    if (VEC == 4) {                      \
        acc += a.y * b.y;                \
        acc += a.z * b.z;                \
        acc += a.w * b.w;                \
    }

// PACKED: acc[i][j] += dot(a[i], bws[j]) over the 8 fp16 values of each RGBA32UI texel, unpacked
// in registers, as scalar chains.
#define MAC_PACKED(a, bws)                                                   \
    [[unroll]] for (uint j = 0; j < TN; j++) {                               \
        uvec4 bw = bws[j];                                                   \
        vec2 b0 = unpackHalf2x16(bw.x), b1 = unpackHalf2x16(bw.y);           \
        vec2 b2 = unpackHalf2x16(bw.z), b3 = unpackHalf2x16(bw.w);           \
        [[unroll]] for (uint i = 0; i < TM; i++) {                           \
            vec2 a0 = unpackHalf2x16(a[i].x), a1 = unpackHalf2x16(a[i].y);   \
            vec2 a2 = unpackHalf2x16(a[i].z), a3 = unpackHalf2x16(a[i].w);   \
            acc[i][j] += a0.x * b0.x;                                        \
            acc[i][j] += a0.y * b0.y;                                        \
            acc[i][j] += a1.x * b1.x;                                        \
            acc[i][j] += a1.y * b1.y;                                        \
            acc[i][j] += a2.x * b2.x;                                        \
            acc[i][j] += a2.y * b2.y;                                        \
            acc[i][j] += a3.x * b3.x;                                        \
            acc[i][j] += a3.y * b3.y;                                        \
        }                                                                    \
    }

#ifdef SHARED_ROWS
// a[0 .. TM) from own[TM / 8]: row i is fetched by subgroup invocation i % 8 into its own[i / 8].
// Broadcast lanes must be compile-time constants in SPIR-V 1.3, hence the spelled-out lanes.
#define SHARE8(a, own, r)                                                                         \
    a[8 * r + 0] = subgroupBroadcast(own[r], 0); a[8 * r + 1] = subgroupBroadcast(own[r], 1);     \
    a[8 * r + 2] = subgroupBroadcast(own[r], 2); a[8 * r + 3] = subgroupBroadcast(own[r], 3);     \
    a[8 * r + 4] = subgroupBroadcast(own[r], 4); a[8 * r + 5] = subgroupBroadcast(own[r], 5);     \
    a[8 * r + 6] = subgroupBroadcast(own[r], 6); a[8 * r + 7] = subgroupBroadcast(own[r], 7);
#define SHARE_ROWS(a, own) \
    SHARE8(a, own, 0)      \
    if (TM > 8) { SHARE8(a, own, 1) }
#endif

#ifdef CONV
// Output row m of the window: the window-relative input image-row of its batch (rowb) and its
// top-left tap (iy0, ix0).
void row_geometry(uint m, uint H, uint Ho, uint Wo, uint stride, uint pad, out int rowb, out int iy0, out int ix0) {
    uint gm = p.g0 * Wo + m;
    uint ox = gm % Wo, t = gm / Wo;
    uint oy = t % Ho, b = t / Ho;
    rowb = int(b * H) - int(p.in_row0);
    iy0 = int(oy * stride) - int(pad);
    ix0 = int(ox * stride) - int(pad);
}
#endif

void main() {
    const uint M = p.M, N = p.N, K = p.K, ntiles = p.ntiles; // locals: push reads in loops are re-gathered
#ifdef SHARED_ROWS
    // One row tile per workgroup (gemm.c dispatches ceil(ntiles / wg) workgroups per row tile);
    // invocations past the last column tile compute clamped columns and store nothing.
    const uint col_groups = (ntiles + gl_WorkGroupSize.x - 1) / gl_WorkGroupSize.x;
    const uint g = linear_group_index();
    const uint tm = g / col_groups, tn = (g - tm * col_groups) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    const uint lane = gl_SubgroupInvocationID;
#else
    uint idx = linear_group_index() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint tm = idx / ntiles, tn = idx - tm * ntiles;
#endif
    uint m0 = tm * TM, n0 = tn * TN;
    if (m0 >= M) return;
    uint bz = gl_WorkGroupID.z;

    float acc[TM][TN];
    [[unroll]] for (uint i = 0; i < TM; i++)
        [[unroll]] for (uint j = 0; j < TN; j++) acc[i][j] = 0.0;

    int wb[TN]; // texel index of each column's weight row
#if defined(PACKED) && !defined(CONV)
    // VEC is 8 here: K % 8 == 0 and every row starts on a 16-byte texel. Mesa 25's lavapipe calls
    // a separately compiled fetch function per texelFetch (Mesa 22 inlines it) and each call spills
    // the live vector registers: half as many fetches per multiply-add is what counts there.
    const uint kv = K / 8;
    [[unroll]] for (uint j = 0; j < TN; j++)
        wb[j] = int((p.w_off + bz * p.w_bs + min(n0 + j, N - 1) * K) / 8);
#ifdef SHARED_ROWS
    int xo[TM / 8]; // this invocation's rows: 8 r + lane
    [[unroll]] for (uint r = 0; r < TM / 8; r++)
        xo[r] = int((p.x_off + bz * p.x_bs + min(m0 + 8 * r + lane, M - 1) * K) / 8);
#else
    int xb[TM];
    [[unroll]] for (uint i = 0; i < TM; i++)
        xb[i] = int((p.x_off + bz * p.x_bs + min(m0 + i, M - 1) * K) / 8);
#endif
    for (uint k = 0; k < kv; k++) {
        // Every fetch of the step before its multiply-adds: on Mesa 25 a fetch is a call, and a
        // call between two FMA blocks spills and reloads what the blocks keep in registers.
        uvec4 a[TM], bws[TN];
#ifdef SHARED_ROWS
        uvec4 own[TM / 8];
        [[unroll]] for (uint r = 0; r < TM / 8; r++) own[r] = texelFetch(xs, xo[r] + int(k));
#else
        [[unroll]] for (uint i = 0; i < TM; i++) a[i] = texelFetch(xs, xb[i] + int(k));
#endif
        [[unroll]] for (uint j = 0; j < TN; j++) bws[j] = texelFetch(ws, wb[j] + int(k));
#ifdef SHARED_ROWS
        SHARE_ROWS(a, own)
#endif
        MAC_PACKED(a, bws)
    }
#elif !defined(CONV)
    const uint kv = K / VEC;
    [[unroll]] for (uint j = 0; j < TN; j++)
        wb[j] = int((p.w_off + bz * p.w_bs + min(n0 + j, N - 1) * K) / VEC);
    int xb[TM];
    [[unroll]] for (uint i = 0; i < TM; i++)
        xb[i] = int((p.x_off + bz * p.x_bs + min(m0 + i, M - 1) * K) / VEC);
    for (uint k = 0; k < kv; k++) {
        vec4 a[TM];
        [[unroll]] for (uint i = 0; i < TM; i++) a[i] = texelFetch(xs, xb[i] + int(k));
        [[unroll]] for (uint j = 0; j < TN; j++) {
            vec4 b = texelFetch(ws, wb[j] + int(k));
            [[unroll]] for (uint i = 0; i < TM; i++) { MAC(acc[i][j], a[i], b) }
        }
    }
#else
    const uint H = p.H, W = p.W, Ho = p.Ho, Wo = p.Wo;
    // Stride and padding are push constants, not specialization constants: used once per
    // invocation, they cost nothing there, and the downsampling convolutions then share the 3x3
    // pipeline instead of compiling their own (5 s of a cold start on Mesa 25's lavapipe).
    const uint stride = GEOM_STRIDE, pad = GEOM_PAD;
    const uint cv = K / VEC; // texels per input pixel
    const uint K_all = KH * KW * K;
    [[unroll]] for (uint j = 0; j < TN; j++) wb[j] = int((p.w_off + min(n0 + j, N - 1) * K_all) / VEC);
    // Per output row: the window-relative input image-row of its batch, and its top-left tap.
    int rowb[TM], iy0[TM], ix0[TM];
    [[unroll]] for (uint i = 0; i < TM; i++)
        row_geometry(min(m0 + i, M - 1), H, Ho, Wo, stride, pad, rowb[i], iy0[i], ix0[i]);
#ifdef SHARED_ROWS
    // This invocation's rows (8 r + lane), as above.
    int own_rowb[TM / 8], own_iy0[TM / 8], own_ix0[TM / 8];
    [[unroll]] for (uint r = 0; r < TM / 8; r++)
        row_geometry(min(m0 + 8 * r + lane, M - 1), H, Ho, Wo, stride, pad, own_rowb[r], own_iy0[r], own_ix0[r]);
#endif
    const int xoff = int(p.x_off / VEC);
    // The taps as loops: unrolled (KH and KW are constants), the 9 copies of the body ran 7-15%
    // slower on lavapipe (Mesa 22 and 25; the CPU's instruction cache) and took longer to compile.
    [[dont_unroll]] for (uint ky = 0; ky < KH; ky++) {
        [[dont_unroll]] for (uint kx = 0; kx < KW; kx++) {
            int xb[TM];
            float mask[TM];
            uint valid = 0;
            [[unroll]] for (uint i = 0; i < TM; i++) {
                int iy = iy0[i] + int(ky), ix = ix0[i] + int(kx);
                bool inside = iy >= 0 && iy < int(H) && ix >= 0 && ix < int(W);
                mask[i] = inside ? 1.0 : 0.0;
                valid += inside ? 1u : 0u;
                xb[i] = inside ? xoff + ((rowb[i] + iy) * int(W) + ix) * int(cv) : 0;
            }
            // A tap that only reaches padding adds nothing (image top/bottom rows); a tap inside for
            // every row needs no mask (most of the image); only edge tiles pay for the mask.
            if (valid == 0) continue;
            int wk = int((ky * KW + kx) * cv);
#if defined(PACKED) && defined(SHARED_ROWS)
            // As below, for this invocation's rows only; the others arrive by broadcast.
            int xo[TM / 8];
            uint own_keep[TM / 8];
            [[unroll]] for (uint r = 0; r < TM / 8; r++) {
                int iy = own_iy0[r] + int(ky), ix = own_ix0[r] + int(kx);
                bool inside = iy >= 0 && iy < int(H) && ix >= 0 && ix < int(W);
                own_keep[r] = inside ? 0xffffffffu : 0u;
                xo[r] = inside ? xoff + ((own_rowb[r] + iy) * int(W) + ix) * int(cv) : 0;
            }
            for (uint c = 0; c < cv; c++) {
                uvec4 a[TM], own[TM / 8], bws[TN];
                [[unroll]] for (uint r = 0; r < TM / 8; r++) own[r] = texelFetch(xs, xo[r] + int(c)) & uvec4(own_keep[r]);
                [[unroll]] for (uint j = 0; j < TN; j++) bws[j] = texelFetch(ws, wb[j] + wk + int(c));
                SHARE_ROWS(a, own)
                MAC_PACKED(a, bws)
            }
#elif defined(PACKED)
            // As the packed matmul: 8 input channels a fetch, every fetch of the step before its
            // multiply-adds. A row whose tap is padding reads zeros (the bits of +0.0 halves): an AND
            // per fetch, cheaper than a second copy of the loop for the edge tiles.
            uint keep[TM];
            [[unroll]] for (uint i = 0; i < TM; i++) keep[i] = mask[i] != 0.0 ? 0xffffffffu : 0u;
            for (uint c = 0; c < cv; c++) {
                uvec4 a[TM], bws[TN];
                [[unroll]] for (uint i = 0; i < TM; i++) a[i] = texelFetch(xs, xb[i] + int(c)) & uvec4(keep[i]);
                [[unroll]] for (uint j = 0; j < TN; j++) bws[j] = texelFetch(ws, wb[j] + wk + int(c));
                MAC_PACKED(a, bws)
            }
#else
            if (valid == TM) {
                for (uint c = 0; c < cv; c++) {
                    vec4 a[TM];
                    [[unroll]] for (uint i = 0; i < TM; i++) a[i] = texelFetch(xs, xb[i] + int(c));
                    [[unroll]] for (uint j = 0; j < TN; j++) {
                        vec4 b = texelFetch(ws, wb[j] + wk + int(c));
                        [[unroll]] for (uint i = 0; i < TM; i++) { MAC(acc[i][j], a[i], b) }
                    }
                }
            } else {
                for (uint c = 0; c < cv; c++) {
                    vec4 a[TM];
                    [[unroll]] for (uint i = 0; i < TM; i++) a[i] = texelFetch(xs, xb[i] + int(c)) * mask[i];
                    [[unroll]] for (uint j = 0; j < TN; j++) {
                        vec4 b = texelFetch(ws, wb[j] + wk + int(c));
                        [[unroll]] for (uint i = 0; i < TM; i++) { MAC(acc[i][j], a[i], b) }
                    }
                }
            }
#endif
        }
    }
#endif

    const bool has_bias = (p.flags & 1u) != 0, has_res = (p.flags & 2u) != 0;
    const uint o_base = p.o_off + bz * p.o_bs, r_base = p.r_off + bz * p.o_bs;
#ifdef OUT_IMAGE
    // Four columns a store: lavapipe stores an image texel in one packed store per lane, an SSBO
    // value in a loop over the lanes per element (src/gpu/gpu.h).
    [[unroll]] for (uint j = 0; j < TN; j += 4) {
        uint n = n0 + j;
        if (n >= N) break;
        vec4 bias = vec4(0.0);
        if (has_bias)
            bias = vec4(texelFetch(bs, int(p.b_off + n)).x, texelFetch(bs, int(p.b_off + n + 1)).x,
                        texelFetch(bs, int(p.b_off + n + 2)).x, texelFetch(bs, int(p.b_off + n + 3)).x);
        [[unroll]] for (uint i = 0; i < TM; i++) {
            uint m = m0 + i;
            if (m < M) {
                vec4 v = vec4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]) + bias;
                if (has_res) {
                    int r = int(r_base + m * N + n);
                    v += vec4(texelFetch(rs, r).x, texelFetch(rs, r + 1).x, texelFetch(rs, r + 2).x,
                              texelFetch(rs, r + 3).x);
                }
                imageStore(o, int((o_base + m * N + n) / 4), ROUNDED(v));
            }
        }
    }
#else
    // One scalar store per element. Whole 16-byte words per row (8 fp16 values in one uvec4 store,
    // through a second declaration of binding 4) made the VAE decode's products slower, not faster
    // (256x256, Mesa 22, alternating runs: 7.0-7.1 s against 6.5-6.6 s): SSBO stores cost a loop
    // over the lanes per component whatever the width.
    [[unroll]] for (uint j = 0; j < TN; j++) {
        uint n = n0 + j;
        if (n >= N) break;
        float bias = has_bias ? texelFetch(bs, int(p.b_off + n)).x : 0.0;
        [[unroll]] for (uint i = 0; i < TM; i++) {
            uint m = m0 + i;
            if (m < M) {
                float v = acc[i][j] + bias;
                if (has_res) v += texelFetch(rs, int(r_base + m * N + n)).x;
#ifdef OUT_IMAGE1
                imageStore(o, int(o_base + m * N + n), ROUNDED(vec4(v)));
#else
                o[o_base + m * N + n] = T(v);
#endif
            }
        }
    }
#endif
}
