/* test_op_matmul_quant.c — the quantized matmul (shaders/matmul_q_texel.comp, src/ops/quant.c)
 * against the plain-C reference: ggml_dequantize (models/ggml_quant.c) of the same blocks, then the
 * double-accumulated ref_matmul_rows. Every block type Pixeen reads (q4_0, q4_1, q5_0, q5_1, q8_0,
 * q2_K .. q6_K), with random block bytes (every quant bit pattern, every packed scale) whose fp16
 * scales are set to finite random values; fp32 and fp16 activations; at odd sizes (M = 37, N = 29,
 * K = 3 blocks, with bias and residual) and at SD 1.5 sizes (a 32x32 latent's 640-wide attention
 * projection for the 32-value types, the 1280-wide mid block for the K-quants; a sample of rows).
 * Also: the GPU layout decoded on the host as quant.h describes it equals ggml's dequantization, and
 * a non-quantized weight is refused by op_matmul_quant_record with a message. */
#include "gpu_test.h"
#include "models/ggml_quant.h"
#include "ops/gemm.h"
#include "ops/quant.h"
#include "ops/reference_gemm.h"

static const uint32_t types[] = {GGML_Q4_0, GGML_Q4_1, GGML_Q5_0, GGML_Q5_1, GGML_Q8_0,
                                 GGML_Q2_K, GGML_Q3_K, GGML_Q4_K, GGML_Q5_K, GGML_Q6_K};

static unsigned long long rng_state = 0x12345678ull;
static uint32_t next_u32(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void put_half(uint8_t *p, float v) {
    uint16_t h = f32_to_f16(v);
    p[0] = (uint8_t)h;
    p[1] = (uint8_t)(h >> 8);
}

/* Random bytes with the block's fp16 scale fields set to finite values of a realistic size. */
static void random_blocks(uint32_t type, uint8_t *b, size_t n_blocks) {
    uint32_t bb = ggml_block_bytes(type);
    for (size_t i = 0; i < n_blocks * bb; i++) b[i] = (uint8_t)next_u32();
    for (size_t i = 0; i < n_blocks; i++, b += bb) {
        float d = 0.002f + (float)(next_u32() % 1000) * 2e-5f, m = (float)(next_u32() % 1000) * 2e-5f;
        if (next_u32() & 1) d = -d;
        switch (type) {
        case GGML_Q4_1: case GGML_Q5_1: put_half(b, d); put_half(b + 2, m); break;
        case GGML_Q2_K: put_half(b + 80, d); put_half(b + 82, m); break;
        case GGML_Q3_K: put_half(b + 108, d); break;
        case GGML_Q4_K: case GGML_Q5_K: put_half(b, d); put_half(b + 2, m); break;
        case GGML_Q6_K: put_half(b + 208, d); break;
        default: put_half(b, d); break;
        }
    }
}

static void run(gpu_context *ctx, uint32_t type, tensor_dtype act, int64_t M, int64_t K, int64_t N, bool extras,
                bool sample) {
    uint32_t be = ggml_block_elems(type), bb = ggml_block_bytes(type);
    size_t n_blocks = (size_t)(N * K / be);
    uint8_t *file_blocks = malloc(n_blocks * bb);
    random_blocks(type, file_blocks, n_blocks);
    tensor_dtype qd;
    CHECK(quant_dtype_of_ggml(type, &qd));
    uint64_t gpu_bytes = (uint64_t)N * tensor_quant_row_bytes(qd, (uint64_t)K);
    uint8_t *gpu_blocks = malloc(gpu_bytes);
    quant_rows_to_gpu(type, file_blocks, (size_t)N, (uint64_t)K, gpu_blocks);
    float *w = malloc((size_t)(N * K) * 4);
    ggml_dequantize(type, file_blocks, n_blocks, w);
    size_t nx = (size_t)(M * K), no = (size_t)(M * N);
    float *x = malloc(nx * 4), *bias = malloc((size_t)N * 4), *res = malloc(no * 4), *got = malloc(no * 4);
    test_fill_random(x, nx, (unsigned)(type * 7 + K), -1, 1);
    test_fill_random(bias, (size_t)N, 3, -1, 1);
    test_fill_random(res, no, 4, -1, 1);
    if (act == DTYPE_F16)
        for (size_t i = 0; i < nx; i++) x[i] = f32_round_f16(x[i]);
    if (act == DTYPE_F16)
        for (size_t i = 0; i < no; i++) res[i] = f32_round_f16(res[i]);

    tensor tw = {.dtype = qd, .rank = 2, .shape = {N, K}};
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(&tw), "qweight", &tw.buffer));
    CHECK(tensor_bytes(&tw) == gpu_bytes);
    CHECK_OK(gpu_buffer_upload(ctx, tw.buffer, 0, gpu_blocks, gpu_bytes));
    tensor tx = gpu_test_tensor(ctx, act, x, (int64_t)nx), to = gpu_test_tensor(ctx, act, NULL, (int64_t)no);
    tensor tb = gpu_test_tensor(ctx, DTYPE_F32, bias, N), tr = gpu_test_tensor(ctx, act, res, (int64_t)no);
    tx.rank = 2, tx.shape[0] = M, tx.shape[1] = K;
    to.rank = 2, to.shape[0] = M, to.shape[1] = N;
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_matmul_record(rec, &tx, &tw, extras ? &tb : NULL, extras ? &tr : NULL, &to, NULL);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &to, got);

    size_t step = sample ? 17 : 1, n = 0;
    size_t *rows = malloc(((size_t)M / step + 2) * sizeof *rows);
    for (size_t r = 0; r < (size_t)M; r += step) rows[n++] = r;
    if (rows[n - 1] != (size_t)M - 1) rows[n++] = (size_t)M - 1;
    float *ref = malloc(n * (size_t)N * 4);
    ref_matmul_rows(x, w, extras ? bias : NULL, extras ? res : NULL, 1, (size_t)M, (size_t)K, (size_t)N, false, rows,
                    n, ref);
    double wmax = 0, refmax = 0, worst = 0;
    for (size_t i = 0; i < (size_t)(N * K); i++) wmax = fmax(wmax, fabs(w[i]));
    for (size_t i = 0; i < n * (size_t)N; i++) refmax = fmax(refmax, fabs(ref[i]));
    for (size_t i = 0; i < n; i++)
        for (int64_t j = 0; j < N; j++)
            worst = fmax(worst, fabs((double)got[rows[i] * (size_t)N + (size_t)j] - ref[i * (size_t)N + (size_t)j]));
    /* fp32 accumulation of K products of size <= wmax (4e-7 per term as test_op_matmul), plus half
     * an fp16 ulp of the output in fp16 mode */
    double tol = 4e-7 * (double)K * (wmax + 1) + (act == DTYPE_F16 ? refmax / 2048.0 : 0);
    printf("matmul_q %-5s %s M=%-4lld K=%-4lld N=%-4lld%s: max |err| %.3g (tol %.3g, max |ref| %.3g)\n",
           ggml_type_name(type), act == DTYPE_F16 ? "f16" : "f32", (long long)M, (long long)K, (long long)N,
           extras ? " +bias+res" : "", worst, tol, refmax);
    CHECK(worst <= tol);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tw.buffer);
    gpu_buffer_destroy(tx.buffer);
    gpu_buffer_destroy(to.buffer);
    gpu_buffer_destroy(tb.buffer);
    gpu_buffer_destroy(tr.buffer);
    free(file_blocks);
    free(gpu_blocks);
    free(w);
    free(x);
    free(bias);
    free(res);
    free(got);
    free(rows);
    free(ref);
}

/* The GPU layout decoded on the host exactly as src/ops/quant.h describes it (chunk formats, level
 * texels, scale records), independently of the kernel: every value of random blocks must equal
 * ggml_dequantize's of the file blocks (to fp32 rounding), and the row size must be what tensor.h says. */
static int nibble(const uint8_t *p, int i) { return i < 16 ? p[i] & 15 : p[i - 16] >> 4; }
static int pair(const uint8_t *p, int i) { return (p[4 * (i / 16) + i % 4] >> (2 * ((i % 16) / 4))) & 3; }
static int bit(const uint8_t *p, int i) { return (p[i % 4] >> (i / 4)) & 1; }
static float half_at(const uint8_t *p) { return f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }

static float gpu_layout_value(uint32_t type, const uint8_t *lv, const uint8_t *rec, int v) {
    int c = v / 32, i = v % 32;
    switch (type) {
    case GGML_Q4_0: return (float)(nibble(lv, i) - 8) * half_at(rec);
    case GGML_Q4_1: return (float)nibble(lv, i) * half_at(rec) + half_at(rec + 2);
    case GGML_Q5_0: return (float)((nibble(lv, i) | bit(rec + 4, i) << 4) - 16) * half_at(rec);
    case GGML_Q5_1: return (float)(nibble(lv, i) | bit(rec + 4, i) << 4) * half_at(rec) + half_at(rec + 2);
    case GGML_Q8_0: return (float)(int8_t)lv[i] * half_at(rec);
    case GGML_Q2_K: {
        int sm = lv[64 + v / 16];
        return half_at(rec) * (float)(sm & 15) * (float)pair(lv + 8 * c, i) - half_at(rec + 2) * (float)(sm >> 4);
    }
    case GGML_Q3_K: {
        int j = v / 16, low = j < 8 ? rec[j] & 15 : rec[j - 8] >> 4, high = (rec[8 + j % 4] >> (2 * (j / 4))) & 3;
        int level = pair(lv + 8 * c, i) | bit(lv + 64 + 4 * c, i) << 2;
        return half_at(rec + 12) * (float)((low | high << 4) - 32) * (float)(level - 4);
    }
    case GGML_Q4_K: case GGML_Q5_K: {
        const uint8_t *q = rec + 4; /* ggml's 6-bit scale/min packing */
        int sc = c < 4 ? q[c] & 63 : (q[c + 4] & 15) | (q[c - 4] >> 6) << 4;
        int mn = c < 4 ? q[c + 4] & 63 : (q[c + 4] >> 4) | (q[c] >> 6) << 4;
        int level = nibble(lv + 16 * c, i) | (type == GGML_Q5_K ? bit(lv + 128 + 4 * c, i) << 4 : 0);
        return half_at(rec) * (float)sc * (float)level - half_at(rec + 2) * (float)mn;
    }
    case GGML_Q6_K: {
        int level = nibble(lv + 16 * c, i) | pair(lv + 128 + 8 * c, i) << 4;
        return half_at(rec) * (float)(int8_t)lv[192 + v / 16] * (float)(level - 32);
    }
    }
    return NAN;
}

static void test_layout(void) {
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        const uint32_t type = types[t], be = ggml_block_elems(type), fb = ggml_block_bytes(type);
        const int rows = 2, blocks = 3; /* 3 records: the row's record texels end in padding */
        uint8_t file[2 * 3 * 210], gpu[2 * 3 * 256];
        random_blocks(type, file, (size_t)(rows * blocks));
        tensor_dtype qd;
        CHECK(quant_dtype_of_ggml(type, &qd));
        CHECK(tensor_quant_block_elems(qd) == be);
        const uint32_t lb = tensor_quant_level_bytes(qd), sb = tensor_quant_scale_bytes(qd);
        const uint64_t row_bytes = tensor_quant_row_bytes(qd, (uint64_t)blocks * be);
        CHECK(lb % 16 == 0 && row_bytes % 16 == 0 && row_bytes == blocks * lb + (blocks * sb + 15) / 16 * 16);
        CHECK(lb + sb >= fb && lb + sb <= fb + 2); /* at most 2 bytes of padding per block */
        CHECK(row_bytes * rows <= sizeof gpu);
        memset(gpu, 0xAB, sizeof gpu);
        quant_rows_to_gpu(type, file, (size_t)rows, (uint64_t)blocks * be, gpu);
        int wrong = 0;
        for (int r = 0; r < rows; r++) {
            const uint8_t *row = gpu + r * row_bytes;
            for (uint64_t pad = blocks * (lb + sb); pad < row_bytes; pad++) wrong += row[pad] != 0;
            for (int b = 0; b < blocks; b++) {
                float ref[256];
                ggml_dequantize(type, file + (size_t)(r * blocks + b) * fb, 1, ref);
                for (uint32_t v = 0; v < be; v++) {
                    float x = gpu_layout_value(type, row + b * lb, row + blocks * lb + b * sb, (int)v);
                    wrong += !(fabsf(x - ref[v]) <= 1e-6f * (fabsf(ref[v]) + 1e-3f));
                }
            }
        }
        if (wrong) printf("layout %s: %d values or padding bytes differ\n", ggml_type_name(type), wrong);
        CHECK(wrong == 0);
    }
}

int main(void) {
    test_layout();
    gpu_context *ctx = gpu_test_context();
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        uint32_t type = types[t];
        int64_t K = 3 * (int64_t)ggml_block_elems(type);
        run(ctx, type, DTYPE_F32, 37, K, 29, true, false);
        if (!test_quick()) run(ctx, type, DTYPE_F16, 37, K, 29, false, false);
        run(ctx, type, DTYPE_F16, 5, K, 3, true, false); /* narrow blocks: M, N <= 4 paths */
    }
    /* SD 1.5 sizes: a 32x32 latent's 640-wide projection; the 1280-wide mid block (8x8 latent, 2 halves) */
    run(ctx, GGML_Q8_0, DTYPE_F16, 1024, 640, 640, true, true);
    if (!test_quick()) {
        run(ctx, GGML_Q4_0, DTYPE_F16, 1024, 640, 640, false, true);
        run(ctx, GGML_Q4_K, DTYPE_F16, 128, 1280, 1280, true, true);
        run(ctx, GGML_Q6_K, DTYPE_F16, 128, 1280, 1280, false, true);
    }
    /* a plain fp16 weight is not a quantized operand */
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    tensor x = gpu_test_tensor(ctx, DTYPE_F16, NULL, 64), w = gpu_test_tensor(ctx, DTYPE_F16, NULL, 64),
           o = gpu_test_tensor(ctx, DTYPE_F16, NULL, 4);
    x.rank = 2, x.shape[0] = 2, x.shape[1] = 32;
    w.rank = 2, w.shape[0] = 2, w.shape[1] = 32;
    o.rank = 2, o.shape[0] = 2, o.shape[1] = 2;
    op_matmul_quant_record(rec, &x, &w, NULL, NULL, &o, NULL);
    CHECK_STATUS(gpu_recorder_end(rec), PIXEEN_ERROR_INTERNAL);
    CHECK(strstr(error_message(), "not quantized") != NULL);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(x.buffer);
    gpu_buffer_destroy(w.buffer);
    gpu_buffer_destroy(o.buffer);
    return gpu_test_finish(ctx);
}
