#version 450
// attention_texel.comp — fused attention for CPU Vulkan drivers (lavapipe): out = softmax(q kᵀ·scale) v.
// Geometry: one invocation owns QR query rows of one head (rows base + r*64 + lane, r < QR) and keeps
// their scaled queries and output accumulators in registers; it walks all Tk keys in blocks of KB:
// KB scores per row, one rescale of the accumulators per block (online softmax, fp32 max and sum,
// exp2 with log2(e) folded into the scale), then the KB value rows are accumulated.
// K and V rows are the same for every lane, fetched through uniform texel buffers (lavapipe's fast,
// vectorised load path; fp16 views convert for free). No shared memory and no barriers.
// Workgroups: x = query blocks of 64*QR rows, y = B*H.
// Bindings: 0 q, 1 k, 2 v (texel buffers, vec4 = 4 channels), 3 out (storage, V = 4 channels:
// one 4-wide store per 4 outputs, since lavapipe's stores run a per-lane loop each). out's offset
// and stride are in units of 4 elements here.
// PACKED (fp16, D % 8 == 0): K and V bound as RGBA32UI, 8 channels a fetch (unpacked in registers),
// their offsets and strides in units of 8 elements: half the fetches, which Mesa 25's lavapipe
// makes as calls (src/gpu/tuning.c).
// SHARED_KEYS (packed, KB 8, 8-invocation subgroups: the host checks): each invocation fetches one
// key's K (and V) row of the block, and subgroupBroadcast hands the 8 rows round: a tenth of the
// fetch calls on Mesa 25 (src/ops/attention.c's shares_keys has the measurements).
// @variant _f32 -DV=vec4
// @variant _f16 -DV=f16vec4
// @variant _f16_packed -DV=f16vec4 -DPACKED
// @variant _f16_packed_shared -DV=f16vec4 -DPACKED -DSHARED_KEYS
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_samplerless_texture_functions : require
#ifdef SHARED_KEYS
#extension GL_KHR_shader_subgroup_ballot : require
#endif
#include "attention_push.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint D = 40; // head dim (multiple of 4)
layout(constant_id = 1) const uint QR = 2; // query rows per invocation (register block)
layout(constant_id = 2) const uint KB = 8; // keys per softmax block
const uint D4 = D / 4;

layout(binding = 0) uniform textureBuffer q_t;
#ifdef PACKED
layout(binding = 1) uniform utextureBuffer k_t;
layout(binding = 2) uniform utextureBuffer v_t;
const uint DKV = D / 8; // texels per K or V row of a head
#else
layout(binding = 1) uniform textureBuffer k_t;
layout(binding = 2) uniform textureBuffer v_t;
const uint DKV = D4;
#endif
layout(std430, binding = 3) writeonly buffer O { V o[]; };

void main() {
    const uint tq = p.tq, tk = p.tk, heads = p.heads;
    const uint bh = gl_WorkGroupID.y, b = bh / heads, h = bh % heads;
    const uint base = gl_WorkGroupID.x * 64 * QR + gl_LocalInvocationID.x;

    float qv[QR * D];
    float acc[QR * D];
    float m[QR], l[QR];
    [[unroll]] for (uint r = 0; r < QR; r++) {
        uint row = min(base + r * 64, tq - 1); // rows past the end compute a copy of the last, never stored
        uint at = p.q_off + (b * tq + row) * p.q_stride + h * D4;
        [[unroll]] for (uint i = 0; i < D4; i++) {
            vec4 t = texelFetch(q_t, int(at + i)) * p.scale;
            qv[r * D + 4 * i] = t.x;
            qv[r * D + 4 * i + 1] = t.y;
            qv[r * D + 4 * i + 2] = t.z;
            qv[r * D + 4 * i + 3] = t.w;
        }
        [[unroll]] for (uint d = 0; d < D; d++) acc[r * D + d] = 0.0;
        m[r] = -1e30; // finite: exp2(m_old - m_new) stays 0, never NaN
        l[r] = 0.0;
    }

    const uint kbase = p.k_off + b * tk * p.k_stride + h * DKV;
    const uint vbase = p.v_off + b * tk * p.v_stride + h * DKV;
    const uint kstride = p.k_stride, vstride = p.v_stride;
#ifdef SHARED_KEYS
    const uint lane = gl_SubgroupInvocationID;
#define BCAST8(all, own)                                                                    \
    [[unroll]] for (uint i = 0; i < DKV; i++) {                                             \
        all[i] = subgroupBroadcast(own[i], 0);           all[DKV + i] = subgroupBroadcast(own[i], 1);     \
        all[2 * DKV + i] = subgroupBroadcast(own[i], 2); all[3 * DKV + i] = subgroupBroadcast(own[i], 3); \
        all[4 * DKV + i] = subgroupBroadcast(own[i], 4); all[5 * DKV + i] = subgroupBroadcast(own[i], 5); \
        all[6 * DKV + i] = subgroupBroadcast(own[i], 6); all[7 * DKV + i] = subgroupBroadcast(own[i], 7); \
    }
#endif
    for (uint j0 = 0; j0 < tk; j0 += KB) {
        float s[QR * KB];
#ifdef SHARED_KEYS
        uvec4 kall[KB * DKV];
        {
            uvec4 own[DKV];
            uint at = kbase + min(j0 + lane, tk - 1) * kstride;
            [[unroll]] for (uint i = 0; i < DKV; i++) own[i] = texelFetch(k_t, int(at + i));
            BCAST8(kall, own)
        }
#endif
        [[unroll]] for (uint j = 0; j < KB; j++) {
            uint at = kbase + min(j0 + j, tk - 1) * kstride;
            [[unroll]] for (uint r = 0; r < QR; r++) s[r * KB + j] = 0.0;
#ifdef PACKED
            uvec4 kw[DKV]; // the row's fetches before its multiply-adds (on Mesa 25 each is a call)
#ifdef SHARED_KEYS
            [[unroll]] for (uint i = 0; i < DKV; i++) kw[i] = kall[j * DKV + i];
#else
            [[unroll]] for (uint i = 0; i < DKV; i++) kw[i] = texelFetch(k_t, int(at + i));
#endif
            [[unroll]] for (uint i = 0; i < DKV; i++) {
                vec2 k0 = unpackHalf2x16(kw[i].x), k1 = unpackHalf2x16(kw[i].y);
                vec2 k2 = unpackHalf2x16(kw[i].z), k3 = unpackHalf2x16(kw[i].w);
                [[unroll]] for (uint r = 0; r < QR; r++) {
                    uint c = r * D + 8 * i;
                    s[r * KB + j] += qv[c] * k0.x + qv[c + 1] * k0.y + qv[c + 2] * k1.x + qv[c + 3] * k1.y +
                                     qv[c + 4] * k2.x + qv[c + 5] * k2.y + qv[c + 6] * k3.x + qv[c + 7] * k3.y;
                }
            }
#else
            [[unroll]] for (uint i = 0; i < D4; i++) {
                vec4 kv = texelFetch(k_t, int(at + i));
                [[unroll]] for (uint r = 0; r < QR; r++)
                    s[r * KB + j] += qv[r * D + 4 * i] * kv.x + qv[r * D + 4 * i + 1] * kv.y +
                                     qv[r * D + 4 * i + 2] * kv.z + qv[r * D + 4 * i + 3] * kv.w;
            }
#endif
        }
        [[unroll]] for (uint r = 0; r < QR; r++) {
            float mx = m[r];
            [[unroll]] for (uint j = 0; j < KB; j++) {
                if (j0 + j >= tk) s[r * KB + j] = -1e30 * 2.0; // masked key: below any running max
                mx = max(mx, s[r * KB + j]);
            }
            float c = exp2(m[r] - mx);
            m[r] = mx;
            float sum = l[r] * c;
            [[unroll]] for (uint j = 0; j < KB; j++) {
                s[r * KB + j] = exp2(s[r * KB + j] - mx);
                sum += s[r * KB + j];
            }
            l[r] = sum;
            [[unroll]] for (uint d = 0; d < D; d++) acc[r * D + d] *= c;
        }
#ifdef SHARED_KEYS
        uvec4 vall[KB * DKV];
        {
            uvec4 own[DKV];
            uint at = vbase + min(j0 + lane, tk - 1) * vstride;
            [[unroll]] for (uint i = 0; i < DKV; i++) own[i] = texelFetch(v_t, int(at + i));
            BCAST8(vall, own)
        }
#endif
        [[unroll]] for (uint j = 0; j < KB; j++) {
            uint at = vbase + min(j0 + j, tk - 1) * vstride;
#ifdef PACKED
            uvec4 vw[DKV];
#ifdef SHARED_KEYS
            [[unroll]] for (uint i = 0; i < DKV; i++) vw[i] = vall[j * DKV + i];
#else
            [[unroll]] for (uint i = 0; i < DKV; i++) vw[i] = texelFetch(v_t, int(at + i));
#endif
            [[unroll]] for (uint i = 0; i < DKV; i++) {
                vec2 v0 = unpackHalf2x16(vw[i].x), v1 = unpackHalf2x16(vw[i].y);
                vec2 v2 = unpackHalf2x16(vw[i].z), v3 = unpackHalf2x16(vw[i].w);
                [[unroll]] for (uint r = 0; r < QR; r++) {
                    float pj = s[r * KB + j];
                    uint c = r * D + 8 * i;
                    acc[c] += pj * v0.x;
                    acc[c + 1] += pj * v0.y;
                    acc[c + 2] += pj * v1.x;
                    acc[c + 3] += pj * v1.y;
                    acc[c + 4] += pj * v2.x;
                    acc[c + 5] += pj * v2.y;
                    acc[c + 6] += pj * v3.x;
                    acc[c + 7] += pj * v3.y;
                }
            }
#else
            [[unroll]] for (uint i = 0; i < D4; i++) {
                vec4 vv = texelFetch(v_t, int(at + i));
                [[unroll]] for (uint r = 0; r < QR; r++) {
                    float pj = s[r * KB + j];
                    acc[r * D + 4 * i] += pj * vv.x;
                    acc[r * D + 4 * i + 1] += pj * vv.y;
                    acc[r * D + 4 * i + 2] += pj * vv.z;
                    acc[r * D + 4 * i + 3] += pj * vv.w;
                }
            }
#endif
        }
    }

    [[unroll]] for (uint r = 0; r < QR; r++) {
        uint row = base + r * 64;
        if (row >= tq) break;
        float inv = 1.0 / l[r];
        uint at = p.o_off + (b * tq + row) * p.o_stride + h * D4;
        [[unroll]] for (uint i = 0; i < D4; i++)
            o[at + i] = V(vec4(acc[r * D + 4 * i], acc[r * D + 4 * i + 1], acc[r * D + 4 * i + 2], acc[r * D + 4 * i + 3]) * inv);
    }
}
