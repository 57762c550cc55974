/* gemm.c — the machinery the matmul and conv2d operators share (see gemm.h): tuning defaults and
 * overrides, the variant choice, binding alignment and the dispatch itself (gemm_dispatch). The
 * operators name their own shaders (gemm_job.shader_texel / shader_tiled). */
#include <string.h>

#include "ops/common.h"
#include "ops/gemm.h"

/* ---- tuning ------------------------------------------------------------------------------ */

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi) { return v < lo ? lo : v > hi ? hi : v; }
static uint32_t pow2_floor(uint32_t v) {
    uint32_t p = 1;
    while (p * 2 <= v) p *= 2;
    return p;
}

op_gemm_tuning op_gemm_tuning_get(const gpu_context *ctx, bool conv, const op_gemm_tuning *override) {
    const gpu_caps *caps = gpu_context_caps(ctx);
    op_gemm_tuning t = {.variant = caps->is_lavapipe ? OP_GEMM_TEXEL : OP_GEMM_TILED};
    const gpu_tuning *knobs = gpu_context_tuning(ctx);
    if (knobs->kernel_variant == GPU_KERNEL_TEXEL) t.variant = OP_GEMM_TEXEL;
    if (knobs->kernel_variant == GPU_KERNEL_TILED) t.variant = OP_GEMM_TILED;
    if (override && override->variant) t.variant = override->variant;
    if (t.variant == OP_GEMM_TEXEL) {
        /* Where the driver table has no row: 16 x 16 outputs per invocation
         * (256 fp32 accumulators): measured best on Mesa 22's lavapipe among
         * 8x8 .. 32x8 on SD conv/linear shapes (16x8: -15%, 8x16: -30%, 32x8: -15%). 8 invocations
         * per workgroup = one subgroup: as fast as 16..64 here, the most workgroups for lavapipe's
         * static split over threads, and one pipeline for every problem size. */
        t.tm = 16, t.tn = 16, t.wg = 8;
        /* The driver table's choices (src/gpu/tuning.c: measured per driver version); packing
         * applies to the matmul and the direct convolution alike. */
        const gpu_driver_tuning *row = gpu_driver_tuning_for(caps);
        if (!conv && row->gemm_tm) t.tm = row->gemm_tm, t.tn = row->gemm_tn;
        if (conv && row->conv_tm) t.tm = row->conv_tm, t.tn = row->conv_tn;
        t.packed = op_fp16_packed_wanted(ctx) ? 1 : 2;
        t.wide_only = row->gemm_wide_only;
        /* the knob: wherever it can run, or never; the table: where the column tiles fill the workgroups */
        t.shared_rows = knobs->gemm_shared_rows == GPU_SWITCH_ON ? OP_GEMM_SHARED_ROWS_ALWAYS
                        : gpu_switch_on(knobs->gemm_shared_rows, row->gemm_shared_rows) ? OP_GEMM_SHARED_ROWS_WHERE_FULL
                                                                                       : OP_GEMM_SHARED_ROWS_NEVER;
    } else {
        /* 64 x 64 tiles, 16 deep (8 KiB of shared memory), 4 x 4 per invocation: 256 invocations,
         * a multiple of NVIDIA's 32 and AMD's 64 lanes. */
        t.bm = 64, t.bn = 64, t.bk = 16, t.tm = 4, t.tn = 4;
    }
    const uint32_t *v = conv ? knobs->tune_conv2d : knobs->tune_matmul;
    uint32_t n = conv ? knobs->tune_conv2d_count : knobs->tune_matmul_count;
    if (n == 3 && t.variant == OP_GEMM_TEXEL) t.tm = v[0], t.tn = v[1], t.wg = v[2];
    if (n == 5 && t.variant == OP_GEMM_TILED) t.bm = v[0], t.bn = v[1], t.bk = v[2], t.tm = v[3], t.tn = v[4];
    if (override) {
        if (override->tm) t.tm = override->tm;
        if (override->tn) t.tn = override->tn;
        if (override->wg) t.wg = override->wg;
        if (override->bm) t.bm = override->bm;
        if (override->bn) t.bn = override->bn;
        if (override->bk) t.bk = override->bk;
        if (override->packed) t.packed = override->packed;
        if (override->shared_rows) t.shared_rows = override->shared_rows;
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

bool op_fp16_packed_wanted(const gpu_context *ctx) {
    return gpu_switch_on(gpu_context_tuning(ctx)->gemm_packed, gpu_driver_tuning_for(gpu_context_caps(ctx))->gemm_packed);
}

/* ---- shared dispatch machinery ------------------------------------------------------------ */

bool gemm_packs(const op_gemm_tuning *t, const tensor *x, const tensor *w, int64_t k) {
    return t->packed == 1 && x->dtype == DTYPE_F16 && w->dtype == DTYPE_F16 && k % 8 == 0 && x->offset % 16 == 0 &&
           w->offset % 16 == 0;
}

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

/* Whether the texel kernel writes its output as an RGBA image, 4 columns a store: lavapipe stores
 * an image texel in one packed store per lane where an SSBO element costs a loop over the lanes.
 * A UNet step at 256 px on Mesa 22.3.6 (`pixeen bench --pipeline`, alternating): 4459 and 4219 ms
 * with SSBO stores, 4049 and 4057 ms with images (the K = 320 products ~10% faster, K >= 1280
 * unchanged); on Mesa 25.0.7 4913 and 4975 against 4850 and 4926 ms. Taken where the job has such
 * a kernel and the columns, the block's columns, the window's start and the batch stride are whole
 * texels within the texel limit; the binding `out` then ends on a whole texel. */
static bool out_as_image(const gpu_caps *caps, const gemm_job *job, const gemm_push *push, uint32_t vec, uint32_t tn,
                         gpu_binding *out) {
    uint64_t texel = 4 * (uint64_t)dtype_size(job->o_dtype);
    const char *shader = vec == 8 ? job->shader_texel_packed_img : job->shader_texel_img;
    if (!shader || push->N % 4 || tn % 4 || push->o_off % 4 || push->o_bs % 4 ||
        out->size / texel > caps->max_texel_buffer_elements)
        return false;
    out->size = out->size / texel * texel;
    return true;
}

/* Whether a packed texel dispatch fetches its rows once per subgroup (SHARED_ROWS): the kernel
 * hard-codes 8-invocation subgroups (lavapipe's at its default 256-bit vectors) and broadcasts 8 or
 * 16 rows; whole subgroups per workgroup. One row tile per workgroup leaves the invocations past
 * the last column tile idle: where the table picks it, at most 1/8 of them (the explicit
 * attention's 77- and 80-column products would idle 6 of 16 and are slower so). */
static bool shares_rows(const gpu_caps *caps, const op_gemm_tuning *t, const gemm_job *job, uint32_t ntiles,
                        uint32_t tm, uint32_t wg) {
    if (t->shared_rows != OP_GEMM_SHARED_ROWS_WHERE_FULL && t->shared_rows != OP_GEMM_SHARED_ROWS_ALWAYS) return false;
    if (!job->shader_texel_packed_shared || caps->subgroup_size != 8 || (tm != 8 && tm != 16) || wg % 8) return false;
    uint32_t idle = (ntiles + wg - 1) / wg * wg - ntiles;
    return t->shared_rows == OP_GEMM_SHARED_ROWS_ALWAYS || idle * 8 <= ntiles;
}

/* Whether the packed kernel writes an output that is not whole RGBA texels (N % 4 != 0: the VAE's
 * 3-channel conv_out, CLIP's 77-key attention products) through a single-channel image instead
 * of the storage buffer: Mesa 25.0.7's JIT took 5.3-8.4 s for each of those two SSBO-store
 * pipelines against 0.5-0.9 s for the image ones (PIXEEN_PIPELINE_TIMES, a cold 256 px run),
 * half a cold start's compiling. Where the device stores R16F texels (an optional format), the
 * output fits the texel limit. */
static bool out_as_image1(const gpu_caps *caps, const gemm_job *job, gpu_binding *out) {
    uint64_t texel = dtype_size(job->o_dtype);
    if (!job->shader_texel_packed_img1 || (job->o_dtype == DTYPE_F16 && !caps->image_r16f) ||
        out->size / texel > caps->max_texel_buffer_elements)
        return false;
    out->size = out->size / texel * texel;
    return true;
}

void gemm_dispatch(gpu_recorder *rec, const op_gemm_tuning *t, op_gemm_variant variant, gemm_job *job,
                   const char *label) {
    gpu_context *ctx = gpu_recorder_context(rec);
    const gpu_caps *caps = gpu_context_caps(ctx);
    uint32_t es = dtype_size(job->dtype), wes = dtype_size(job->w_dtype), bes = dtype_size(job->b_dtype);
    uint32_t oes = dtype_size(job->o_dtype);
    bool has_bias = job->bias.buffer != NULL, has_res = job->res.buffer != NULL;
    /* Absent bias/residual: bind a harmless range the shader never reads (the weights / x). */
    gemm_range bias = has_bias ? job->bias : (gemm_range){job->w.buffer, job->w.offset, wes};
    uint32_t bias_es = has_bias ? bes : wes;
    gemm_range res = has_res ? job->res : (gemm_range){job->x.buffer, job->x.offset, oes};
    gpu_binding b[5];
    gemm_push push = job->push;
    push.geom = job->kh | job->kw << 8 | job->stride << 16 | job->pad << 24;
    push.flags = (has_bias ? 1u : 0u) | (has_res ? 2u : 0u);
    b[0] = align_range(caps, job->x, es, false, &push.x_off);
    b[1] = align_range(caps, job->w, wes, false, &push.w_off);
    b[2] = align_range(caps, bias, bias_es, false, &push.b_off);
    b[3] = align_range(caps, res, oes, false, &push.r_off);
    b[4] = align_range(caps, job->out, oes, true, &push.o_off);

    const char *stem;
    gpu_pipeline_desc desc = {.binding_count = 5, .push_size = sizeof push};
    uint64_t groups;
    uint32_t vec = job->vec;
    if (variant == OP_GEMM_TEXEL) {
        /* A window start that breaks the texels: the next narrower ones. */
        if (vec == 8 && (push.x_off % 8 || push.w_off % 8)) vec = 4;
        if (push.x_off % vec || push.w_off % vec) vec = 1;
        /* Tiny matrix products (under a million multiply-adds: the VAE's 4-channel post_quant_conv,
         * the time embedding's first layer) take the scalar kernel that CLIP's 77-key attention
         * compiles anyway rather than a pipeline of their own (9.8 s of Mesa 25's JIT for the
         * post_quant_conv's 16 x 8 RGBA-texel one). */
        if (job->matmul && job->o_dtype == job->dtype && (uint64_t)push.M * push.N * push.K * job->batches < (1u << 20))
            vec = 1;
        if (job->o_dtype != job->dtype && vec != 8) { /* only the packed kernel widens fp16 into fp32 */
            op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: gemm: a widening product (fp16 operands, fp32 "
                                                          "out) whose window is not on whole 16-byte texels"));
            return;
        }
        uint32_t tn = t->tn, tm = t->tm;
        /* Scalar fetches serve small products only (K % 4 != 0: CLIP's 77-key attention; a
         * misaligned window): a 4 x 4 block there, which Mesa 25's lavapipe compiles in ~0.5 s
         * where 16 x 8 took 4-5 s of a cold start, for products of a few MFLOP. */
        if (vec == 1) {
            if (tn > 4) tn = 4;
            if (tm > 4) tm = 4;
        }
        /* Narrow outputs (conv_out's 3 or 4 channels) would waste 3/4 of a wide block: 4 columns
         * there (likewise 4 rows for tiny M), unless the driver table keeps the wide block (a JIT
         * slow enough that one pipeline fewer is worth more). Only this one step, so tests and
         * models compile few distinct pipelines. */
        if (!t->wide_only && push.N <= 4 && tn > 4) tn = 4;
        if (!t->wide_only && push.M <= 4 && tm > 4) tm = 4; /* the time-embedding MLPs: M = batch = 2 */
        push.ntiles = (push.N + tn - 1) / tn;
        uint64_t invocations = (uint64_t)((push.M + tm - 1) / tm) * push.ntiles;
        /* At least 32 workgroups per dispatch where possible: lavapipe splits a dispatch's
         * workgroups statically over its threads. */
        uint32_t wg = t->wg;
        while (wg > 8 && invocations * job->batches / wg < 32) wg /= 2;
        groups = (invocations + wg - 1) / wg;
        bool img = out_as_image(caps, job, &push, vec, tn, &b[4]);
        stem = vec == 8 ? (img ? job->shader_texel_packed_img : job->shader_texel_packed)
                        : (img ? job->shader_texel_img : job->shader_texel);
        bool img1 = false;
        if (vec == 8 && shares_rows(caps, t, job, push.ntiles, tm, wg)) {
            stem = img ? job->shader_texel_packed_shared_img : job->shader_texel_packed_shared;
            uint64_t col_groups = (push.ntiles + wg - 1) / wg; /* per row tile: gemm_texel.glsl */
            groups = (uint64_t)((push.M + tm - 1) / tm) * col_groups;
        } else if (vec == 8 && !img && out_as_image1(caps, job, &b[4])) {
            stem = job->shader_texel_packed_img1;
            img1 = true;
        }
        desc.bindings[0] = op_texel_kind(job->dtype, vec);
        desc.bindings[1] = op_texel_kind(job->w_dtype, vec);
        desc.bindings[2] = op_texel_kind(has_bias ? job->b_dtype : job->w_dtype, 1);
        desc.bindings[3] = op_texel_kind(job->o_dtype, 1);
        desc.bindings[4] = img ? op_image4_kind(job->o_dtype) : img1 ? op_image1_kind(job->o_dtype) : GPU_BIND_STORAGE;
        desc.spec_count = 6; /* stride and padding travel in push.geom */
        uint32_t spec[6] = {wg, tm, tn, vec, job->kh, job->kw};
        memcpy(desc.spec, spec, sizeof spec);
        /* Texel bindings must be whole texels (RGBA: the K % 4 == 0 rows guarantee it). */
        for (int i = 0; i < 2; i++) {
            uint64_t tb = (uint64_t)(i == 0 ? es : wes) * vec;
            b[i].size = b[i].size / tb * tb;
        }
    } else {
        push.ntiles = (push.N + t->bn - 1) / t->bn;
        groups = (uint64_t)((push.M + t->bm - 1) / t->bm) * push.ntiles;
        stem = job->shader_tiled;
        for (int i = 0; i < 5; i++) desc.bindings[i] = GPU_BIND_STORAGE;
        desc.spec_count = 8;
        bool bias_f16 = (has_bias ? job->b_dtype : job->w_dtype) == DTYPE_F16;
        uint32_t spec[8] = {t->bm, t->bn, t->bk, t->tm, t->tn, job->w_dtype == DTYPE_F16, bias_f16,
                            (t->bm / t->tm) * (t->bn / t->tn)};
        memcpy(desc.spec, spec, sizeof spec);
        /* Storage bindings of fp16 need not end on a 4-byte boundary; nothing to adjust. */
    }
    desc.shader = stem;
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    uint32_t gx, gy;
    gpu_groups_2d(ctx, groups, &gx, &gy);
    gpu_record_dispatch(rec, pipeline, b, 5, &push, sizeof push, gx, gy, job->batches, label);
}
