/* quant.c — the quantized matmul's dispatch (see quant.h; the kernel is shaders/matmul_q_texel.comp,
 * the weights' GPU layout comes from quant_layout.c). */
#include "ops/quant.h"

#include <string.h>

#include "ops/common.h"

static uint64_t binding_alignment(const gpu_caps *caps) {
    uint64_t a = caps->min_storage_offset_alignment;
    if (caps->min_texel_offset_alignment > a) a = caps->min_texel_offset_alignment;
    return a ? a : 1;
}

/* A binding aligned down; *elem_off receives the offset of r_offset from its start in units of `unit` bytes.
 * False when the remainder is not a whole number of units. */
static bool bind_aligned(const gpu_caps *caps, gpu_buffer *buf, uint64_t offset, uint64_t bytes, uint32_t unit,
                         bool write, gpu_binding *b, uint32_t *elem_off) {
    uint64_t align = binding_alignment(caps);
    uint64_t base = offset / align * align;
    if ((offset - base) % unit) return false;
    *elem_off = (uint32_t)((offset - base) / unit);
    *b = (gpu_binding){buf, base, offset - base + bytes, write};
    return true;
}

static bool float_dtype(tensor_dtype d) { return d == DTYPE_F16 || d == DTYPE_F32; }

void op_matmul_quant_record(gpu_recorder *rec, const tensor *x, const tensor *w, const tensor *bias,
                            const tensor *residual, const tensor *out, const op_gemm_tuning *tuning) {
    gpu_context *ctx = gpu_recorder_context(rec);
    const gpu_caps *caps = gpu_context_caps(ctx);
    uint32_t be = tensor_quant_block_elems(w->dtype);
    if (x->rank < 2 || x->rank > 3 || w->rank != 2 || out->rank != x->rank || !be) goto bad;
    int64_t M = tensor_count(x) / x->shape[x->rank - 1], K = x->shape[x->rank - 1], N = w->shape[0];
    if (w->shape[1] != K || K % be || out->shape[out->rank - 1] != N || tensor_count(out) != M * N || M <= 0 ||
        N <= 0 || !float_dtype(x->dtype) || x->dtype != out->dtype ||
        (bias && (tensor_count(bias) != N || !float_dtype(bias->dtype))) ||
        (residual && (tensor_count(residual) != M * N || residual->dtype != out->dtype)) || K > (1 << 30) ||
        N > (1 << 30))
        goto bad;
    uint64_t w_bytes = tensor_bytes(w);
    uint64_t align = binding_alignment(caps);
    if ((w_bytes + align) / 16 > caps->max_texel_buffer_elements) {
        op_fail(rec, error_set(PIXEEN_ERROR_UNSUPPORTED,
                               "ops: quantized matmul: a %lld x %lld weight is %llu bytes, over the device's texel "
                               "buffer limit of %u 16-byte texels",
                               (long long)N, (long long)K, (unsigned long long)w_bytes,
                               caps->max_texel_buffer_elements));
        return;
    }
    op_gemm_tuning t = op_gemm_tuning_get(ctx, false, tuning);
    /* Register block: the texel tuning's, as matmul_texel; narrow problems get narrower blocks. */
    uint32_t tm = t.variant == OP_GEMM_TEXEL ? t.tm : 16, tn = t.variant == OP_GEMM_TEXEL ? t.tn : 16;
    uint32_t wg = t.variant == OP_GEMM_TEXEL ? t.wg : 8;
    if (tn > 8) tn = 8; /* per column the chunk scales live in registers: 8 columns keep them there */
    if (N <= 4 && tn > 4) tn = 4;
    if (M <= 4 && tm > 4) tm = 4;

    uint32_t es = dtype_size(x->dtype);
    /* Rows per window: x and out rows within one binding (storage and texel limits). */
    uint64_t limit = caps->max_storage_buffer_range;
    uint64_t texel_limit = (uint64_t)caps->max_texel_buffer_elements * 4 * es; /* RGBA texels of x */
    if (texel_limit < limit) limit = texel_limit;
    limit = limit > align ? limit - align : limit;
    uint64_t row_bytes = (uint64_t)(K > N ? K : N) * es;
    uint64_t rows_max = limit / row_bytes;
    if (rows_max == 0) goto bad;
    if (rows_max > 64) rows_max = rows_max / 64 * 64;

    gpu_pipeline_desc desc = {.binding_count = 5, .push_size = sizeof(gemm_push)};
    /* fp16 x whose rows start on 16-byte texels (K % 32 == 0 keeps every window's start there):
     * 8 values per fetch (RGBA32UI), the driver table's packed choice as in the fp16 matmul. */
    bool packed = x->dtype == DTYPE_F16 && x->offset % 16 == 0 && t.variant == OP_GEMM_TEXEL && t.packed == 1;
    uint32_t x_texel = packed ? 8 : 4; /* elements per x texel */
    desc.shader = packed ? op_shader_name(SHADER_MATMUL_Q_TEXEL_F16_PACKED) : OP_SHADER(MATMUL_Q_TEXEL, x->dtype);
    desc.bindings[0] = op_texel_kind(x->dtype, packed ? 8 : 4);
    desc.bindings[1] = GPU_BIND_TEXEL_U32X4;
    tensor_dtype bd = bias ? bias->dtype : x->dtype;
    desc.bindings[2] = op_texel_kind(bd, 1);
    desc.bindings[3] = op_texel_kind(x->dtype, 1);
    desc.bindings[4] = GPU_BIND_STORAGE;
    desc.spec_count = 4;
    uint32_t spec[4] = {wg, tm, tn, (uint32_t)(w->dtype - DTYPE_QUANT)};
    memcpy(desc.spec, spec, sizeof spec);
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;

    for (int64_t r0 = 0; r0 < M; r0 += (int64_t)rows_max) {
        int64_t rows = M - r0 < (int64_t)rows_max ? M - r0 : (int64_t)rows_max;
        gemm_push push = {.M = (uint32_t)rows, .N = (uint32_t)N, .K = (uint32_t)K};
        push.flags = (bias ? 1u : 0u) | (residual ? 2u : 0u);
        gpu_binding b[5];
        bool ok = bind_aligned(caps, x->buffer, x->offset + (uint64_t)r0 * K * es, (uint64_t)rows * K * es, es, false,
                               &b[0], &push.x_off) &&
                  bind_aligned(caps, w->buffer, w->offset, w_bytes, 16, false, &b[1], &push.w_off);
        /* Absent bias/residual: a harmless range the shader never reads (one element of out's dtype). */
        if (ok && bias)
            ok = bind_aligned(caps, bias->buffer, bias->offset, (uint64_t)N * dtype_size(bias->dtype),
                              dtype_size(bias->dtype), false, &b[2], &push.b_off);
        else if (ok)
            ok = bind_aligned(caps, x->buffer, x->offset, es, es, false, &b[2], &push.b_off);
        uint64_t o_off = out->offset + (uint64_t)r0 * N * es, o_bytes = (uint64_t)rows * N * es;
        if (ok && residual)
            ok = bind_aligned(caps, residual->buffer, residual->offset + (uint64_t)r0 * N * es, o_bytes, es, false,
                              &b[3], &push.r_off);
        else if (ok)
            ok = bind_aligned(caps, x->buffer, x->offset, es, es, false, &b[3], &push.r_off);
        if (ok) ok = bind_aligned(caps, out->buffer, o_off, o_bytes, es, true, &b[4], &push.o_off);
        if (!ok || push.x_off % x_texel) {
            op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: quantized matmul: operands not aligned to texels"));
            return;
        }
        /* texel bindings must be whole texels */
        b[0].size = b[0].size / (x_texel * es) * (x_texel * es);
        b[1].size = b[1].size / 16 * 16;
        push.ntiles = (push.N + tn - 1) / tn;
        uint64_t invocations = (uint64_t)((push.M + tm - 1) / tm) * push.ntiles;
        uint64_t groups = (invocations + wg - 1) / wg;
        op_dispatch_groups(rec, pipeline, b, 5, &push, sizeof push, groups, "matmul_q");
    }
    return;
bad:
    op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                           "ops: quantized matmul: x rank %u [.., %lld], w rank %u [%lld, %lld] (%s): shapes or dtypes "
                           "do not match (expected x [.., K], w [N, K] quantized with K a multiple of its block)",
                           x->rank, (long long)x->shape[x->rank ? x->rank - 1 : 0], w->rank, (long long)w->shape[0],
                           (long long)w->shape[1], tensor_dtype_is_quant(w->dtype) ? "quantized" : "not quantized"));
}
