/* matmul.c — linear layers / batched matmul (op_matmul_record) on shaders/matmul_texel.comp and
 * matmul_tiled.comp, through the family's dispatch machinery (gemm.c). Row windows keep every
 * binding within maxStorageBufferRange (and maxTexelBufferElements for the texel variant).
 *
 * Leaves out: transposed operands (x is [.., M, K] and w is [.., N, K] always), activations
 * (fused elsewhere), cooperative-matrix kernels. */
#include "ops/common.h"
#include "ops/gemm.h"
#include "ops/quant.h"

/* ---- matmul ---------------------------------------------------------------------------- */

static bool dtype_ok(const tensor *t) { return t->dtype == DTYPE_F16 || t->dtype == DTYPE_F32; }

bool op_matmul_widens(const gpu_context *ctx, int64_t N, int64_t K, int64_t batches) {
    op_gemm_tuning t = op_gemm_tuning_get(ctx, false, NULL);
    uint64_t limit, w_bytes = (uint64_t)N * (uint64_t)K * 2;
    return t.packed == 1 && K % 8 == 0 && batches > 0 &&
           gemm_pick_variant(ctx, &t, 8, w_bytes, DTYPE_F16, &limit) == OP_GEMM_TEXEL && w_bytes <= limit;
}

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
        !dtype_ok(x) || !dtype_ok(w) || !dtype_ok(out) || K > (1 << 30) || N > (1 << 30))
        goto bad_shape;
    bool widening = x->dtype != out->dtype; /* fp16 x and w into fp32 out: only the packed kernel */
    if (widening && (x->dtype != DTYPE_F16 || w->dtype != DTYPE_F16)) goto bad_shape;

    op_gemm_tuning t = op_gemm_tuning_get(ctx, false, tuning);
    uint32_t es = dtype_size(x->dtype), wes = dtype_size(w->dtype);
    uint32_t vec = K % 4 == 0 && x->offset % (4 * es) == 0 && w->offset % (4 * wes) == 0 ? 4 : 1;
    bool packed = gemm_packs(&t, x, w, K);
    uint64_t w_batch_bytes = (uint64_t)N * K * wes;
    uint64_t limit;
    op_gemm_variant variant = gemm_pick_variant(ctx, &t, vec, w_batch_bytes, w->dtype, &limit);
    if (packed && variant == OP_GEMM_TEXEL) vec = 8;
    if (widening && vec != 8) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: matmul: fp16 x into fp32 out needs the packed texel kernel (op_matmul_widens), "
                               "which this product (K %lld) or device does not take",
                               (long long)K));
        return;
    }
    if (w_batch_bytes > limit) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: matmul: weight of %lld x %lld is %llu bytes, over one binding's %llu",
                               (long long)N, (long long)K, (unsigned long long)w_batch_bytes,
                               (unsigned long long)limit));
        return;
    }
    /* Rows per window: x rows (K values), out and residual rows (N values) within the limit. */
    uint32_t oes = dtype_size(out->dtype);
    uint64_t row_bytes = (uint64_t)K * es > (uint64_t)N * oes ? (uint64_t)K * es : (uint64_t)N * oes;
    uint64_t rows_max = limit / row_bytes;
    if (rows_max == 0) goto bad_shape;
    if (rows_max > 64) rows_max = rows_max / 64 * 64; /* whole tiles of every tiling in use */

    gemm_job job = {
        .dtype = x->dtype,
        .o_dtype = out->dtype,
        .w_dtype = w->dtype,
        .b_dtype = bias ? bias->dtype : w->dtype,
        .vec = vec,
        .shader_texel = OP_SHADER(MATMUL_TEXEL, x->dtype),
        .shader_tiled = OP_SHADER(MATMUL_TILED, x->dtype),
        .shader_texel_packed = op_shader_name(widening ? SHADER_MATMUL_TEXEL_F16_PACKED_OUT_F32
                                                       : SHADER_MATMUL_TEXEL_F16_PACKED),
        .shader_texel_img = OP_SHADER(MATMUL_TEXEL_IMG, x->dtype),
        .shader_texel_packed_img = op_shader_name(widening ? SHADER_MATMUL_TEXEL_F16_PACKED_OUT_F32_IMG
                                                           : SHADER_MATMUL_TEXEL_F16_PACKED_IMG),
        .shader_texel_packed_img1 = widening ? NULL : op_shader_name(SHADER_MATMUL_TEXEL_F16_PACKED_IMG1),
        .shader_texel_packed_shared = op_shader_name(widening ? SHADER_MATMUL_TEXEL_F16_PACKED_OUT_F32_SHARED
                                                              : SHADER_MATMUL_TEXEL_F16_PACKED_SHARED),
        .shader_texel_packed_shared_img = op_shader_name(widening ? SHADER_MATMUL_TEXEL_F16_PACKED_OUT_F32_SHARED_IMG
                                                                  : SHADER_MATMUL_TEXEL_F16_PACKED_SHARED_IMG),
        .matmul = true,
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
        job.out = (gemm_range){out->buffer, out->offset, (uint64_t)B * M * N * oes};
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
            job.out = (gemm_range){out->buffer, out->offset + row0 * N * oes, (uint64_t)n_rows * N * oes};
            if (residual) job.res = (gemm_range){residual->buffer, residual->offset + row0 * N * oes, job.out.bytes};
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
