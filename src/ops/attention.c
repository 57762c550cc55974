/* attention.c — fused multi-head attention (see attention.h): shape checks, the choice between the
 * texel kernel (lavapipe) and the tiled kernel (GPUs), their tuning, and the dispatch.
 * Leaves out: masks, causal attention (the UNet needs neither) and head dims above 256. */
#include "ops/attention.h"

#include <math.h>
#include <string.h>

#include "ops/bind.h"
#include "ops/common.h"
#include "ops/gemm.h"

/* Mirrors shaders/common/attention_push.glsl. */
struct attention_push {
    uint32_t tq, tk, heads;
    uint32_t q_stride, k_stride, v_stride, o_stride;
    uint32_t q_off, k_off, v_off, o_off;
    float scale;
};

#define MAX_HEAD_DIM 256 /* registers per invocation: the texel kernel keeps QR*D*2 floats live */

op_attention_variant op_attention_pick(const gpu_context *ctx, op_attention_variant requested) {
    const gpu_caps *caps = gpu_context_caps(ctx);
    /* The tiled kernel combines 4 lanes with subgroupShuffleXor (VK_SUBGROUP_FEATURE_SHUFFLE_BIT). */
    bool tiled_ok = caps->subgroup_size >= 4 && (caps->subgroup_ops & 0x10u);
    if (requested == OP_ATTENTION_AUTO) {
        gpu_kernel_variant forced = gpu_context_tuning(ctx)->kernel_variant;
        if (forced == GPU_KERNEL_TEXEL) requested = OP_ATTENTION_TEXEL;
        else if (forced == GPU_KERNEL_TILED) requested = OP_ATTENTION_TILED;
        else requested = caps->is_lavapipe ? OP_ATTENTION_TEXEL : OP_ATTENTION_TILED;
    }
    if (requested == OP_ATTENTION_TILED && !tiled_ok) requested = OP_ATTENTION_TEXEL;
    return requested;
}

/* Register block of the texel kernel, measured on lavapipe (Mesa 22.3, 2-core Zen 5; GFLOP/s per two
 * CPU-seconds at 2048x2048, 8 heads of 40): QR query rows per invocation amortise each K/V texel
 * fetch over QR rows: QR 1/2/4/8 gave 16/24/33/37; KB keys per softmax block amortise the
 * accumulator rescale: 2..16 were within noise of each other at QR >= 4, 4 is the best or close
 * to it everywhere. Larger D leaves fewer registers: at D = 160, QR 4 beat 8 (33 vs 17). QR is then
 * halved while the dispatch would have fewer than 32 workgroups (lavapipe splits a dispatch
 * statically over its threads) or more than a quarter of its rows past Tq; small shapes also
 * compile much faster with small QR (QR 8 at D 80: ~8 s cold JIT, QR 1: < 1 s). The driver table
 * caps QR where the JIT's time grows faster than the kernel gains (src/gpu/tuning.c). */
static void texel_tuning(const gpu_tuning *knobs, const gpu_driver_tuning *row, uint32_t d, int64_t bh, int64_t tq,
                         uint32_t *qr, uint32_t *kb) {
    *qr = d <= 80 ? 8 : d <= 160 ? 4 : 2;
    if (row->attention_qr_max && *qr > row->attention_qr_max) *qr = row->attention_qr_max;
    while (row->attention_span_max && *qr > 1 && *qr * d > row->attention_span_max) *qr /= 2;
    *kb = 4;
    for (; *qr > 1; *qr /= 2) {
        int64_t rows = 64 * (int64_t)*qr, blocks = (tq + rows - 1) / rows;
        if (bh * blocks >= 32 && (blocks * rows - tq) * 4 <= blocks * rows) break;
    }
    if (knobs->attention_qr) *qr = knobs->attention_qr; /* tuning knobs for benchmark experiments */
    if (knobs->attention_kb) *kb = knobs->attention_kb;
}

/* Whether the packed texel kernel fetches a block's K and V rows once per subgroup and broadcasts
 * them (SHARED_KEYS: 8 keys a block, one per invocation of lavapipe's 8-invocation subgroups; the
 * knob, else the driver table). Mesa 25 calls a function per texel fetch: 8 rows of D 40 were 80
 * calls a block and are 10. `pixeen bench --filter attn`, Mesa 25.0.7, two alternating rounds, ms:
 * self-attention 1024^2 (256 px) 63, 65 -> 60, 53; 4096^2 (512 px) 1026, 1015 -> 976, 823 (Mesa
 * 22.3.6: 51 and 815-866 without it; 84-86 and 1385 with it, its broadcast being dear). */
static bool shares_keys(const gpu_context *ctx) {
    const gpu_caps *caps = gpu_context_caps(ctx);
    return gpu_switch_on(gpu_context_tuning(ctx)->attention_shared_keys, gpu_driver_tuning_for(caps)->attention_shared_keys) &&
           caps->subgroup_size == 8;
}

bool op_attention_fused_wanted(const gpu_context *ctx, int64_t tq) {
    if (!ctx) return true;
    uint32_t knob = gpu_context_tuning(ctx)->attention_fused_min;
    uint32_t least = knob ? knob : gpu_driver_tuning_for(gpu_context_caps(ctx))->attention_fused_min;
    return tq >= (int64_t)least;
}

/* Keys per shared tile of the tiled kernel: 2*BK*D fp32 values must fit 16 KiB (half of the
 * 32 KiB every device offers, so two workgroups can share a compute unit). */
static uint32_t tiled_keys(uint32_t d) {
    uint32_t bk = 16384 / (8 * d);
    if (bk > 32) bk = 32;
    return bk >= 16 ? bk / 8 * 8 : (bk >= 8 ? 8 : 4);
}

static pixeen_status shape_error(const char *what, long long got, long long want) {
    return error_set(PIXEEN_ERROR_INTERNAL, "ops: attention: %s is %lld (expected %lld)", what, got, want);
}

void op_attention_record(gpu_recorder *rec, const op_attention_desc *a) {
    gpu_context *ctx = gpu_recorder_context(rec);
    const tensor *q = a->q, *k = a->k, *v = a->v, *out = a->out;
    if (q->rank != 3 || k->rank != 3 || v->rank != 3 || out->rank != 3 || a->heads == 0) {
        char qs[80], ks[80], vs[80], os[80];
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: attention: q %s, k %s, v %s, out %s, %u heads (expected each [B, T, H*D], H > 0)",
                               op_shape_text(q, qs, sizeof qs), op_shape_text(k, ks, sizeof ks),
                               op_shape_text(v, vs, sizeof vs), op_shape_text(out, os, sizeof os), (unsigned)a->heads));
        return;
    }
    int64_t b = q->shape[0], tq = q->shape[1], hd = q->shape[2], tk = k->shape[1];
    int64_t d = hd / a->heads;
    int64_t qs = a->q_stride ? a->q_stride : hd, ks = a->k_stride ? a->k_stride : hd, vs = a->v_stride ? a->v_stride : hd;
    pixeen_status st = PIXEEN_OK;
    if (d * a->heads != hd) st = shape_error("H*D not divisible by H: H*D", hd, d * a->heads);
    else if (d % 4 || d > MAX_HEAD_DIM || d == 0) st = shape_error("head dim (a multiple of 4 up to 256)", d, 40);
    else if (k->shape[0] != b || v->shape[0] != b || out->shape[0] != b) st = shape_error("batch of k, v or out", k->shape[0], b);
    else if (v->shape[1] != tk || k->shape[2] != hd || v->shape[2] != hd) st = shape_error("v's tokens or k/v channels", v->shape[1], tk);
    else if (out->shape[1] != tq || out->shape[2] != hd) st = shape_error("out tokens", out->shape[1], tq);
    else if (q->dtype != k->dtype || q->dtype != v->dtype || q->dtype != out->dtype) st = shape_error("dtype mix", k->dtype, q->dtype);
    else if (qs < hd || ks < hd || vs < hd || qs % 4 || ks % 4 || vs % 4) st = shape_error("a row stride (>= H*D, multiple of 4)", qs % 4 ? qs : ks, hd);
    else if (tq <= 0 || tk <= 0 || b <= 0) st = shape_error("a length", tq <= 0 ? tq : tk, 1);
    else if (b * a->heads > 65535) st = shape_error("B*H", b * a->heads, 65535);
    uint32_t esize = dtype_size(q->dtype);
    if (st == PIXEEN_OK && (q->offset % (4 * esize) || k->offset % (4 * esize) || v->offset % (4 * esize) ||
                            out->offset % (4 * esize)))
        st = shape_error("q, k, v or out byte offset modulo 4 elements", (long long)(q->offset % (4 * esize)), 0);
    if (st != PIXEEN_OK) {
        op_fail(rec, st);
        return;
    }

    op_attention_variant variant = op_attention_pick(ctx, a->variant);
    bool texel = variant == OP_ATTENTION_TEXEL;
    const gpu_caps *caps = gpu_context_caps(ctx);
    uint64_t qbytes = (uint64_t)((b * tq - 1) * qs + hd) * esize, kbytes = (uint64_t)((b * tk - 1) * ks + hd) * esize,
             vbytes = (uint64_t)((b * tk - 1) * vs + hd) * esize, obytes = (uint64_t)(b * tq * hd) * esize;
    uint64_t unit = texel ? 4ull * esize : esize;
    /* K and V 8 fp16 values a texel (RGBA32UI) where whole rows of every head are whole texels:
     * half the fetches (the same driver-table choice as the GEMM's packed operands). */
    bool packed = texel && q->dtype == DTYPE_F16 && d % 8 == 0 && ks % 8 == 0 && vs % 8 == 0 &&
                  k->offset % 16 == 0 && v->offset % 16 == 0 && op_fp16_packed_wanted(ctx);
    uint64_t kv_unit = packed ? 16 : unit;
    bind_kind kind = texel ? BIND_TEXEL : BIND_STORAGE;
    uint64_t skip[4];
    gpu_binding bindings[4] = {
        bind_range(ctx, kind, unit, q->buffer, q->offset, qbytes, false, &skip[0]),
        bind_range(ctx, kind, kv_unit, k->buffer, k->offset, kbytes, false, &skip[1]),
        bind_range(ctx, kind, kv_unit, v->buffer, v->offset, vbytes, false, &skip[2]),
        bind_range(ctx, BIND_STORAGE, unit, out->buffer, out->offset, obytes, true, &skip[3]),
    };
    for (int i = 0; i < 4; i++) {
        uint64_t texel_bytes = i == 1 || i == 2 ? kv_unit : unit;
        bool too_big = (texel && i < 3) ? bindings[i].size / texel_bytes > caps->max_texel_buffer_elements
                                        : bindings[i].size > caps->max_storage_buffer_range;
        if (too_big) {
            op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                                   "ops: attention: operand %d spans %llu bytes, over the device's binding limit "
                                   "(split the batch)", i, (unsigned long long)bindings[i].size));
            return;
        }
    }
    /* Offsets and strides in units of 4 elements for the texel kernel (8 for packed K and V). */
    uint32_t div = texel ? 4 : 1, kv_div = packed ? 8 : div;
    struct attention_push push = {
        .tq = (uint32_t)tq, .tk = (uint32_t)tk, .heads = a->heads,
        .q_stride = (uint32_t)qs / div, .k_stride = (uint32_t)ks / kv_div, .v_stride = (uint32_t)vs / kv_div,
        .o_stride = (uint32_t)hd / div,
        .q_off = (uint32_t)(skip[0] / esize / div), .k_off = (uint32_t)(skip[1] / esize / kv_div),
        .v_off = (uint32_t)(skip[2] / esize / kv_div), .o_off = (uint32_t)(skip[3] / esize / div),
        .scale = (a->scale != 0 ? a->scale : 1.0f / sqrtf((float)d)) * 1.4426950408889634f,
    };
    gpu_pipeline_desc desc = {.binding_count = 4, .push_size = sizeof push};
    uint32_t rows_per_group;
    if (texel) {
        uint32_t qr, kb;
        texel_tuning(gpu_context_tuning(ctx), gpu_driver_tuning_for(caps), (uint32_t)d, b * a->heads, tq, &qr, &kb);
        gpu_binding_kind tk_kind = op_texel_kind(q->dtype, 4);
        bool shared = packed && shares_keys(ctx);
        if (shared) kb = 8; /* one key of the block per subgroup invocation */
        desc.shader = shared   ? op_shader_name(SHADER_ATTENTION_TEXEL_F16_PACKED_SHARED)
                      : packed ? op_shader_name(SHADER_ATTENTION_TEXEL_F16_PACKED)
                               : OP_SHADER(ATTENTION_TEXEL, q->dtype);
        desc.bindings[0] = desc.bindings[1] = desc.bindings[2] = tk_kind;
        if (packed) desc.bindings[1] = desc.bindings[2] = GPU_BIND_TEXEL_U32X4;
        desc.bindings[3] = GPU_BIND_STORAGE;
        desc.spec_count = 3;
        desc.spec[0] = (uint32_t)d;
        desc.spec[1] = qr;
        desc.spec[2] = kb;
        rows_per_group = 64 * qr;
    } else {
        desc.shader = OP_SHADER(ATTENTION_TILED, q->dtype);
        desc.spec_count = 2;
        desc.spec[0] = (uint32_t)d;
        desc.spec[1] = tiled_keys((uint32_t)d);
        rows_per_group = 32;
    }
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    uint64_t gx = ((uint64_t)tq + rows_per_group - 1) / rows_per_group;
    if (gx > caps->max_workgroup_count[0]) {
        op_fail(rec, shape_error("query blocks", (long long)gx, caps->max_workgroup_count[0]));
        return;
    }
    gpu_record_dispatch(rec, pipeline, bindings, 4, &push, sizeof push, (uint32_t)gx, (uint32_t)(b * a->heads), 1,
                        "attention");
}
