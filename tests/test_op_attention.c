/* test_op_attention.c — fused attention (both kernels: texel and tiled, forced in turn) against the
 * plain-C reference, fp32 and fp16, at one element, odd sizes that divide no tile, every SD head dim
 * (40, 64, 80, 160), cross-attention (Tk = 77), Q/K/V as strided slices of one fused QKV buffer,
 * and the SD 1.5 64x64 self-attention shape (4096 x 4096, 8 heads of 40) for the texel kernel,
 * where only a deterministic sample of 48 query rows is compared: the full reference would take
 * ~a minute of CPU (4096 rows x 8 heads x 4096 keys x 40 x 2 in double). */
#include "gpu_test.h"
#include "ops/attention.h"
#include "ops/reference_attention.h"

/* Tolerances (max |gpu - ref|; outputs are convex combinations of v values in [-1, 1]).
 * fp32: the GPU sums Tk products in fp32 in a different order and uses the driver's exp2 (a few ulp);
 * the reference sums in double: relative errors ~1e-6 per term, bounded well below 2e-5 even over
 * 4096 keys. fp16: inputs are the same fp16 values on both sides, so the difference is the final
 * fp16 rounding of the output (2^-11 relative, < 5e-4 for |out| <= 1) plus the fp32 error. */
#define TOL_F32 2e-5
#define TOL_F16 6e-4

static void round_f16(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = f32_round_f16(x[i]);
}

typedef struct attn_case {
    size_t batch, tq, tk, heads, d;
    bool fused; /* q, k, v are slices of one [B, T, 3*H*D] buffer (self-attention only) */
    size_t sample_rows; /* 0: compare every row */
} attn_case;

static void check(gpu_context *ctx, tensor_dtype dt, op_attention_variant variant, attn_case c) {
    size_t hd = c.heads * c.d;
    size_t qs = c.fused ? 3 * hd : hd, kvs = c.fused ? 3 * hd : hd;
    size_t nq = c.batch * c.tq * qs, nk = c.batch * c.tk * kvs;
    float *qbuf = malloc(nq * 4), *kbuf = c.fused ? NULL : malloc(nk * 4), *vbuf = c.fused ? NULL : malloc(nk * 4);
    test_fill_random(qbuf, nq, (unsigned)(c.tq * 7 + c.d), -2.5f, 2.5f); /* wide enough for peaked softmax rows */
    if (!c.fused) {
        test_fill_random(kbuf, nk, (unsigned)(c.tk * 3 + 1), -2.5f, 2.5f);
        test_fill_random(vbuf, nk, (unsigned)(c.tk * 5 + 2), -1, 1);
    }
    if (dt == DTYPE_F16) {
        round_f16(qbuf, nq);
        if (!c.fused) {
            round_f16(kbuf, nk);
            round_f16(vbuf, nk);
        }
    }
    const float *qh = qbuf, *kh = c.fused ? qbuf + hd : kbuf, *vh = c.fused ? qbuf + 2 * hd : vbuf;
    tensor tq = gpu_test_tensor(ctx, dt, qbuf, (int64_t)nq), tk = tq, tv = tq;
    if (!c.fused) {
        tk = gpu_test_tensor(ctx, dt, kbuf, (int64_t)nk);
        tv = gpu_test_tensor(ctx, dt, vbuf, (int64_t)nk);
    }
    size_t no = c.batch * c.tq * hd;
    tensor to = gpu_test_tensor(ctx, dt, NULL, (int64_t)no);
    uint32_t es = dtype_size(dt);
    tensor q = {tq.buffer, 0, dt, 3, {(int64_t)c.batch, (int64_t)c.tq, (int64_t)hd}};
    tensor k = {tk.buffer, c.fused ? hd * es : 0, dt, 3, {(int64_t)c.batch, (int64_t)c.tk, (int64_t)hd}};
    tensor v = {tv.buffer, c.fused ? 2 * hd * es : 0, dt, 3, {(int64_t)c.batch, (int64_t)c.tk, (int64_t)hd}};
    tensor o = {to.buffer, 0, dt, 3, {(int64_t)c.batch, (int64_t)c.tq, (int64_t)hd}};
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_attention_record(rec, &(op_attention_desc){.q = &q, .k = &k, .v = &v, .out = &o, .heads = (uint32_t)c.heads,
                                                  .q_stride = (int64_t)qs, .k_stride = (int64_t)kvs,
                                                  .v_stride = (int64_t)kvs, .variant = variant});
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    float *got = malloc(no * 4);
    gpu_test_read(ctx, &o, got);

    ref_attention_shape s = {c.batch, c.tq, c.tk, c.heads, c.d, qs, kvs, kvs, 0};
    size_t rows = c.batch * c.tq, nrows = c.sample_rows && c.sample_rows < rows ? c.sample_rows : rows;
    float *ref = malloc(nrows * hd * 4), *gs = malloc(nrows * hd * 4);
    for (size_t i = 0; i < nrows; i++) {
        /* sampled rows: evenly spread with an odd step, always including the first and last */
        size_t r = nrows == rows ? i : (i == nrows - 1 ? rows - 1 : i * (rows / nrows) + (i * 37) % (rows / nrows));
        ref_attention_row(&s, qh, kh, vh, r / c.tq, r % c.tq, ref + i * hd);
        memcpy(gs + i * hd, got + r * hd, hd * 4);
    }
    double max_abs, nmse;
    test_compare(gs, ref, nrows * hd, &max_abs, &nmse);
    double ref_max = 1; /* tolerances are for |out| <= 1; fused-QKV values reach 2.5 */
    for (size_t i = 0; i < nrows * hd; i++) ref_max = fmax(ref_max, fabs(ref[i]));
    double tol = (dt == DTYPE_F16 ? TOL_F16 : TOL_F32) * ref_max;
    /* The texel kernel's K and V: 8 fp16 values a texel where the knob or the driver table says so */
    bool rgba = gpu_context_tuning(ctx)->gemm_packed == GPU_SWITCH_OFF;
    bool shared = !rgba && gpu_context_tuning(ctx)->attention_shared_keys == GPU_SWITCH_ON && dt == DTYPE_F16 && c.d % 8 == 0;
    printf("attention %-5s %s%s B=%zu Tq=%zu Tk=%zu H=%zu D=%zu%s: %zu/%zu rows, max_abs %.3g nmse %.3g (tol %.1e)\n",
           variant == OP_ATTENTION_TEXEL ? "texel" : "tiled", dt == DTYPE_F16 ? "f16" : "f32",
           variant == OP_ATTENTION_TEXEL && rgba ? " rgba" : variant == OP_ATTENTION_TEXEL && shared ? " shared" : "",
           c.batch, c.tq, c.tk,
           c.heads, c.d, c.fused ? " fused-qkv" : "", nrows, rows, max_abs, nmse, tol);
    CHECK(max_abs <= tol);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tq.buffer);
    if (!c.fused) {
        gpu_buffer_destroy(tk.buffer);
        gpu_buffer_destroy(tv.buffer);
    }
    gpu_buffer_destroy(to.buffer);
    free(qbuf);
    free(kbuf);
    free(vbuf);
    free(got);
    free(ref);
    free(gs);
}

static void check_errors(gpu_context *ctx) {
    tensor t = gpu_test_tensor(ctx, DTYPE_F32, NULL, 1024);
    tensor q = {t.buffer, 0, DTYPE_F32, 3, {1, 4, 42}}; /* 42 = 2 heads of 21: not a multiple of 4 */
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_attention_record(rec, &(op_attention_desc){.q = &q, .k = &q, .v = &q, .out = &q, .heads = 2});
    CHECK_STATUS(gpu_recorder_end(rec), PIXEEN_ERROR_INTERNAL);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(t.buffer);
}

/* Which attention nn_attention fuses: the knob's threshold when set, every query count without a
 * device (plans made before one exists). */
static void check_fused_rule(gpu_context *ctx) {
    CHECK(op_attention_fused_wanted(NULL, 1));
    gpu_tuning *knobs = gpu_context_tuning_edit(ctx);
    uint32_t saved = knobs->attention_fused_min;
    knobs->attention_fused_min = 1000;
    CHECK(!op_attention_fused_wanted(ctx, 999) && op_attention_fused_wanted(ctx, 1000));
    knobs->attention_fused_min = 1;
    CHECK(op_attention_fused_wanted(ctx, 1));
    knobs->attention_fused_min = saved;
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    check_fused_rule(ctx);
    const attn_case small[] = {
        {1, 1, 1, 1, 4, false, 0},      /* one element per operand row */
        {2, 67, 77, 3, 40, false, 0},   /* cross-attention, odd query count */
        {1, 133, 133, 2, 64, false, 0}, /* SD2 head dim, odd self-attention */
        {2, 45, 77, 2, 80, false, 0},
        {1, 70, 61, 1, 160, false, 0},
        {2, 50, 50, 2, 40, true, 0}, /* slices of a fused QKV buffer */
        {1, 9, 300, 1, 8, false, 0}, /* long key loop, tiny head */
    };
    for (int vi = 0; vi < 2; vi++) {
        op_attention_variant variant = vi ? OP_ATTENTION_TILED : OP_ATTENTION_TEXEL;
        if (op_attention_pick(ctx, variant) != variant) {
            printf("tiled kernel unsupported on this device (no subgroup shuffle): skipped\n");
            continue;
        }
        for (int d = 0; d < 2; d++) {
            /* fp16 texel: K and V packed 8 a texel where D allows, each key fetched by every
             * invocation (mode 0) or once per subgroup and broadcast (1: SHARED_KEYS, where the
             * subgroup is 8 invocations), and as RGBA texels (2). */
            gpu_tuning *knobs = gpu_context_tuning_edit(ctx);
            for (uint32_t mode = 0; mode <= (variant == OP_ATTENTION_TEXEL && d ? 2u : 0u); mode++) {
                knobs->gemm_packed = mode == 2 ? GPU_SWITCH_OFF : GPU_SWITCH_ON;
                knobs->attention_shared_keys = mode == 1 ? GPU_SWITCH_ON : GPU_SWITCH_OFF;
                for (size_t i = 0; i < sizeof small / sizeof small[0]; i++)
                    check(ctx, d ? DTYPE_F16 : DTYPE_F32, variant, small[i]);
            }
            knobs->gemm_packed = knobs->attention_shared_keys = 0; /* the driver table's choices */
        }
    }
    /* SD 1.5 at 512x512, highest resolution level: texel kernel (the one lavapipe uses), sampled rows. */
    check(ctx, DTYPE_F16, OP_ATTENTION_TEXEL, (attn_case){1, 4096, 4096, 8, 40, false, 48});
    check(ctx, DTYPE_F32, OP_ATTENTION_TEXEL, (attn_case){1, 4096, 77, 8, 40, false, 48});
    /* The tiled kernel at an SD cross-attention shape (its self-attention shape is ~4x slower on a CPU). */
    if (op_attention_pick(ctx, OP_ATTENTION_TILED) == OP_ATTENTION_TILED)
        check(ctx, DTYPE_F16, OP_ATTENTION_TILED, (attn_case){2, 1024, 77, 8, 80, false, 48});
    check_errors(ctx);
    return gpu_test_finish(ctx);
}
