#version 450
// attention_tiled.comp — fused attention for GPUs: out = softmax(q kᵀ·scale) v, classic FlashAttention
// tiling. A workgroup of 128 invocations owns 32 query rows of one head; 4 neighbouring invocations
// share a row, each holding D/4 of its channels (d = part + 4*i) for the query and the output
// accumulator. Per tile of BK keys: K and V rows are staged in shared memory (fp32), each
// invocation forms partial dot products, subgroupShuffleXor(1, 2) completes them across the 4, and
// an online-softmax update per key (fp32 running max and sum, exp2 with log2(e) in the scale; the
// accumulators are rescaled only when the running max grows) adds the value row. Needs subgroups of at least 4 whose lanes are
// consecutive local invocations (true of every driver we know for 1-D workgroups). The key loop is
// kept rolled: unrolled, lavapipe's JIT took 10-50 s per pipeline (CI runs this kernel there).
// Workgroups: x = blocks of 32 query rows, y = B*H. Bindings: 0 q, 1 k, 2 v (storage, read),
// 3 out (storage, write); offsets and strides in elements.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_GOOGLE_include_directive : require
#include "attention_push.glsl"

layout(local_size_x = 128) in;
layout(constant_id = 0) const uint D = 40;  // head dim (multiple of 4)
layout(constant_id = 1) const uint BK = 32; // keys per shared-memory tile (2*BK*D*4 bytes of shared memory)
const uint DP = D / 4;                      // channels per invocation

layout(std430, binding = 0) readonly buffer Q { T qb[]; };
layout(std430, binding = 1) readonly buffer K { T kb[]; };
layout(std430, binding = 2) readonly buffer V { T vb[]; };
layout(std430, binding = 3) writeonly buffer O { T o[]; };

shared float ks[BK * D];
shared float vs[BK * D];

void main() {
    const uint tq = p.tq, tk = p.tk, heads = p.heads;
    const uint bh = gl_WorkGroupID.y, b = bh / heads, h = bh % heads;
    const uint tid = gl_LocalInvocationID.x, part = tid & 3u;
    const uint row = gl_WorkGroupID.x * 32 + (tid >> 2);
    const uint qrow = min(row, tq - 1);

    float qv[DP], acc[DP];
    const uint qat = p.q_off + (b * tq + qrow) * p.q_stride + h * D + part;
    [[unroll]] for (uint i = 0; i < DP; i++) {
        qv[i] = float(qb[qat + 4 * i]) * p.scale;
        acc[i] = 0.0;
    }
    float m = -1e30, l = 0.0;

    const uint kbase = p.k_off + b * tk * p.k_stride + h * D;
    const uint vbase = p.v_off + b * tk * p.v_stride + h * D;
    for (uint j0 = 0; j0 < tk; j0 += BK) {
        barrier(); // the previous tile is no longer read
        for (uint idx = tid; idx < BK * D; idx += 128) {
            uint j = idx / D, d = idx - j * D;
            uint key = min(j0 + j, tk - 1);
            ks[idx] = float(kb[kbase + key * p.k_stride + d]);
            vs[idx] = float(vb[vbase + key * p.v_stride + d]);
        }
        barrier();
        [[dont_unroll]] for (uint j = 0; j < BK; j++) {
            float t = 0.0;
            [[unroll]] for (uint i = 0; i < DP; i++) t += qv[i] * ks[j * D + part + 4 * i];
            t += subgroupShuffleXor(t, 1); // the 4 lanes of a row end with bit-identical sums
            t += subgroupShuffleXor(t, 2);
            if (j0 + j >= tk) t = -2e30; // masked key: below any running max
            if (t > m) { // rare after the first keys: rescale only when the running max grows
                float c = exp2(m - t);
                l *= c;
                [[unroll]] for (uint i = 0; i < DP; i++) acc[i] *= c;
                m = t;
            }
            float pj = exp2(t - m);
            l += pj;
            [[unroll]] for (uint i = 0; i < DP; i++) acc[i] += pj * vs[j * D + part + 4 * i];
        }
    }
    if (row < tq) {
        float inv = 1.0 / l;
        uint at = p.o_off + (b * tq + row) * p.o_stride + h * D + part;
        [[unroll]] for (uint i = 0; i < DP; i++) o[at + 4 * i] = T(acc[i] * inv);
    }
}
