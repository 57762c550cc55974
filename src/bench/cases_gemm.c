/* cases_gemm.c — benchmark cases of the matrix-product family (see cases_gemm.h, bench.h).
 *
 * Shapes: the SD 1.5 UNet at latents 32x32 and 64x64 (256 and 512 px images), batch 2 (CFG):
 * every ResBlock conv (3x3, and 1x1 skips where channels change, including the concatenated
 * up-path inputs), the stride-2 downsamplers, the upsampler convs, conv_in/conv_out, and the
 * transformer linears (proj_in/out, q/k/v/out, cross-attention k/v on 77 tokens, GEGLU and FF
 * out, time-embedding MLPs). The VAE decoder at batch 1: post_quant_conv, conv_in, mid block and
 * its attention linears, the up blocks at 64..512 px with 512/256/128 channels, conv_out. Plus
 * square GEMMs 1024/2048/4096. Activations fp16 (the deployment dtype) and a few fp32.
 * Validation compares a deterministic sample of 48 output rows (pixels for conv) with the
 * double-precision reference, so the whole list validates in seconds.
 *
 * Case parameters p[]: p[0] kind (0 matmul, 1 conv); matmul: p[1] M (rows, batch folded in),
 * p[2] K, p[3] N, p[4] bias; conv: p[1] B, p[2] H, p[3] W, p[4] Cin, p[5] Cout, p[6] k,
 * p[7] stride, p[8] pad, p[9] bias, p[10] residual. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cases_gemm.h"
#include "core/f16.h"
#include "ops/gemm.h"
#include "ops/reference_gemm.h"

enum { KIND_MATMUL = 0, KIND_CONV = 1 };
#define SAMPLE_ROWS 48 /* output rows compared with the reference: ~1% of a 64x64 map, seconds in all */

typedef struct gemm_state {
    tensor x, w, bias, res, out;
    float *hx, *hw, *hbias, *hres; /* host copies (fp16-rounded where the GPU holds fp16) */
} gemm_state;

static uint64_t xorshift(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Uniform values in [-1, 1), rounded to fp16 when the GPU tensor is fp16. */
static float *random_host(size_t n, uint64_t seed, bool f16) {
    float *x = malloc(n * sizeof *x);
    if (!x) return NULL;
    uint64_t s = 0x9E3779B97F4A7C15ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        float v = (float)((double)(xorshift(&s) >> 11) * (2.0 / 9007199254740992.0) - 1.0);
        x[i] = f16 ? f32_round_f16(v) : v;
    }
    return x;
}

static pixeen_status make_tensor(gpu_context *ctx, tensor_dtype dtype, const float *data, int64_t count, tensor *t) {
    memset(t, 0, sizeof *t);
    t->dtype = dtype;
    t->rank = 1;
    t->shape[0] = count;
    pixeen_status status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(t), "bench", &t->buffer);
    if (status != PIXEEN_OK || !data) return status;
    void *host = malloc(tensor_bytes(t));
    if (!host) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: gemm: out of host memory");
    if (dtype == DTYPE_F16)
        f32_to_f16_array(host, data, (size_t)count);
    else
        memcpy(host, data, (size_t)count * 4);
    status = gpu_buffer_upload(ctx, t->buffer, 0, host, tensor_bytes(t));
    free(host);
    return status;
}

static void gemm_teardown(bench_case *c, void *state) {
    (void)c;
    gemm_state *s = state;
    if (!s) return;
    gpu_buffer_destroy(s->x.buffer);
    gpu_buffer_destroy(s->w.buffer);
    gpu_buffer_destroy(s->bias.buffer);
    gpu_buffer_destroy(s->res.buffer);
    gpu_buffer_destroy(s->out.buffer);
    free(s->hx), free(s->hw), free(s->hbias), free(s->hres);
    free(s);
}

/* Output geometry: rows of the GEMM view and columns. */
static void out_shape(const bench_case *c, int64_t *rows, int64_t *cols, int64_t *Ho, int64_t *Wo) {
    const int64_t *p = c->p;
    if (p[0] == KIND_MATMUL) {
        *rows = p[1], *cols = p[3], *Ho = *Wo = 0;
        return;
    }
    *Ho = (p[2] + 2 * p[8] + p[11] - p[6]) / p[7] + 1; /* p[11]: pad_end (Downsample2D's extra row and column) */
    *Wo = (p[3] + 2 * p[8] + p[11] - p[6]) / p[7] + 1;
    *rows = p[1] * *Ho * *Wo;
    *cols = p[5];
}

static pixeen_status gemm_setup(bench_case *c, gpu_context *ctx, void **state) {
    const int64_t *p = c->p;
    gemm_state *s = calloc(1, sizeof *s);
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: gemm: out of host memory");
    *state = s;
    tensor_dtype dt = (tensor_dtype)c->dtype;
    bool f16 = dt == DTYPE_F16;
    int64_t rows, cols, Ho, Wo;
    out_shape(c, &rows, &cols, &Ho, &Wo);
    int64_t nx = p[0] == KIND_MATMUL ? p[1] * p[2] : p[1] * p[2] * p[3] * p[4];
    int64_t nw = p[0] == KIND_MATMUL ? p[3] * p[2] : p[5] * p[6] * p[6] * p[4];
    bool bias = p[0] == KIND_MATMUL ? p[4] != 0 : p[9] != 0, res = p[0] == KIND_CONV && p[10] != 0;
    s->hx = random_host((size_t)nx, (uint64_t)nx, f16);
    s->hw = random_host((size_t)nw, (uint64_t)nw + 1, true);
    s->hbias = random_host((size_t)cols, (uint64_t)cols + 2, true);
    s->hres = res ? random_host((size_t)(rows * cols), 3, f16) : NULL;
    if (!s->hx || !s->hw || !s->hbias || (res && !s->hres))
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: gemm: out of host memory");
    pixeen_status status;
    if ((status = make_tensor(ctx, dt, s->hx, nx, &s->x)) != PIXEEN_OK ||
        (status = make_tensor(ctx, DTYPE_F16, s->hw, nw, &s->w)) != PIXEEN_OK ||
        (bias && (status = make_tensor(ctx, DTYPE_F16, s->hbias, cols, &s->bias)) != PIXEEN_OK) ||
        (res && (status = make_tensor(ctx, dt, s->hres, rows * cols, &s->res)) != PIXEEN_OK) ||
        (status = make_tensor(ctx, dt, NULL, rows * cols, &s->out)) != PIXEEN_OK)
        return status;
    if (p[0] == KIND_MATMUL) {
        s->x.rank = s->out.rank = s->w.rank = 2;
        s->x.shape[0] = p[1], s->x.shape[1] = p[2];
        s->w.shape[0] = p[3], s->w.shape[1] = p[2];
        s->out.shape[0] = p[1], s->out.shape[1] = p[3];
    } else {
        s->x.rank = s->w.rank = s->out.rank = s->res.rank = 4;
        memcpy(s->x.shape, (int64_t[4]){p[1], p[2], p[3], p[4]}, sizeof s->x.shape);
        memcpy(s->w.shape, (int64_t[4]){p[5], p[6], p[6], p[4]}, sizeof s->w.shape);
        memcpy(s->out.shape, (int64_t[4]){p[1], Ho, Wo, p[5]}, sizeof s->out.shape);
        memcpy(s->res.shape, s->out.shape, sizeof s->res.shape);
    }
    return PIXEEN_OK;
}

static void gemm_record(bench_case *c, void *state, gpu_recorder *rec) {
    gemm_state *s = state;
    const int64_t *p = c->p;
    const tensor *bias = s->bias.buffer ? &s->bias : NULL, *res = s->res.buffer ? &s->res : NULL;
    if (p[0] == KIND_MATMUL)
        op_matmul_record(rec, &s->x, &s->w, bias, NULL, &s->out, NULL);
    else if (p[11])
        op_conv2d_pad_end_record(rec, &s->x, &s->w, bias, res, &s->out, (uint32_t)p[7], (uint32_t)p[8],
                                 (uint32_t)p[11], NULL);
    else
        op_conv2d_record(rec, &s->x, &s->w, bias, res, &s->out, (uint32_t)p[7], (uint32_t)p[8], NULL);
}

/* The input with pad_end zero rows and columns written out after the image, for the reference
 * (malloc'ed; NULL when out of memory). */
static float *padded_input(const float *x, const int64_t *p) {
    size_t B = (size_t)p[1], H = (size_t)p[2], W = (size_t)p[3], C = (size_t)p[4], pe = (size_t)p[11];
    float *out = calloc(B * (H + pe) * (W + pe) * C, sizeof *out);
    if (!out) return NULL;
    for (size_t b = 0; b < B; b++)
        for (size_t y = 0; y < H; y++)
            memcpy(out + ((b * (H + pe) + y) * (W + pe)) * C, x + ((b * H + y) * W) * C, W * C * sizeof *out);
    return out;
}

static pixeen_status gemm_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    gemm_state *s = state;
    const int64_t *p = c->p;
    int64_t rows, cols, Ho, Wo;
    out_shape(c, &rows, &cols, &Ho, &Wo);
    size_t n = rows < SAMPLE_ROWS ? (size_t)rows : SAMPLE_ROWS, es = dtype_size(s->out.dtype);
    size_t sel[SAMPLE_ROWS];
    for (size_t i = 0; i < n; i++) /* all rows, or a multiplicative-hash spread of them */
        sel[i] = n == (size_t)rows ? i : (size_t)(((uint64_t)i * 2654435761u + 7) % (uint64_t)rows);
    if (n < (size_t)rows) sel[n - 1] = (size_t)rows - 1; /* the last row: window and tile edges */
    float *ref = malloc(n * (size_t)cols * 4), *got = malloc((size_t)cols * 4);
    void *raw = malloc((size_t)cols * es);
    if (!ref || !got || !raw) {
        free(ref), free(got), free(raw);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: gemm: out of host memory");
    }
    const float *bias = s->bias.buffer ? s->hbias : NULL;
    if (p[0] == KIND_MATMUL)
        ref_matmul_rows(s->hx, s->hw, bias, NULL, 1, (size_t)p[1], (size_t)p[2], (size_t)p[3], 0, sel, n, ref);
    else if (p[11]) {
        float *hx = padded_input(s->hx, p);
        if (!hx) {
            free(ref), free(got), free(raw);
            return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: gemm: out of host memory");
        }
        ref_conv2d_rows(hx, s->hw, bias, s->hres, (size_t)p[1], (size_t)(p[2] + p[11]), (size_t)(p[3] + p[11]),
                        (size_t)p[4], (size_t)p[5], (size_t)p[6], (size_t)p[6], (size_t)p[7], (size_t)p[8], sel, n, ref);
        free(hx);
    } else
        ref_conv2d_rows(s->hx, s->hw, bias, s->hres, (size_t)p[1], (size_t)p[2], (size_t)p[3], (size_t)p[4],
                        (size_t)p[5], (size_t)p[6], (size_t)p[6], (size_t)p[7], (size_t)p[8], sel, n, ref);
    double max_diff = 0, max_ref = 0;
    pixeen_status status = PIXEEN_OK;
    for (size_t i = 0; i < n && status == PIXEEN_OK; i++) {
        status = gpu_buffer_download(ctx, s->out.buffer, sel[i] * (size_t)cols * es, raw, (size_t)cols * es);
        if (es == 2)
            f16_to_f32_array(got, raw, (size_t)cols);
        else
            memcpy(got, raw, (size_t)cols * 4);
        for (int64_t j = 0; j < cols; j++) {
            double r = ref[i * (size_t)cols + (size_t)j], d = fabs((double)got[j] - r);
            if (d != d) d = INFINITY; /* NaN */
            if (d > max_diff) max_diff = d;
            if (fabs(r) > max_ref) max_ref = fabs(r);
        }
    }
    *max_rel = max_ref > 0 ? max_diff / max_ref : max_diff;
    free(ref), free(got), free(raw);
    return status;
}

/* ---- case lists ------------------------------------------------------------------------- */

typedef struct case_list {
    bench_case *out;
    uint32_t max, n;
} case_list;

/* fp16 outputs: half an ulp (2^-11 ~ 4.9e-4) of max |ref| plus fp32 accumulation; fp32: accumulation only. */
static double tolerance(int dtype) { return dtype == DTYPE_F16 ? 2e-3 : 1e-4; }

static void add_case(case_list *l, const char *family, const char *name, const int64_t *p, int dtype, double flops,
                     double bytes) {
    for (uint32_t i = 0; i < l->n; i++) /* the same shape used by several layers is listed once */
        if (l->out[i].dtype == dtype && memcmp(l->out[i].p, p, 12 * sizeof *p) == 0) return;
    if (l->n >= l->max) return;
    bench_case *c = &l->out[l->n++];
    memset(c, 0, sizeof *c);
    c->family = family;
    snprintf(c->name, sizeof c->name, "%s %s", name, dtype == DTYPE_F16 ? "f16" : "f32");
    memcpy(c->p, p, 12 * sizeof *p);
    c->dtype = dtype;
    c->flops = flops;
    c->bytes = bytes;
    c->tolerance = tolerance(dtype);
    c->setup = gemm_setup;
    c->record = gemm_record;
    c->validate = gemm_validate;
    c->teardown = gemm_teardown;
}

static void linear(case_list *l, const char *what, int64_t M, int64_t K, int64_t N, bool bias, int dtype) {
    char name[96];
    snprintf(name, sizeof name, "linear %s %lldx%lld->%lld", what, (long long)M, (long long)K, (long long)N);
    int64_t p[12] = {KIND_MATMUL, M, K, N, bias};
    double es = dtype == DTYPE_F16 ? 2 : 4;
    add_case(l, "matmul", name, p, dtype, 2.0 * M * K * N, es * (double)(M * K + M * N) + 2.0 * (double)(N * K));
}

static void conv(case_list *l, const char *what, int64_t B, int64_t H, int64_t Cin, int64_t Cout, int64_t k,
                 int64_t stride, bool residual, int dtype) {
    int64_t pad = k / 2, Ho = (H + 2 * pad - k) / stride + 1;
    char name[96];
    snprintf(name, sizeof name, "conv%lldx%lld%s %s b%lld %lld->%lld %lldx%lld", (long long)k, (long long)k,
             stride == 2 ? " s2" : "", what, (long long)B, (long long)Cin, (long long)Cout, (long long)H, (long long)H);
    int64_t p[12] = {KIND_CONV, B, H, H, Cin, Cout, k, stride, pad, 1, residual};
    double es = dtype == DTYPE_F16 ? 2 : 4, out = (double)(B * Ho * Ho * Cout);
    add_case(l, "conv2d", name, p, dtype, 2.0 * out * (double)(Cin * k * k),
             es * ((double)(B * H * H * Cin) + out * (residual ? 2 : 1)) + 2.0 * (double)(Cout * k * k * Cin));
}

/* Odd sizes for the check pass (ctest's test_op_cases), not timed: window and tile edges,
 * bias and residual, stride 2 with Downsample2D's pad_end, a 1x1 convolution (the matmul path). */
static void check_cases(case_list *l, bool convs) {
    for (int dt = 0; dt < 2; dt++) {
        uint32_t first = l->n;
        if (!convs) {
            add_case(l, "matmul", "odd 37x45->29 bias", (int64_t[12]){KIND_MATMUL, 37, 45, 29, 1}, dt, 0, 0);
            add_case(l, "matmul", "odd 5x8->3", (int64_t[12]){KIND_MATMUL, 5, 8, 3, 0}, dt, 0, 0);
            add_case(l, "matmul", "odd 37x40->29 bias", (int64_t[12]){KIND_MATMUL, 37, 40, 29, 1}, dt, 0, 0);
        } else {
            add_case(l, "conv2d", "odd conv3x3 b2 7x7 5->6 bias residual",
                     (int64_t[12]){KIND_CONV, 2, 7, 7, 5, 6, 3, 1, 1, 1, 1, 0}, dt, 0, 0);
            add_case(l, "conv2d", "odd conv3x3 s2 pad_end b1 7x7 5->6 (Downsample2D)",
                     (int64_t[12]){KIND_CONV, 1, 7, 7, 5, 6, 3, 2, 0, 1, 0, 1}, dt, 0, 0);
            add_case(l, "conv2d", "odd conv1x1 b1 5x5 7->3", (int64_t[12]){KIND_CONV, 1, 5, 5, 7, 3, 1, 1, 0, 1, 0, 0},
                     dt, 0, 0);
        }
        for (uint32_t i = first; i < l->n; i++) l->out[i].use = BENCH_USE_CHECK;
    }
}

/* The UNet's transformer linears at one level: T tokens per image, C channels, batch 2. */
static void unet_linears(case_list *l, int64_t T, int64_t C) {
    const int64_t B = 2;
    linear(l, "unet q/k/v/out/proj", B * T, C, C, true, DTYPE_F16); /* proj_in/out, attn1 q/k/v, to_out */
    linear(l, "unet cross k/v", B * 77, 768, C, false, DTYPE_F16);   /* attn2 to_k/to_v on CLIP tokens */
    linear(l, "unet geglu", B * T, C, 8 * C, true, DTYPE_F16);       /* GEGLU: C -> 2 x 4C */
    linear(l, "unet ff out", B * T, 4 * C, C, true, DTYPE_F16);
}

uint32_t bench_cases_matmul(bench_case *out, uint32_t max, bool quick) {
    case_list l = {out, max, 0};
    check_cases(&l, false);
    if (quick) {
        linear(&l, "unet q/k/v/out/proj", 2 * 4096, 320, 320, true, DTYPE_F16);
        linear(&l, "unet geglu", 2 * 4096, 320, 2560, true, DTYPE_F16);
        linear(&l, "square", 1024, 1024, 1024, false, DTYPE_F32);
        return l.n;
    }
    for (int64_t L = 32; L <= 64; L *= 2) { /* latents of 256 and 512 px images */
        unet_linears(&l, L * L, 320);
        unet_linears(&l, (L / 2) * (L / 2), 640);
        unet_linears(&l, (L / 4) * (L / 4), 1280);
        /* VAE mid-block attention: q/k/v/proj_out 512->512 over every latent pixel, batch 1 */
        linear(&l, "vae attn", L * L, 512, 512, true, DTYPE_F16);
    }
    linear(&l, "unet time mlp", 2, 320, 1280, true, DTYPE_F16);
    linear(&l, "unet time mlp", 2, 1280, 1280, true, DTYPE_F16);
    linear(&l, "unet time proj", 2, 1280, 320, true, DTYPE_F16);
    linear(&l, "unet time proj", 2, 1280, 640, true, DTYPE_F16);
    for (int64_t s = 1024; s <= 4096; s *= 2) linear(&l, "square", s, s, s, false, DTYPE_F16);
    linear(&l, "square", 1024, 1024, 1024, false, DTYPE_F32);
    linear(&l, "square", 2048, 2048, 2048, false, DTYPE_F32);
    linear(&l, "unet q/k/v/out/proj", 2 * 4096, 320, 320, true, DTYPE_F32);
    return l.n;
}

/* One UNet ResBlock: conv1 Cin->Cout, conv2 Cout->Cout (+ skip: fused residual), 1x1 skip when
 * the channels change. */
static void unet_resblock(case_list *l, int64_t H, int64_t Cin, int64_t Cout) {
    conv(l, "unet", 2, H, Cin, Cout, 3, 1, false, DTYPE_F16);
    conv(l, "unet", 2, H, Cout, Cout, 3, 1, true, DTYPE_F16);
    if (Cin != Cout) conv(l, "unet skip", 2, H, Cin, Cout, 1, 1, false, DTYPE_F16);
}

static void vae_resblock(case_list *l, int64_t H, int64_t Cin, int64_t Cout) {
    conv(l, "vae", 1, H, Cin, Cout, 3, 1, false, DTYPE_F16);
    conv(l, "vae", 1, H, Cout, Cout, 3, 1, true, DTYPE_F16);
    if (Cin != Cout) conv(l, "vae skip", 1, H, Cin, Cout, 1, 1, false, DTYPE_F16);
}

uint32_t bench_cases_conv2d(bench_case *out, uint32_t max, bool quick) {
    case_list l = {out, max, 0};
    check_cases(&l, true);
    if (quick) {
        conv(&l, "unet", 2, 64, 320, 320, 3, 1, true, DTYPE_F16);
        conv(&l, "unet", 2, 16, 1280, 1280, 3, 1, true, DTYPE_F16);
        conv(&l, "vae", 1, 256, 256, 256, 3, 1, true, DTYPE_F16);
        return l.n;
    }
    for (int64_t L = 32; L <= 64; L *= 2) {
        /* UNet, batch 2 (CFG). Down path. */
        conv(&l, "unet conv_in", 2, L, 4, 320, 3, 1, false, DTYPE_F16);
        unet_resblock(&l, L, 320, 320);
        conv(&l, "unet down", 2, L, 320, 320, 3, 2, false, DTYPE_F16);
        unet_resblock(&l, L / 2, 320, 640);
        unet_resblock(&l, L / 2, 640, 640);
        conv(&l, "unet down", 2, L / 2, 640, 640, 3, 2, false, DTYPE_F16);
        unet_resblock(&l, L / 4, 640, 1280);
        unet_resblock(&l, L / 4, 1280, 1280);
        conv(&l, "unet down", 2, L / 4, 1280, 1280, 3, 2, false, DTYPE_F16);
        unet_resblock(&l, L / 8, 1280, 1280); /* down 3 and the mid block */
        /* Up path: inputs are the concatenation with the skip connections. */
        unet_resblock(&l, L / 8, 2560, 1280);
        conv(&l, "unet up", 2, L / 4, 1280, 1280, 3, 1, false, DTYPE_F16);
        unet_resblock(&l, L / 4, 2560, 1280);
        unet_resblock(&l, L / 4, 1920, 1280);
        conv(&l, "unet up", 2, L / 2, 1280, 1280, 3, 1, false, DTYPE_F16);
        unet_resblock(&l, L / 2, 1920, 640);
        unet_resblock(&l, L / 2, 1280, 640);
        unet_resblock(&l, L / 2, 960, 640);
        conv(&l, "unet up", 2, L, 640, 640, 3, 1, false, DTYPE_F16);
        unet_resblock(&l, L, 960, 320);
        unet_resblock(&l, L, 640, 320);
        conv(&l, "unet conv_out", 2, L, 320, 4, 3, 1, false, DTYPE_F16);
        /* UNet transformer proj_in / proj_out are 1x1 convs in SD 1.5 */
        conv(&l, "unet proj", 2, L, 320, 320, 1, 1, false, DTYPE_F16);
        conv(&l, "unet proj", 2, L / 2, 640, 640, 1, 1, false, DTYPE_F16);
        conv(&l, "unet proj", 2, L / 4, 1280, 1280, 1, 1, false, DTYPE_F16);
        /* VAE decoder, batch 1: latent L -> image 8L. */
        conv(&l, "vae post_quant", 1, L, 4, 4, 1, 1, false, DTYPE_F16);
        conv(&l, "vae conv_in", 1, L, 4, 512, 3, 1, false, DTYPE_F16);
        vae_resblock(&l, L, 512, 512);
        conv(&l, "vae up", 1, 2 * L, 512, 512, 3, 1, false, DTYPE_F16);
        vae_resblock(&l, 2 * L, 512, 512);
        conv(&l, "vae up", 1, 4 * L, 512, 512, 3, 1, false, DTYPE_F16);
        vae_resblock(&l, 4 * L, 512, 256);
        vae_resblock(&l, 4 * L, 256, 256);
        conv(&l, "vae up", 1, 8 * L, 256, 256, 3, 1, false, DTYPE_F16);
        vae_resblock(&l, 8 * L, 256, 128);
        vae_resblock(&l, 8 * L, 128, 128);
        conv(&l, "vae conv_out", 1, 8 * L, 128, 3, 3, 1, false, DTYPE_F16);
    }
    conv(&l, "unet", 2, 64, 320, 320, 3, 1, true, DTYPE_F32);
    conv(&l, "vae", 1, 256, 256, 256, 3, 1, true, DTYPE_F32);
    return l.n;
}
