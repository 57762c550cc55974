/* cases_quant.c — `pixeen bench` cases of the quantized matmul (src/ops/quant.h): the SD 1.5 UNet's
 * transformer linears (batch 2) with their weights in q8_0, q4_0, q5_1 (the 32-value types
 * stable-diffusion.cpp files use) and q4_K, q6_K (K-quants: only where K is a multiple of 256, as
 * the converter quantizes only such rows), next to the fp16 cases of the matmul family with the same
 * shapes, so GFLOP/s compare directly. Weights are random blocks with finite scales; validation
 * compares 48 sampled rows with the double reference on the C dequantization of the same blocks.
 * Case parameters p[]: p[1] M, p[2] K, p[3] N, p[4] ggml type. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "core/f16.h"
#include "models/ggml_quant.h"
#include "ops/gemm.h"
#include "ops/quant.h"
#include "ops/reference_gemm.h"

#define SAMPLE_ROWS 48

uint32_t bench_cases_matmul_quant(bench_case *out, uint32_t max, bool quick);

typedef struct quant_state {
    tensor x, w, out;
    float *hx, *hw; /* host copies: x rounded to fp16, w dequantized */
} quant_state;

static uint64_t xorshift(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void put_half(uint8_t *p, float v) {
    uint16_t h = f32_to_f16(v);
    p[0] = (uint8_t)h;
    p[1] = (uint8_t)(h >> 8);
}

/* Random blocks whose fp16 scales are small finite values (offsets as ggml_quant.h lays them out). */
static void random_blocks(uint32_t type, uint8_t *b, size_t n_blocks, uint64_t seed) {
    uint64_t s = 0x9E3779B97F4A7C15ull ^ seed;
    uint32_t bb = ggml_block_bytes(type);
    for (size_t i = 0; i < n_blocks * bb; i++) b[i] = (uint8_t)(xorshift(&s) >> 24);
    for (size_t i = 0; i < n_blocks; i++, b += bb) {
        float d = 0.001f + (float)(xorshift(&s) % 1000) * 1e-6f, m = (float)(xorshift(&s) % 1000) * 1e-6f;
        switch (type) {
        case GGML_Q4_1: case GGML_Q5_1: case GGML_Q4_K: case GGML_Q5_K: put_half(b, d); put_half(b + 2, m); break;
        case GGML_Q2_K: put_half(b + 80, d); put_half(b + 82, m); break;
        case GGML_Q3_K: put_half(b + 108, d); break;
        case GGML_Q6_K: put_half(b + 208, d); break;
        default: put_half(b, d); break;
        }
    }
}

static void quant_teardown(bench_case *c, void *state) {
    (void)c;
    quant_state *s = state;
    if (!s) return;
    gpu_buffer_destroy(s->x.buffer);
    gpu_buffer_destroy(s->w.buffer);
    gpu_buffer_destroy(s->out.buffer);
    free(s->hx), free(s->hw);
    free(s);
}

static pixeen_status quant_setup(bench_case *c, gpu_context *ctx, void **state) {
    int64_t M = c->p[1], K = c->p[2], N = c->p[3];
    uint32_t type = (uint32_t)c->p[4];
    quant_state *s = calloc(1, sizeof *s);
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: matmul_q: out of host memory");
    *state = s;
    tensor_dtype qd;
    if (!quant_dtype_of_ggml(type, &qd)) return error_set(PIXEEN_ERROR_INTERNAL, "bench: matmul_q: type %u", type);
    size_t n_blocks = (size_t)(N * K) / ggml_block_elems(type);
    uint8_t *file = malloc(n_blocks * ggml_block_bytes(type));
    uint8_t *gpu = malloc((size_t)N * tensor_quant_row_bytes(qd, (uint64_t)K));
    s->hw = malloc((size_t)(N * K) * sizeof *s->hw);
    s->hx = malloc((size_t)(M * K) * sizeof *s->hx);
    uint16_t *x16 = malloc((size_t)(M * K) * 2);
    pixeen_status st = PIXEEN_OK;
    if (!file || !gpu || !s->hw || !s->hx || !x16) {
        st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: matmul_q: out of host memory");
        goto done;
    }
    random_blocks(type, file, n_blocks, (uint64_t)(N * K));
    ggml_dequantize(type, file, n_blocks, s->hw);
    quant_rows_to_gpu(type, file, (size_t)N, (uint64_t)K, gpu);
    uint64_t seed = 0x51ed2701ull ^ (uint64_t)(M * K);
    for (int64_t i = 0; i < M * K; i++) {
        float v = (float)((double)(xorshift(&seed) >> 11) * (2.0 / 9007199254740992.0) - 1.0);
        x16[i] = f32_to_f16(v);
        s->hx[i] = f16_to_f32(x16[i]);
    }
    s->w = (tensor){.dtype = qd, .rank = 2, .shape = {N, K}};
    s->x = (tensor){.dtype = DTYPE_F16, .rank = 2, .shape = {M, K}};
    s->out = (tensor){.dtype = DTYPE_F16, .rank = 2, .shape = {M, N}};
    if ((st = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(&s->w), "bench", &s->w.buffer)) ||
        (st = gpu_buffer_upload(ctx, s->w.buffer, 0, gpu, tensor_bytes(&s->w))) ||
        (st = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(&s->x), "bench", &s->x.buffer)) ||
        (st = gpu_buffer_upload(ctx, s->x.buffer, 0, x16, tensor_bytes(&s->x))) ||
        (st = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(&s->out), "bench", &s->out.buffer)))
        goto done;
done:
    free(file), free(gpu), free(x16);
    return st;
}

static void quant_record(bench_case *c, void *state, gpu_recorder *rec) {
    (void)c;
    quant_state *s = state;
    /* what op_matmul_record dispatches for weights kept in their blocks */
    op_matmul_quant_record(rec, &s->x, &s->w, NULL, NULL, &s->out, NULL);
}

static pixeen_status quant_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    quant_state *s = state;
    int64_t M = c->p[1], K = c->p[2], N = c->p[3];
    size_t n = M < SAMPLE_ROWS ? (size_t)M : SAMPLE_ROWS, sel[SAMPLE_ROWS];
    for (size_t i = 0; i < n; i++)
        sel[i] = n == (size_t)M ? i : (size_t)(((uint64_t)i * 2654435761u + 7) % (uint64_t)M);
    sel[n - 1] = (size_t)M - 1;
    float *ref = malloc(n * (size_t)N * 4), *got = malloc((size_t)N * 4);
    uint16_t *raw = malloc((size_t)N * 2);
    if (!ref || !got || !raw) {
        free(ref), free(got), free(raw);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: matmul_q: out of host memory");
    }
    ref_matmul_rows(s->hx, s->hw, NULL, NULL, 1, (size_t)M, (size_t)K, (size_t)N, 0, sel, n, ref);
    double max_diff = 0, max_ref = 0;
    pixeen_status st = PIXEEN_OK;
    for (size_t i = 0; i < n && !st; i++) {
        st = gpu_buffer_download(ctx, s->out.buffer, sel[i] * (size_t)N * 2, raw, (size_t)N * 2);
        f16_to_f32_array(got, raw, (size_t)N);
        for (int64_t j = 0; j < N; j++) {
            double r = ref[i * (size_t)N + (size_t)j], d = fabs((double)got[j] - r);
            if (d != d) d = INFINITY;
            max_diff = fmax(max_diff, d);
            max_ref = fmax(max_ref, fabs(r));
        }
    }
    *max_rel = max_ref > 0 ? max_diff / max_ref : max_diff;
    free(ref), free(got), free(raw);
    return st;
}

static void add(bench_case *out, uint32_t max, uint32_t *n, const char *what, int64_t M, int64_t K, int64_t N,
                uint32_t type) {
    if (*n >= max || K % ggml_block_elems(type)) return;
    bench_case *c = &out[(*n)++];
    memset(c, 0, sizeof *c);
    c->family = "matmul_q";
    snprintf(c->name, sizeof c->name, "linear %s %lldx%lld->%lld %s f16", what, (long long)M, (long long)K,
             (long long)N, ggml_type_name(type));
    int64_t p[12] = {0, M, K, N, type};
    memcpy(c->p, p, sizeof p);
    c->dtype = DTYPE_F16;
    c->flops = 2.0 * (double)M * (double)K * (double)N;
    c->bytes = 2.0 * (double)(M * K + M * N) +
               (double)(N * K) / ggml_block_elems(type) * ggml_block_bytes(type);
    c->tolerance = 2e-3; /* fp16 output: half an ulp of max |ref| plus fp32 accumulation */
    c->setup = quant_setup;
    c->record = quant_record;
    c->validate = quant_validate;
    c->teardown = quant_teardown;
}

uint32_t bench_cases_matmul_quant(bench_case *out, uint32_t max, bool quick) {
    uint32_t n = 0;
    static const uint32_t small_types[] = {GGML_Q8_0, GGML_Q4_0, GGML_Q5_1};
    static const uint32_t k_types[] = {GGML_Q4_K, GGML_Q6_K};
    if (quick) {
        add(out, max, &n, "unet q/k/v/out/proj", 2 * 4096, 320, 320, GGML_Q8_0);
        add(out, max, &n, "unet ff out", 2 * 256, 5120, 1280, GGML_Q4_K);
        return n;
    }
    for (size_t t = 0; t < 3; t++) {
        add(out, max, &n, "unet q/k/v/out/proj", 2 * 4096, 320, 320, small_types[t]);
        add(out, max, &n, "unet geglu", 2 * 4096, 320, 2560, small_types[t]);
        add(out, max, &n, "unet ff out", 2 * 4096, 1280, 320, small_types[t]);
        add(out, max, &n, "unet q/k/v/out/proj", 2 * 256, 1280, 1280, small_types[t]);
    }
    for (size_t t = 0; t < 2; t++) {
        add(out, max, &n, "unet q/k/v/out/proj", 2 * 256, 1280, 1280, k_types[t]);
        add(out, max, &n, "unet ff out", 2 * 256, 5120, 1280, k_types[t]);
        add(out, max, &n, "unet ff out", 2 * 4096, 1280, 320, k_types[t]);
        add(out, max, &n, "unet cross k/v", 2 * 77, 768, 1280, k_types[t]);
    }
    return n;
}
