/* cases_basic.c — benchmark cases for the operators on main before the big families land:
 * elementwise add/mul (op_binary_record) and the sum reduction (op_reduce_sum_record), at Stable
 * Diffusion 1.5 activation sizes for 512x512 images with classifier-free guidance (batch 2,
 * NHWC latents of 64x64, 32x32, 16x16 with 320/640/1280 channels). All are memory-bound: flops
 * is 0 and bytes counts each input read once and each output written once.
 *
 * Validation compares every output element with the plain-C reference (src/ops/reference_elementwise.c) run
 * on the same inputs (fp16-rounded for fp16 cases). It leaves out broadcasting patterns other
 * than the channel bias (tests/test_op_elementwise.c covers them).
 *
 * Entry point: bench_cases_basic (a provider, see bench.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/runner.h"
#include "core/f16.h"
#include "ops/ops.h"
#include "ops/reference_elementwise.h"
#include "ops/reference_reduce.h"

enum { BASIC_ADD = 0, BASIC_MUL = 1, BASIC_SUM = 2 };

/* Case parameters in bench_case.p: kind, elements of a, elements of b, broadcast inner stride. */
enum { P_KIND = 0, P_N = 1, P_NB = 2, P_INNER = 3 };

typedef struct basic_state {
    tensor a, b, out;
    float *ha, *hb; /* host copies of the inputs (fp16-rounded for fp16 cases) */
} basic_state;

/* Uniform values in [lo, hi) from a seeded xorshift64 (a benchmark needs no better generator). */
static void fill_random(float *x, size_t n, uint64_t seed, float lo, float hi, bool round_f16) {
    uint64_t s = 0x9E3779B97F4A7C15ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        float v = lo + (hi - lo) * (float)((double)(s >> 11) * (1.0 / 9007199254740992.0));
        x[i] = round_f16 ? f32_round_f16(v) : v;
    }
}

static pixeen_status make_tensor(gpu_context *ctx, tensor_dtype dtype, int64_t count, const float *data, tensor *t) {
    *t = (tensor){.dtype = dtype, .rank = 1, .shape = {count}};
    PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(t), "bench", &t->buffer));
    if (!data) return PIXEEN_OK;
    pixeen_status status = PIXEEN_OK;
    if (dtype == DTYPE_F16) {
        uint16_t *half = malloc((size_t)count * 2);
        if (!half) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
        f32_to_f16_array(half, data, (size_t)count);
        status = gpu_buffer_upload(ctx, t->buffer, 0, half, tensor_bytes(t));
        free(half);
    } else {
        status = gpu_buffer_upload(ctx, t->buffer, 0, data, tensor_bytes(t));
    }
    return status;
}

static void basic_teardown(bench_case *c, void *state) {
    (void)c;
    basic_state *s = state;
    if (!s) return;
    gpu_buffer_destroy(s->a.buffer);
    gpu_buffer_destroy(s->b.buffer);
    gpu_buffer_destroy(s->out.buffer);
    free(s->ha);
    free(s->hb);
    free(s);
}

static pixeen_status basic_setup(bench_case *c, gpu_context *ctx, void **state) {
    *state = NULL;
    basic_state *s = calloc(1, sizeof *s);
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    tensor_dtype dtype = (tensor_dtype)c->dtype;
    bool half = dtype == DTYPE_F16;
    size_t n = (size_t)c->p[P_N], nb = (size_t)c->p[P_NB];
    pixeen_status status = PIXEEN_OK;
    s->ha = malloc(n * sizeof *s->ha);
    if (c->p[P_KIND] != BASIC_SUM) s->hb = malloc(nb * sizeof *s->hb);
    if (!s->ha || (c->p[P_KIND] != BASIC_SUM && !s->hb)) {
        status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
        goto fail;
    }
    if (c->p[P_KIND] == BASIC_SUM) {
        /* Non-negative inputs keep the sum far from 0, so a relative error is meaningful. */
        fill_random(s->ha, n, 1, 0.0f, 1.0f, half);
        status = make_tensor(ctx, dtype, (int64_t)n, s->ha, &s->a);
        if (status == PIXEEN_OK)
            status = make_tensor(ctx, DTYPE_F32, (int64_t)op_reduce_sum_scratch(n), NULL, &s->out);
    } else {
        fill_random(s->ha, n, 1, -2.0f, 2.0f, half);
        fill_random(s->hb, nb, 2, -2.0f, 2.0f, half);
        status = make_tensor(ctx, dtype, (int64_t)n, s->ha, &s->a);
        if (status == PIXEEN_OK) status = make_tensor(ctx, dtype, (int64_t)nb, s->hb, &s->b);
        if (status == PIXEEN_OK) status = make_tensor(ctx, dtype, (int64_t)n, NULL, &s->out);
    }
    if (status != PIXEEN_OK) goto fail;
    *state = s;
    return PIXEEN_OK;
fail:
    basic_teardown(c, s);
    return status;
}

static void basic_record(bench_case *c, void *state, gpu_recorder *rec) {
    basic_state *s = state;
    if (c->p[P_KIND] == BASIC_SUM)
        op_reduce_sum_record(rec, &s->a, &s->out);
    else
        op_binary_record(rec, c->p[P_KIND] == BASIC_MUL ? OP_BINARY_MUL : OP_BINARY_ADD, &s->a, &s->b,
                         (uint64_t)c->p[P_INNER], &s->out);
}

static pixeen_status basic_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    basic_state *s = state;
    size_t n = (size_t)c->p[P_N];
    *max_rel = INFINITY;
    if (c->p[P_KIND] == BASIC_SUM) {
        float got;
        PX_TRY(gpu_buffer_download(ctx, s->out.buffer, 0, &got, sizeof got));
        double ref = ref_sum(s->ha, n);
        *max_rel = isnan(got) ? INFINITY : fabs((double)got - ref) / fabs(ref);
        return PIXEEN_OK;
    }
    size_t bytes = (size_t)tensor_bytes(&s->out);
    void *raw = malloc(bytes);
    float *got = malloc(n * sizeof *got), *ref = malloc(n * sizeof *ref);
    pixeen_status status = PIXEEN_OK;
    if (!raw || !got || !ref) {
        status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
        goto done;
    }
    status = gpu_buffer_download(ctx, s->out.buffer, 0, raw, bytes);
    if (status != PIXEEN_OK) goto done;
    if (s->out.dtype == DTYPE_F16)
        f16_to_f32_array(got, raw, n);
    else
        memcpy(got, raw, n * sizeof *got);
    ref_binary(c->p[P_KIND] == BASIC_MUL ? OP_BINARY_MUL : OP_BINARY_ADD, s->ha, n, s->hb, (size_t)c->p[P_NB],
               (size_t)c->p[P_INNER], ref);
    double worst = 0, scale = 0;
    for (size_t i = 0; i < n; i++) {
        double d = isnan(got[i]) ? INFINITY : fabs((double)got[i] - ref[i]);
        if (d > worst) worst = d;
        if (fabs(ref[i]) > scale) scale = fabs(ref[i]);
    }
    *max_rel = scale > 0 ? worst / scale : worst;
done:
    free(raw);
    free(got);
    free(ref);
    return status;
}

/* Adds one case; `quick_too` marks the representative ones kept by --quick. */
static void add_case(bench_case *out, uint32_t max, uint32_t *count, bool quick, bool quick_too, const char *family,
                     int kind, tensor_dtype dtype, int64_t n, int64_t nb, int64_t inner, const char *shape) {
    if (quick && !quick_too) return;
    if (*count >= max) return;
    bench_case *c = &out[(*count)++];
    memset(c, 0, sizeof *c);
    static const char *const kinds[] = {"add", "mul", "sum"};
    const char *dt = dtype == DTYPE_F16 ? "f16" : "f32";
    snprintf(c->name, sizeof c->name, "%s %s %s", kinds[kind], shape, dt);
    c->family = family;
    c->dtype = (int)dtype;
    c->p[P_KIND] = kind;
    c->p[P_N] = n;
    c->p[P_NB] = nb;
    c->p[P_INNER] = inner;
    double es = dtype_size(dtype);
    c->flops = 0; /* memory-bound: one operation per 2-3 memory accesses */
    if (kind == BASIC_SUM) {
        c->bytes = (double)n * es + (double)((n + 1023) / 1024) * 4; /* input + first-level partials */
        /* fp32 accumulation of n values in [0, 1) through 1024-wide tree levels: the relative
         * error is a few ulps (~1e-7) per level; 1e-5 leaves a wide margin and still catches one
         * lost or doubled workgroup (1024 / n ~ 4e-4 here). */
        c->tolerance = 1e-5;
    } else {
        c->bytes = (double)(2 * n + nb) * es;
        /* fp32: add/mul are correctly rounded on both sides (1e-6 allows fused or reordered
         * arithmetic); fp16: the output's rounding, half an ulp = 2^-11 of max|ref|, doubled. */
        c->tolerance = dtype == DTYPE_F16 ? 1e-3 : 1e-6;
    }
    c->setup = basic_setup;
    c->record = basic_record;
    c->validate = basic_validate;
    c->teardown = basic_teardown;
}

uint32_t bench_cases_basic(bench_case *out, uint32_t max, bool quick) {
    uint32_t count = 0;
    /* [2, 64, 64, 320]: the first UNet stage's activations (residual adds, skip connections). */
    const int64_t s64 = 2 * 64 * 64 * 320, s32 = 2 * 32 * 32 * 640, s16 = 2 * 16 * 16 * 1280;
    /* [2, 4096, 1280]: the GEGLU gate of the first stage's transformer feed-forward. */
    const int64_t geglu = 2 * 4096 * 1280;
    add_case(out, max, &count, quick, false, "elementwise", BASIC_ADD, DTYPE_F32, s64, s64, 1, "[2,64,64,320]");
    add_case(out, max, &count, quick, true, "elementwise", BASIC_ADD, DTYPE_F16, s64, s64, 1, "[2,64,64,320]");
    add_case(out, max, &count, quick, false, "elementwise", BASIC_ADD, DTYPE_F16, s32, s32, 1, "[2,32,32,640]");
    add_case(out, max, &count, quick, false, "elementwise", BASIC_ADD, DTYPE_F16, s16, s16, 1, "[2,16,16,1280]");
    /* Channel bias over NHWC: b[c] for every pixel (inner 1, period C). */
    add_case(out, max, &count, quick, false, "elementwise", BASIC_ADD, DTYPE_F16, s64, 320, 1, "bias [2,64,64,320]+[320]");
    add_case(out, max, &count, quick, false, "elementwise", BASIC_MUL, DTYPE_F16, geglu, geglu, 1, "[2,4096,1280]");
    add_case(out, max, &count, quick, true, "reduce", BASIC_SUM, DTYPE_F32, s64, 0, 1, "[2,64,64,320]");
    add_case(out, max, &count, quick, false, "reduce", BASIC_SUM, DTYPE_F16, s64, 0, 1, "[2,64,64,320]");
    return count;
}
