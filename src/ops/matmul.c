/* matmul.c — linear layers / batched matmul (op_matmul_record) and the machinery the conv2d
 * operator shares: tuning defaults and overrides, the variant choice, binding alignment and the
 * dispatch itself (gemm_dispatch). Row windows keep every binding within maxStorageBufferRange
 * (and maxTexelBufferElements for the texel variant).
 *
 * Leaves out: transposed operands (x is [.., M, K] and w is [.., N, K] always), activations
 * (fused elsewhere), cooperative-matrix kernels. */
#include <stdlib.h>
#include <string.h>

#include "ops/common.h"
#include "ops/gemm.h"
#include "ops/quant.h"

/* ---- tuning ------------------------------------------------------------------------------ */

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi) { return v < lo ? lo : v > hi ? hi : v; }
static uint32_t pow2_floor(uint32_t v) {
    uint32_t p = 1;
    while (p * 2 <= v) p *= 2;
    return p;
}

/* Parses up to `max` comma-separated unsigned values; returns how many were read. */
static uint32_t parse_list(const char *s, uint32_t *out, uint32_t max) {
    uint32_t n = 0;
    while (s && *s && n < max) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (end == s) break;
        out[n++] = (uint32_t)v;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

op_gemm_tuning op_gemm_tuning_get(const gpu_context *ctx, bool conv, const op_gemm_tuning *override) {
    const gpu_caps *caps = gpu_context_caps(ctx);
    op_gemm_tuning t = {.variant = caps->is_lavapipe ? OP_GEMM_TEXEL : OP_GEMM_TILED};
    const char *variant = getenv("PIXEEN_KERNEL_VARIANT");
    if (variant && strcmp(variant, "texel") == 0) t.variant = OP_GEMM_TEXEL;
    if (variant && strcmp(variant, "tiled") == 0) t.variant = OP_GEMM_TILED;
    if (override && override->variant) t.variant = override->variant;
    if (t.variant == OP_GEMM_TEXEL) {
        /* 16 x 16 outputs per invocation (256 fp32 accumulators): measured best on lavapipe among
         * 8x8 .. 32x8 on SD conv/linear shapes (16x8: -15%, 8x16: -30%, 32x8: -15%). 8 invocations
         * per workgroup = one subgroup: as fast as 16..64 here, the most workgroups for lavapipe's
         * static split over threads, and one pipeline for every problem size. */
        t.tm = 16, t.tn = 16, t.wg = 8;
    } else {
        /* 64 x 64 tiles, 16 deep (8 KiB of shared memory), 4 x 4 per invocation: 256 invocations,
         * a multiple of NVIDIA's 32 and AMD's 64 lanes. */
        t.bm = 64, t.bn = 64, t.bk = 16, t.tm = 4, t.tn = 4;
    }
    uint32_t v[5];
    uint32_t n = parse_list(getenv(conv ? "PIXEEN_TUNE_CONV2D" : "PIXEEN_TUNE_MATMUL"), v, 5);
    if (n == 3 && t.variant == OP_GEMM_TEXEL) t.tm = v[0], t.tn = v[1], t.wg = v[2];
    if (n == 5 && t.variant == OP_GEMM_TILED) t.bm = v[0], t.bn = v[1], t.bk = v[2], t.tm = v[3], t.tn = v[4];
    if (override) {
        if (override->tm) t.tm = override->tm;
        if (override->tn) t.tn = override->tn;
        if (override->wg) t.wg = override->wg;
        if (override->bm) t.bm = override->bm;
        if (override->bn) t.bn = override->bn;
        if (override->bk) t.bk = override->bk;
    }
    /* Legal set: register blocks up to 16 x 16 (more spills), workgroups within the device's limit,
     * tiled shared memory within the device's. */
    t.tm = clamp_u32(t.tm, 1, 16);
    t.tn = clamp_u32(t.tn, 1, 16);
    t.wg = pow2_floor(clamp_u32(t.wg ? t.wg : 8, 1, caps->max_workgroup_invocations));
    t.bm = clamp_u32((t.bm ? t.bm : 64) / t.tm * t.tm, t.tm, 256);
    t.bn = clamp_u32((t.bn ? t.bn : 64) / t.tn * t.tn, t.tn, 256);
    t.bk = clamp_u32(t.bk ? t.bk : 16, 1, 64);
    while ((t.bm / t.tm) * (t.bn / t.tn) > caps->max_workgroup_invocations) t.bm /= 2, t.bm = t.bm / t.tm * t.tm;
    while ((uint64_t)(t.bm + t.bn) * t.bk * 4 > caps->max_shared_memory && t.bk > 1) t.bk /= 2;
    return t;
}

/* ---- shared dispatch machinery ------------------------------------------------------------ */

static uint64_t binding_alignment(const gpu_caps *caps) {
    uint64_t a = caps->min_storage_offset_alignment;
    if (caps->min_texel_offset_alignment > a) a = caps->min_texel_offset_alignment;
    return a ? a : 1;
}

op_gemm_variant gemm_pick_variant(const gpu_context *ctx, const op_gemm_tuning *t, uint32_t vec,
                                  uint64_t w_bytes, tensor_dtype w_dtype, uint64_t *max_binding) {
    const gpu_caps *caps = gpu_context_caps(ctx);
    uint64_t storage = caps->max_storage_buffer_range;
    op_gemm_variant v = t->variant == OP_GEMM_TILED ? OP_GEMM_TILED : OP_GEMM_TEXEL;
    /* The alignment slack a window may gain when its binding is aligned down. */
    uint64_t slack = binding_alignment(caps);
    if (v == OP_GEMM_TEXEL) {
        /* Texel bindings are counted in texels: the smallest texel (R16F, 2 bytes) bounds the
         * bytes of any texel binding; weights must fit whole. */
        uint64_t texel_bytes = 2;
        uint64_t texel_limit = (uint64_t)caps->max_texel_buffer_elements * texel_bytes;
        uint64_t w_texels = w_bytes / (dtype_size(w_dtype) * vec);
        /* A device near the 65536-texel minimum would need tiny windows: below 16 Mi texels (a
         * 64 MiB fp32 window, lavapipe has 128 Mi) the tiled path is the better fallback. */
        if (w_texels + slack / texel_bytes > caps->max_texel_buffer_elements ||
            caps->max_texel_buffer_elements < (1u << 24))
            v = OP_GEMM_TILED;
        else if (texel_limit < storage)
            storage = texel_limit;
    }
    *max_binding = storage > slack ? storage - slack : storage;
    return v;
}

/* Aligns a range down to the binding alignment; returns the binding and the element offset. */
static gpu_binding align_range(const gpu_caps *caps, gemm_range r, uint32_t esize, bool write, uint32_t *elem_off) {
    uint64_t align = binding_alignment(caps);
    uint64_t base = r.offset / align * align;
    *elem_off = (uint32_t)((r.offset - base) / esize);
    return (gpu_binding){r.buffer, base, r.offset - base + r.bytes, write};
}

static gpu_binding_kind texel_kind(tensor_dtype dtype, uint32_t vec) {
    if (vec == 4) return dtype == DTYPE_F16 ? GPU_BIND_TEXEL_F16X4 : GPU_BIND_TEXEL_F32X4;
    return dtype == DTYPE_F16 ? GPU_BIND_TEXEL_F16 : GPU_BIND_TEXEL_F32;
}

void gemm_dispatch(gpu_recorder *rec, const op_gemm_tuning *t, op_gemm_variant variant, gemm_job *job,
                   const char *label) {
    gpu_context *ctx = gpu_recorder_context(rec);
    const gpu_caps *caps = gpu_context_caps(ctx);
    uint32_t es = dtype_size(job->dtype), wes = dtype_size(job->w_dtype), bes = dtype_size(job->b_dtype);
    bool has_bias = job->bias.buffer != NULL, has_res = job->res.buffer != NULL;
    /* Absent bias/residual: bind a harmless range the shader never reads (the weights / x). */
    gemm_range bias = has_bias ? job->bias : (gemm_range){job->w.buffer, job->w.offset, wes};
    uint32_t bias_es = has_bias ? bes : wes;
    gemm_range res = has_res ? job->res : (gemm_range){job->x.buffer, job->x.offset, es};
    gpu_binding b[5];
    gemm_push push = job->push;
    push.geom = job->kh | job->kw << 8 | job->stride << 16 | job->pad << 24;
    push.flags = (has_bias ? 1u : 0u) | (has_res ? 2u : 0u);
    b[0] = align_range(caps, job->x, es, false, &push.x_off);
    b[1] = align_range(caps, job->w, wes, false, &push.w_off);
    b[2] = align_range(caps, bias, bias_es, false, &push.b_off);
    b[3] = align_range(caps, res, es, false, &push.r_off);
    b[4] = align_range(caps, job->out, es, true, &push.o_off);

    const char *stem;
    gpu_pipeline_desc desc = {.binding_count = 5, .push_size = sizeof push};
    uint64_t groups;
    uint32_t vec = job->vec;
    if (variant == OP_GEMM_TEXEL) {
        if (push.x_off % vec || push.w_off % vec) vec = 1; /* a window start that breaks RGBA texels */
        /* Narrow outputs (conv_out's 3 or 4 channels) would waste 3/4 of a wide block: 4 columns
         * there (likewise 4 rows for tiny M). Only this one step, so tests and models compile few
         * distinct pipelines. */
        uint32_t tn = t->tn, tm = t->tm;
        if (push.N <= 4 && tn > 4) tn = 4;
        if (push.M <= 4 && tm > 4) tm = 4; /* the time-embedding MLPs: M = batch = 2 */
        push.ntiles = (push.N + tn - 1) / tn;
        uint64_t invocations = (uint64_t)((push.M + tm - 1) / tm) * push.ntiles;
        /* At least 32 workgroups per dispatch where possible: lavapipe splits a dispatch's
         * workgroups statically over its threads. */
        uint32_t wg = t->wg;
        while (wg > 8 && invocations * job->batches / wg < 32) wg /= 2;
        groups = (invocations + wg - 1) / wg;
        stem = job->conv ? "conv2d_texel" : "matmul_texel";
        desc.bindings[0] = texel_kind(job->dtype, vec);
        desc.bindings[1] = texel_kind(job->w_dtype, vec);
        desc.bindings[2] = texel_kind(has_bias ? job->b_dtype : job->w_dtype, 1);
        desc.bindings[3] = texel_kind(job->dtype, 1);
        desc.bindings[4] = GPU_BIND_STORAGE;
        desc.spec_count = 8;
        uint32_t spec[8] = {wg, tm, tn, vec, job->kh, job->kw, job->stride, job->pad};
        memcpy(desc.spec, spec, sizeof spec);
        /* Texel bindings must be whole texels (RGBA: the K % 4 == 0 rows guarantee it). */
        for (int i = 0; i < 2; i++) {
            uint64_t tb = (uint64_t)(i == 0 ? es : wes) * vec;
            b[i].size = b[i].size / tb * tb;
        }
    } else {
        push.ntiles = (push.N + t->bn - 1) / t->bn;
        groups = (uint64_t)((push.M + t->bm - 1) / t->bm) * push.ntiles;
        stem = job->conv ? "conv2d_tiled" : "matmul_tiled";
        for (int i = 0; i < 5; i++) desc.bindings[i] = GPU_BIND_STORAGE;
        desc.spec_count = 8;
        bool bias_f16 = (has_bias ? job->b_dtype : job->w_dtype) == DTYPE_F16;
        uint32_t spec[8] = {t->bm, t->bn, t->bk, t->tm, t->tn, job->w_dtype == DTYPE_F16, bias_f16,
                            (t->bm / t->tm) * (t->bn / t->tn)};
        memcpy(desc.spec, spec, sizeof spec);
        /* Storage bindings of fp16 need not end on a 4-byte boundary; nothing to adjust. */
    }
    char name[64];
    desc.shader = shader_name(name, sizeof name, stem, job->dtype);
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    uint32_t gx, gy;
    gpu_groups_2d(ctx, groups, &gx, &gy);
    gpu_record_dispatch(rec, pipeline, b, 5, &push, sizeof push, gx, gy, job->batches, label);
}

/* ---- matmul ---------------------------------------------------------------------------- */

static bool dtype_ok(const tensor *t) { return t->dtype == DTYPE_F16 || t->dtype == DTYPE_F32; }

void op_matmul_record(gpu_recorder *rec, const tensor *x, const tensor *w, const tensor *bias,
                      const tensor *residual, const tensor *out, const op_gemm_tuning *tuning) {
    if (tensor_dtype_is_quant(w->dtype)) { /* a GGUF weight kept in its blocks: src/ops/quant.c */
        op_matmul_quant_record(rec, x, w, bias, residual, out, tuning);
        return;
    }
    gpu_context *ctx = gpu_recorder_context(rec);
    if (x->rank < 2 || x->rank > 3 || w->rank < 2 || w->rank > 3 || out->rank != x->rank) goto bad_shape;
    int64_t B = x->rank == 3 ? x->shape[0] : 1, M = x->shape[x->rank - 2], K = x->shape[x->rank - 1];
    int64_t N = w->shape[w->rank - 2];
    bool per_batch = w->rank == 3;
    if (w->shape[w->rank - 1] != K || (per_batch && w->shape[0] != B) || out->shape[out->rank - 1] != N ||
        out->shape[out->rank - 2] != M || (x->rank == 3 && out->shape[0] != B) || M <= 0 || N <= 0 || K <= 0 ||
        B <= 0 || (bias && (tensor_count(bias) != N || !dtype_ok(bias))) ||
        (residual && (tensor_count(residual) != tensor_count(out) || residual->dtype != out->dtype)) ||
        x->dtype != out->dtype || !dtype_ok(x) || !dtype_ok(w) || K > (1 << 30) || N > (1 << 30))
        goto bad_shape;

    op_gemm_tuning t = op_gemm_tuning_get(ctx, false, tuning);
    uint32_t es = dtype_size(x->dtype), wes = dtype_size(w->dtype);
    uint32_t vec = K % 4 == 0 && x->offset % (4 * es) == 0 && w->offset % (4 * wes) == 0 ? 4 : 1;
    uint64_t w_batch_bytes = (uint64_t)N * K * wes;
    uint64_t limit;
    op_gemm_variant variant = gemm_pick_variant(ctx, &t, vec, w_batch_bytes, w->dtype, &limit);
    if (w_batch_bytes > limit) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: matmul: weight of %lld x %lld is %llu bytes, over one binding's %llu",
                               (long long)N, (long long)K, (unsigned long long)w_batch_bytes,
                               (unsigned long long)limit));
        return;
    }
    /* Rows per window: x rows (K values), out and residual rows (N values) within the limit. */
    uint64_t row_bytes = (uint64_t)(K > N ? K : N) * es;
    uint64_t rows_max = limit / row_bytes;
    if (rows_max == 0) goto bad_shape;
    if (rows_max > 64) rows_max = rows_max / 64 * 64; /* whole tiles of every tiling in use */

    gemm_job job = {
        .dtype = x->dtype,
        .w_dtype = w->dtype,
        .b_dtype = bias ? bias->dtype : w->dtype,
        .vec = vec,
        .kh = 1, .kw = 1, .stride = 1, .pad = 0,
    };
    job.push.N = (uint32_t)N;
    job.push.K = (uint32_t)K;
    if (bias) job.bias = (gemm_range){bias->buffer, bias->offset, (uint64_t)N * dtype_size(bias->dtype)};
    if (per_batch && (uint64_t)M * B <= rows_max && (uint64_t)B * w_batch_bytes <= limit &&
        (uint64_t)B <= gpu_context_caps(ctx)->max_workgroup_count[2]) {
        /* Every batch in one dispatch: gl_WorkGroupID.z picks the batch. */
        job.batches = (uint32_t)B;
        job.push.M = (uint32_t)M;
        job.push.x_bs = (uint32_t)(M * K);
        job.push.w_bs = (uint32_t)(N * K);
        job.push.o_bs = (uint32_t)(M * N);
        job.x = (gemm_range){x->buffer, x->offset, (uint64_t)B * M * K * es};
        job.w = (gemm_range){w->buffer, w->offset, (uint64_t)B * w_batch_bytes};
        job.out = (gemm_range){out->buffer, out->offset, (uint64_t)B * M * N * es};
        if (residual) job.res = (gemm_range){residual->buffer, residual->offset, job.out.bytes};
        gemm_dispatch(rec, &t, variant, &job, "matmul");
        return;
    }
    /* Shared weights: batches are just more rows (x and out are dense). Per-batch weights that do
     * not fit one dispatch: one batch at a time. */
    int64_t batch_groups = per_batch ? B : 1, rows = per_batch ? M : B * M;
    job.batches = 1;
    for (int64_t g = 0; g < batch_groups; g++) {
        job.w = (gemm_range){w->buffer, w->offset + (uint64_t)g * w_batch_bytes, w_batch_bytes};
        for (int64_t r0 = 0; r0 < rows; r0 += (int64_t)rows_max) {
            int64_t n_rows = rows - r0 < (int64_t)rows_max ? rows - r0 : (int64_t)rows_max;
            uint64_t row0 = (uint64_t)(g * rows + r0);
            job.push.M = (uint32_t)n_rows;
            job.x = (gemm_range){x->buffer, x->offset + row0 * K * es, (uint64_t)n_rows * K * es};
            job.out = (gemm_range){out->buffer, out->offset + row0 * N * es, (uint64_t)n_rows * N * es};
            if (residual) job.res = (gemm_range){residual->buffer, residual->offset + row0 * N * es, job.out.bytes};
            gemm_dispatch(rec, &t, variant, &job, "matmul");
        }
    }
    return;
bad_shape:
    op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                           "ops: matmul: x [%lld %lld %lld] (rank %u), w [%lld %lld %lld] (rank %u), out rank %u: "
                           "shapes or dtypes do not match (expected x [B,M,K], w [N,K] or [B,N,K], out [B,M,N])",
                           (long long)x->shape[0], (long long)x->shape[1], (long long)x->shape[2], x->rank,
                           (long long)w->shape[0], (long long)w->shape[1], (long long)w->shape[2], w->rank, out->rank));
}
