/* test_op_matmul.c — op_matmul_record against the plain-C reference (double accumulation) for both
 * tilings (texel and tiled, forced through the tuning override so lavapipe proves the GPU path
 * too), fp32 and fp16 activations, with and without bias/residual, shared and per-batch weights:
 * at odd sizes that divide no tile (M=77, K=37, N=33), the 1-element case, and SD 1.5 shapes.
 * For the big shapes only a deterministic sample of output rows is compared (every 17th row
 * plus the last), since a double-precision reference of 6.7 GFLOP would dominate ctest time.
 *
 * Timing mode (not run by ctest): PIXEEN_GEMM_BENCH=<substring> runs the matmul and conv2d bench
 * cases (src/bench/cases_gemm.c) whose name contains the substring ("all": every case; "quick":
 * the quick list), validates each, and prints the median GPU time of 5 submits after 2 warm-ups
 * and GFLOP/s. The tiling follows PIXEEN_KERNEL_VARIANT / PIXEEN_TUNE_*; for speed run it with
 * LP_NUM_THREADS unset and PIXEEN_VALIDATION unset. */
#include <sys/resource.h>

#include "bench/cases_gemm.h"
#include "gpu_test.h"
#include "ops/gemm.h"
#include "ops/reference_gemm.h"

/* Tolerances (inputs, weights, bias and residual uniform in [-1, 1]).
 * Accumulation: fp32 sums of K products differ from the double reference by rounding of the
 *   partial sums; 4e-7 * K (about 7 ulps of 2^-24 per term at |partial sum| <= ~1) bounds it with
 *   margin and still catches one lost or doubled term (~0.1 or more).
 * Output rounding: fp16 outputs carry half an ulp, 2^-11 of the value (bounded by max |ref|).
 * NMSE: fp32 1e-9 (measured ~1e-14); fp16 1e-6 (the fp16 output rounding alone gives ~1e-7). */
#define TOL_ACC_PER_K 4e-7
#define TOL_NMSE_F32 1e-9
#define TOL_NMSE_F16 1e-6

typedef struct mm_case {
    const char *what;
    int64_t B, M, K, N;
    bool per_batch, bias, residual;
    tensor_dtype dtype, w_dtype;
    bool sample; /* compare a sample of rows */
    bool widen;  /* fp16 x and w into an fp32 out and residual (op_matmul_widens: the packed kernel only) */
} mm_case;

static void round_f16(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = f32_round_f16(x[i]);
}

/* The kernel a run forces: texel with fp16 operands packed 8 per texel (RGBA32UI, where K % 8 == 0
 * and both are fp16), the same with a workgroup's rows fetched once per subgroup and broadcast
 * (SHARED_ROWS, Mesa 25's choice; where the subgroup is 8 invocations, else the packed kernel runs),
 * texel with RGBA16F/RGBA32F texels, or tiled. */
typedef enum mm_kernel { MM_TEXEL_PACKED, MM_TEXEL_SHARED, MM_TEXEL, MM_TILED } mm_kernel;
static const char *kernel_name(mm_kernel k) {
    return k == MM_TILED ? "tiled" : k == MM_TEXEL ? "texel" : k == MM_TEXEL_SHARED ? "shared" : "packed";
}
static bool packs(mm_kernel k) { return k == MM_TEXEL_PACKED || k == MM_TEXEL_SHARED; }
static op_gemm_tuning kernel_tuning(mm_kernel k) {
    return (op_gemm_tuning){.variant = k == MM_TILED ? OP_GEMM_TILED : OP_GEMM_TEXEL,
                            .packed = packs(k) ? 1 : 2,
                            .shared_rows = k == MM_TEXEL_SHARED ? OP_GEMM_SHARED_ROWS_ALWAYS : OP_GEMM_SHARED_ROWS_NEVER,
                            /* two subgroups a workgroup where the product is large enough to keep
                             * them (the SD shape; gemm_dispatch halves it for the small ones) */
                            .wg = k == MM_TEXEL_SHARED ? 16 : 0};
}

static void run(gpu_context *ctx, const mm_case *c, mm_kernel kernel) {
    size_t nx = (size_t)(c->B * c->M * c->K), nw = (size_t)((c->per_batch ? c->B : 1) * c->N * c->K);
    size_t no = (size_t)(c->B * c->M * c->N);
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *bias = malloc((size_t)c->N * 4), *res = malloc(no * 4);
    float *got = malloc(no * 4);
    unsigned seed = (unsigned)(c->M * 131 + c->K * 7 + c->N);
    test_fill_random(x, nx, seed, -1, 1);
    test_fill_random(w, nw, seed + 1, -1, 1);
    test_fill_random(bias, (size_t)c->N, seed + 2, -1, 1);
    test_fill_random(res, no, seed + 3, -1, 1);
    tensor_dtype odt = c->widen ? DTYPE_F32 : c->dtype;
    if (c->dtype == DTYPE_F16) round_f16(x, nx);
    if (odt == DTYPE_F16) round_f16(res, no);
    if (c->w_dtype == DTYPE_F16) round_f16(w, nw), round_f16(bias, (size_t)c->N);
    tensor tx = gpu_test_tensor(ctx, c->dtype, x, (int64_t)nx), tw = gpu_test_tensor(ctx, c->w_dtype, w, (int64_t)nw);
    tensor tb = gpu_test_tensor(ctx, c->w_dtype, bias, c->N), tr = gpu_test_tensor(ctx, odt, res, (int64_t)no);
    tensor to = gpu_test_tensor(ctx, odt, NULL, (int64_t)no);
    tx.rank = 3, tx.shape[0] = c->B, tx.shape[1] = c->M, tx.shape[2] = c->K;
    to.rank = 3, to.shape[0] = c->B, to.shape[1] = c->M, to.shape[2] = c->N;
    if (c->per_batch)
        tw.rank = 3, tw.shape[0] = c->B, tw.shape[1] = c->N, tw.shape[2] = c->K;
    else
        tw.rank = 2, tw.shape[0] = c->N, tw.shape[1] = c->K;
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_gemm_tuning tuning = kernel_tuning(kernel);
    op_matmul_record(rec, &tx, &tw, c->bias ? &tb : NULL, c->residual ? &tr : NULL, &to, &tuning);
    if (c->widen && !packs(kernel)) { /* only the packed kernel widens: a clear failure */
        CHECK_STATUS(gpu_recorder_end(rec), PIXEEN_ERROR_INTERNAL);
        printf("matmul %-6s %-26s: refused (only the packed kernel widens)\n", kernel_name(kernel), c->what);
        goto done;
    }
    CHECK(!c->widen || op_matmul_widens(ctx, c->N, c->K, c->per_batch ? c->B : 1));
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &to, got);

    size_t rows_total = (size_t)(c->B * c->M), step = c->sample ? 17 : 1;
    size_t count = (rows_total + step - 1) / step + 1;
    size_t *rows = malloc(count * sizeof *rows), n = 0;
    for (size_t r = 0; r < rows_total; r += step) rows[n++] = r;
    if (rows[n - 1] != rows_total - 1) rows[n++] = rows_total - 1;
    float *ref = malloc(n * (size_t)c->N * 4), *sel = malloc(n * (size_t)c->N * 4);
    ref_matmul_rows(x, w, c->bias ? bias : NULL, c->residual ? res : NULL, (size_t)c->B, (size_t)c->M, (size_t)c->K,
                    (size_t)c->N, c->per_batch, rows, n, ref);
    for (size_t i = 0; i < n; i++) memcpy(sel + i * (size_t)c->N, got + rows[i] * (size_t)c->N, (size_t)c->N * 4);
    double max_abs, nmse, max_ref = 0;
    test_compare(sel, ref, n * (size_t)c->N, &max_abs, &nmse);
    for (size_t i = 0; i < n * (size_t)c->N; i++) max_ref = fmax(max_ref, fabs(ref[i]));
    double tol = TOL_ACC_PER_K * (double)c->K + 1e-6 + (odt == DTYPE_F16 ? max_ref / 2048 : 0);
    double tol_nmse = odt == DTYPE_F16 ? TOL_NMSE_F16 : TOL_NMSE_F32;
    printf("matmul %-6s %-26s B=%lld M=%lld K=%lld N=%lld %s%s w%s%s%s%s: max_abs %.3g (tol %.3g) nmse %.3g (tol %.0e)\n",
           kernel_name(kernel), c->what, (long long)c->B, (long long)c->M, (long long)c->K,
           (long long)c->N, c->dtype == DTYPE_F16 ? "f16" : "f32", c->widen ? "->f32" : "", c->w_dtype == DTYPE_F16 ? "f16" : "f32",
           c->per_batch ? " per-batch" : "", c->bias ? " +bias" : "", c->residual ? " +res" : "", max_abs, tol, nmse,
           tol_nmse);
    CHECK(max_abs <= tol);
    CHECK(nmse <= tol_nmse);
    free(rows), free(ref), free(sel);
done:
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(tw.buffer);
    gpu_buffer_destroy(tb.buffer);
    gpu_buffer_destroy(tr.buffer);
    gpu_buffer_destroy(to.buffer);
    free(x), free(w), free(bias), free(res), free(got);
}

/* Tensors that start inside their buffer (views into a larger allocation): the bindings are
 * aligned down and the remainder passed as an element offset; an offset that breaks packed or RGBA
 * texels makes the texel path fall back to narrower texels (pads 3, 5: scalar; 4, 12: RGBA; 8, 16:
 * packed stays). */
static void check_offsets(gpu_context *ctx, mm_kernel kernel, int64_t pad_x, int64_t pad_w) {
    const int64_t M = 19, K = 24, N = 21, pad_o = 1;
    float *x = calloc((size_t)(M * K + pad_x), 4), *w = calloc((size_t)(N * K + pad_w), 4);
    float *got = malloc((size_t)(M * N + pad_o) * 4), *ref = malloc((size_t)(M * N) * 4);
    test_fill_random(x + pad_x, (size_t)(M * K), 11, -1, 1);
    test_fill_random(w + pad_w, (size_t)(N * K), 12, -1, 1);
    round_f16(x, (size_t)(M * K + pad_x));
    round_f16(w, (size_t)(N * K + pad_w));
    tensor tx = gpu_test_tensor(ctx, DTYPE_F16, x, M * K + pad_x);
    tensor tw = gpu_test_tensor(ctx, DTYPE_F16, w, N * K + pad_w);
    tensor to = gpu_test_tensor(ctx, DTYPE_F16, NULL, M * N + pad_o);
    tx.offset = (uint64_t)pad_x * 2, tx.rank = 2, tx.shape[0] = M, tx.shape[1] = K;
    tw.offset = (uint64_t)pad_w * 2, tw.rank = 2, tw.shape[0] = N, tw.shape[1] = K;
    to.offset = (uint64_t)pad_o * 2, to.rank = 2, to.shape[0] = M, to.shape[1] = N;
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_gemm_tuning tuning = kernel_tuning(kernel);
    op_matmul_record(rec, &tx, &tw, NULL, NULL, &to, &tuning);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    tensor whole = to;
    whole.offset = 0, whole.rank = 1, whole.shape[0] = M * N + pad_o;
    gpu_test_read(ctx, &whole, got);
    ref_matmul_rows(x + pad_x, w + pad_w, NULL, NULL, 1, (size_t)M, (size_t)K, (size_t)N, 0, NULL, 0, ref);
    double max_abs, nmse;
    test_compare(got + pad_o, ref, (size_t)(M * N), &max_abs, &nmse);
    double tol = TOL_ACC_PER_K * (double)K + 1e-6 + 8.0 / 2048; /* |ref| < 8 here */
    printf("matmul %-6s tensor offsets (%lld, %lld, 1 elements): max_abs %.3g (tol %.3g) nmse %.3g\n",
           kernel_name(kernel), (long long)pad_x, (long long)pad_w, max_abs, tol, nmse);
    CHECK(max_abs <= tol);
    CHECK(nmse <= TOL_NMSE_F16);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(tw.buffer);
    gpu_buffer_destroy(to.buffer);
    free(x), free(w), free(got), free(ref);
}

/* The per-driver table finds rows by driverID and, for lavapipe, the Mesa release in driverInfo
 * (its driverVersion is 1 on every release). */
static void check_driver_table(void) {
    struct { uint32_t id; const char *info; const char *row; } cases[] = {
        {13, "Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)", "lavapipe, Mesa >= 25"},
        {13, "Mesa 26.1.0", "lavapipe, Mesa >= 25"},
        {13, "Mesa 24.2.8-1 (LLVM 17.0.6)", "lavapipe, Mesa 23-24 (unmeasured)"},
        {13, "Mesa 22.3.6 (LLVM 15.0.6)", "lavapipe, Mesa < 23"},
        {13, "no version here", "lavapipe, Mesa < 23"},
        {1, "Mesa 25.0.7", "default"}, /* RADV: no row */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gpu_caps caps = {.driver_id = cases[i].id, .driver_version = 1};
        snprintf(caps.driver_info, sizeof caps.driver_info, "%s", cases[i].info);
        const gpu_driver_tuning *row = gpu_driver_tuning_for(&caps);
        printf("driver table: id %u \"%s\" -> \"%s\"\n", cases[i].id, cases[i].info, row->name);
        CHECK(strcmp(row->name, cases[i].row) == 0);
    }
}

/* Shape errors are reported at gpu_recorder_end, not by crashing. */
static void check_bad_shape(gpu_context *ctx) {
    float one = 1;
    tensor tx = gpu_test_tensor(ctx, DTYPE_F32, &one, 1), tw = gpu_test_tensor(ctx, DTYPE_F16, &one, 1);
    tensor to = gpu_test_tensor(ctx, DTYPE_F32, NULL, 1);
    tx.rank = 2, tx.shape[0] = 1, tx.shape[1] = 1;
    tw.rank = 2, tw.shape[0] = 1, tw.shape[1] = 2; /* K mismatch */
    to.rank = 2, to.shape[0] = 1, to.shape[1] = 1;
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_matmul_record(rec, &tx, &tw, NULL, NULL, &to, NULL);
    CHECK_STATUS(gpu_recorder_end(rec), PIXEEN_ERROR_INTERNAL);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(tw.buffer);
    gpu_buffer_destroy(to.buffer);
}

/* CPU seconds of this process (all threads: lavapipe's workers included). On a machine shared
 * with other jobs, flops per CPU-second times the thread count estimates the uncontended rate. */
static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec * 1e-6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec * 1e-6;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bench(gpu_context *ctx, const char *filter) {
    static bench_case cases[512];
    bool quick = strcmp(filter, "quick") == 0, all = quick || strcmp(filter, "all") == 0;
    uint32_t n = bench_cases_matmul(cases, 512, quick);
    n += bench_cases_conv2d(cases + n, 512 - n, quick);
    op_gemm_tuning t = op_gemm_tuning_get(ctx, false, NULL);
    printf("variant %s (matmul tm %u tn %u wg %u bm %u bn %u bk %u)\n", t.variant == OP_GEMM_TILED ? "tiled" : "texel",
           t.tm, t.tn, t.wg, t.bm, t.bn, t.bk);
    for (uint32_t i = 0; i < n; i++) {
        bench_case *c = &cases[i];
        if (!all && !strstr(c->name, filter)) continue;
        void *state = NULL;
        gpu_recorder *rec = NULL;
        double ns[5], max_rel = -1;
        CHECK_OK(c->setup(c, ctx, &state));
        CHECK_OK(gpu_recorder_create(ctx, &rec));
        gpu_recorder_set_timing(rec, true);
        gpu_recorder_begin(rec);
        c->record(c, state, rec);
        CHECK_OK(gpu_recorder_end(rec));
        double cpu0 = 0;
        for (int r = 0; r < 7; r++) {
            if (r == 2) cpu0 = cpu_seconds();
            CHECK_OK(gpu_recorder_submit(rec));
            if (r >= 2) ns[r - 2] = gpu_recorder_last_ns(rec);
        }
        double cpu = (cpu_seconds() - cpu0) / 5;
        CHECK_OK(c->validate(c, state, ctx, &max_rel));
        qsort(ns, 5, sizeof ns[0], compare_double);
        printf("%-8s %-44s %9.3f ms %6.1f GFLOP/s %6.1f GFLOP/cpu-s  max_rel %.2g%s\n", c->family, c->name,
               ns[2] / 1e6, c->flops / ns[2], c->flops / cpu / 1e9, max_rel, max_rel <= c->tolerance ? "" : "  FAILED");
        fflush(stdout);
        CHECK(max_rel <= c->tolerance);
        gpu_recorder_destroy(rec);
        c->teardown(c, state);
    }
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    const char *filter = getenv("PIXEEN_GEMM_BENCH");
    if (filter && *filter) {
        bench(ctx, filter);
        return gpu_test_finish(ctx);
    }
    const tensor_dtype F32 = DTYPE_F32, F16 = DTYPE_F16;
    const mm_case odd[] = {
        {"one element", 1, 1, 1, 1, false, true, true, F32, F16, false, false},
        {"one element", 1, 1, 1, 1, false, false, false, F16, F16, false, false},
        {"odd, K % 4 != 0", 1, 77, 37, 33, false, true, true, F32, F16, false, false},
        {"odd, K % 4 != 0", 1, 77, 37, 33, false, true, false, F16, F16, false, false},
        {"odd, K % 4 == 0", 2, 77, 36, 33, false, true, true, F16, F16, false, false},
        {"odd, K % 4 == 0", 2, 77, 36, 33, false, false, true, F32, F16, false, false},
        {"per-batch w (f32)", 3, 45, 40, 29, true, false, false, F32, F32, false, false},
        {"per-batch w (f16)", 3, 45, 41, 29, true, true, true, F16, F16, false, false},
        {"narrow N", 1, 130, 64, 3, false, true, false, F32, F16, false, false},
        {"odd, K % 8 == 0", 2, 77, 40, 33, false, true, true, F16, F16, false, false},
        {"per-batch w, K % 8 == 0", 3, 45, 48, 29, true, true, false, F16, F16, false, false},
        {"narrow N, K % 8 == 0", 1, 130, 64, 3, false, true, true, F16, F16, false, false},
        /* over the scalar kernel's threshold with N % 4 != 0 (CLIP's 77-key products): the packed
         * kernels' single-channel image output, and idle column tiles for the shared rows */
        {"N 77, K % 8 == 0", 2, 150, 64, 77, false, true, true, F16, F16, false, false},
        /* the Winograd F(4x4) products: fp16 operands, fp32 sums (one tiny: under the scalar
         * kernel's threshold, which a widening product does not take) */
        {"widening, per-batch w", 36, 45, 48, 29, true, false, false, F16, F16, false, true},
        {"widening, tiny", 2, 77, 40, 33, false, true, true, F16, F16, false, true},
    };
    const mm_case sd[] = {
        {"SD linear 4096x320x320", 1, 4096, 320, 320, false, true, true, F16, F16, true, false},
        {"SD cross-attn K/V 77x768", 2, 77, 768, 320, false, false, false, F16, F16, false, false},
        {"SD GEGLU proj", 1, 4096, 320, 2560, false, true, false, F16, F16, true, false},
        {"SD linear 4096x320x320", 1, 4096, 320, 320, false, true, true, F32, F16, true, false},
    };
    for (int v = 0; v < 4; v++) {
        mm_kernel kernel = (mm_kernel)v;
        for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) run(ctx, &odd[i], kernel);
        /* The tiled path is 3-4x slower on lavapipe and the RGBA texel path is the packed one's
         * fallback: one SD shape proves each. PIXEEN_TEST_QUICK (the sanitized CI pass): one SD
         * shape per kernel; the plain pass runs all with the packed kernel (lavapipe's default). */
        for (size_t i = 0; i < (v || test_quick() ? 1u : sizeof sd / sizeof sd[0]); i++) run(ctx, &sd[i], kernel);
        check_offsets(ctx, kernel, 3, 5);
        check_offsets(ctx, kernel, 4, 12);
        check_offsets(ctx, kernel, 8, 16);
    }
    check_bad_shape(ctx);
    check_driver_table();
    return gpu_test_finish(ctx);
}
