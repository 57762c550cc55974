/* test_gguf.c — GGUF files and ggml block types, on the CPU:
 *   - hand-built blocks of every 32-value type dequantize to the values written out by hand;
 *   - quantize -> dequantize stays within each type's bound on random rows;
 *   - the K-quants of ../shared/fixtures/gguf/kquants (made by ggml) dequantize within each type's
 *     error bound of the fp16 originals (skipped with a message where ../shared is absent);
 *   - the reader: a valid file (v2 and v3, an alignment of 64) reads back with C-order shapes and
 *     the right values; every truncation inside the header or the data fails cleanly; every byte of
 *     the header flipped three ways either reads or fails with a message, never crashes; and each
 *     hostile header (bad version, big-endian, alignment not a power of two or not uint32,
 *     duplicate keys and names, misaligned, overlapping or out-of-file offsets, rows that are not
 *     whole blocks, 5 dimensions, unknown types, nested arrays, bools that are not 0/1, huge
 *     strings and counts) fails with PIXEEN_ERROR_FORMAT / _UNSUPPORTED and a message naming it;
 *   - the sd15-tiny q8_0 file (stable-diffusion.cpp's converter) opens as a model. */
#include <string.h>

#include "core/f16.h"
#include "models/ggml_quant.h"
#include "models/gguf.h"
#include "models/gguf_write.h"
#include "models/model.h"
#include "test.h"

/* ---- hand-built blocks ------------------------------------------------------------------ */

static void put_half(uint8_t *p, float v) {
    uint16_t h = f32_to_f16(v);
    p[0] = (uint8_t)h;
    p[1] = (uint8_t)(h >> 8);
}

static void test_hand_blocks(void) {
    float y[32];
    /* q8_0: d = 0.5, q = j - 16 */
    uint8_t q8[34];
    put_half(q8, 0.5f);
    for (int j = 0; j < 32; j++) q8[2 + j] = (uint8_t)(int8_t)(j - 16);
    ggml_dequantize(GGML_Q8_0, q8, 1, y);
    for (int j = 0; j < 32; j++) CHECK(y[j] == 0.5f * (float)(j - 16));
    /* q4_0: d = 2; byte j holds value j (low nibble, j & 15) and value j + 16 (high nibble, 15 - j) */
    uint8_t q4[18];
    put_half(q4, 2.0f);
    for (int j = 0; j < 16; j++) q4[2 + j] = (uint8_t)(j | (15 - j) << 4);
    ggml_dequantize(GGML_Q4_0, q4, 1, y);
    for (int j = 0; j < 16; j++) {
        CHECK(y[j] == 2.0f * (float)(j - 8));
        CHECK(y[j + 16] == 2.0f * (float)(15 - j - 8));
    }
    /* q4_1: d = 0.25, m = -1: x = q * 0.25 - 1 */
    uint8_t q41[20];
    put_half(q41, 0.25f);
    put_half(q41 + 2, -1.0f);
    for (int j = 0; j < 16; j++) q41[4 + j] = (uint8_t)(j | (15 - j) << 4);
    ggml_dequantize(GGML_Q4_1, q41, 1, y);
    for (int j = 0; j < 16; j++) {
        CHECK(y[j] == 0.25f * (float)j - 1.0f);
        CHECK(y[j + 16] == 0.25f * (float)(15 - j) - 1.0f);
    }
    /* q5_0: d = 1; fifth bits set for values 0, 5 and 31 (qh = bits 0, 5, 31), nibbles all 3 */
    uint8_t q5[22];
    put_half(q5, 1.0f);
    uint32_t qh = 1u | 1u << 5 | 1u << 31;
    for (int i = 0; i < 4; i++) q5[2 + i] = (uint8_t)(qh >> (8 * i));
    for (int j = 0; j < 16; j++) q5[6 + j] = 0x33;
    ggml_dequantize(GGML_Q5_0, q5, 1, y);
    for (int j = 0; j < 32; j++) CHECK(y[j] == (float)((j == 0 || j == 5 || j == 31 ? 19 : 3) - 16));
    /* q5_1: d = 0.5, m = 2, same bits */
    uint8_t q51[24];
    put_half(q51, 0.5f);
    put_half(q51 + 2, 2.0f);
    for (int i = 0; i < 4; i++) q51[4 + i] = (uint8_t)(qh >> (8 * i));
    for (int j = 0; j < 16; j++) q51[8 + j] = 0x33;
    ggml_dequantize(GGML_Q5_1, q51, 1, y);
    for (int j = 0; j < 32; j++) CHECK(y[j] == 0.5f * (float)(j == 0 || j == 5 || j == 31 ? 19 : 3) + 2.0f);
    /* q6_K: d = 1, scales s[i] = i - 8, every 6-bit level 33 (q = 1): y = s[v / 16] */
    uint8_t q6[210];
    memset(q6, 0, sizeof q6);
    for (int i = 0; i < 128; i++) q6[i] = 0x11;       /* low nibbles 1 */
    for (int i = 0; i < 64; i++) q6[128 + i] = 0xAA;  /* high pairs 2 -> 32 + 1 = 33 */
    for (int i = 0; i < 16; i++) q6[192 + i] = (uint8_t)(int8_t)(i - 8);
    put_half(q6 + 208, 1.0f);
    float y256[256];
    ggml_dequantize(GGML_Q6_K, q6, 1, y256);
    for (int v = 0; v < 256; v++) CHECK(y256[v] == (float)(v / 16 - 8));
    /* q4_K: d = 1, dmin = 0.5, sub-block scales 1..8 and mins 8..1 (6-bit packing), nibbles 2 */
    uint8_t q4k[144];
    memset(q4k, 0, sizeof q4k);
    put_half(q4k, 1.0f);
    put_half(q4k + 2, 0.5f);
    uint8_t sc[8], mn[8];
    for (int s = 0; s < 8; s++) sc[s] = (uint8_t)(s + 1), mn[s] = (uint8_t)(8 - s);
    for (int j = 0; j < 4; j++) q4k[4 + j] = sc[j], q4k[8 + j] = mn[j];
    for (int j = 4; j < 8; j++) q4k[8 + j] = (uint8_t)((sc[j] & 15) | (mn[j] & 15) << 4);
    for (int i = 0; i < 128; i++) q4k[16 + i] = 0x22;
    ggml_dequantize(GGML_Q4_K, q4k, 1, y256);
    for (int v = 0; v < 256; v++) CHECK(y256[v] == (float)sc[v / 32] * 2.0f - 0.5f * (float)mn[v / 32]);
    /* scales: finite blocks pass, a NaN or infinite d / dmin is caught */
    CHECK(ggml_block_finite(GGML_Q4_K, q4k) && ggml_block_finite(GGML_Q8_0, q8) && ggml_block_finite(GGML_Q6_K, q6));
    put_half(q4k + 2, INFINITY);
    CHECK(!ggml_block_finite(GGML_Q4_K, q4k));
    put_half(q8, NAN);
    CHECK(!ggml_block_finite(GGML_Q8_0, q8));
    put_half(q6 + 208, -INFINITY);
    CHECK(!ggml_block_finite(GGML_Q6_K, q6));
}

/* ---- quantizers ------------------------------------------------------------------------- */

static void test_round_trip(void) {
    static const struct {
        uint32_t type;
        double max_rel_rms;
    } cases[] = {
        /* bounds on rms(error)/rms(x) for uniform data: a b-bit grid over the range leaves
         * ~range/(2^b * sqrt(12)); K-quants spend bits on scales too */
        {GGML_Q8_0, 0.01}, {GGML_Q5_1, 0.035}, {GGML_Q5_0, 0.04}, {GGML_Q4_1, 0.07}, {GGML_Q4_0, 0.08},
        {GGML_Q6_K, 0.02}, {GGML_Q5_K, 0.04}, {GGML_Q4_K, 0.08}, {GGML_F16, 0.001},
    };
    enum { N = 4096 };
    static float x[N], y[N];
    static uint8_t blocks[N * 4];
    test_fill_random(x, N, 7, -1.5f, 1.0f);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint32_t t = cases[c].type;
        size_t nb = N / ggml_block_elems(t);
        ggml_quantize(t, x, nb, blocks);
        ggml_dequantize(t, blocks, nb, y);
        double e2 = 0, x2 = 0;
        for (int i = 0; i < N; i++) e2 += ((double)y[i] - x[i]) * ((double)y[i] - x[i]), x2 += (double)x[i] * x[i];
        double rel = sqrt(e2 / x2);
        printf("quantize %-5s: rms error / rms %.4f (bound %.3f)\n", ggml_type_name(t), rel, cases[c].max_rel_rms);
        CHECK(rel < cases[c].max_rel_rms);
    }
}

/* ---- K-quant fixtures ------------------------------------------------------------------- */

static void test_kquant_fixtures(void) {
    const char *dir = test_shared_path("fixtures/gguf/kquants");
    if (!dir) {
        printf("skip: ../shared/fixtures/gguf/kquants absent: K-quant fixtures not checked\n");
        return;
    }
    char base[4096], path[4200];
    snprintf(base, sizeof base, "%s", dir);
    snprintf(path, sizeof path, "%s/original.fp16.safetensors", base);
    safetensors_file *orig = NULL;
    CHECK_OK(safetensors_open(path, &orig));
    if (!orig) return;
    /* Bounds on rms(error) / rms(original), above what ggml's own quantizers reach on these
     * tensors (printed) and far below what a wrong layout gives (~1). */
    static const struct {
        const char *name;
        uint32_t type;
        double bound;
    } types[] = {{"q2_K", GGML_Q2_K, 0.45}, {"q3_K", GGML_Q3_K, 0.20}, {"q4_K", GGML_Q4_K, 0.10},
                 {"q5_K", GGML_Q5_K, 0.05}, {"q6_K", GGML_Q6_K, 0.025}};
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        snprintf(path, sizeof path, "%s/original.%s.gguf", base, types[k].name);
        safetensors_file *q = NULL;
        CHECK_OK(safetensors_open(path, &q));
        if (!q) continue;
        CHECK(safetensors_count(q) == safetensors_count(orig));
        for (size_t i = 0; i < safetensors_count(q); i++) {
            const safetensors_tensor *tq = safetensors_at(q, i);
            const safetensors_tensor *to = safetensors_find(orig, tq->name);
            CHECK(to != NULL);
            if (!to) continue;
            CHECK(safetensors_dtype_ggml(tq->dtype) == types[k].type);
            CHECK(tq->n_elements == to->n_elements && tq->ndim == to->ndim);
            for (int d = 0; d < tq->ndim; d++) CHECK(tq->shape[d] == to->shape[d]);
            float *a = malloc(tq->n_elements * sizeof *a), *b = malloc(to->n_elements * sizeof *b);
            CHECK_OK(safetensors_read_f32(q, tq, 0, tq->n_elements, a));
            CHECK_OK(safetensors_read_f32(orig, to, 0, to->n_elements, b));
            double e2 = 0, x2 = 0;
            for (uint64_t e = 0; e < tq->n_elements; e++) {
                double d = (double)a[e] - b[e];
                e2 += d * d;
                x2 += (double)b[e] * b[e];
            }
            double rel = sqrt(e2 / x2);
            printf("kquants %s %-40s rms error / rms %.4f (bound %.3f)\n", types[k].name, tq->name, rel,
                   types[k].bound);
            CHECK(rel < types[k].bound);
            /* reads that start and end inside blocks agree with the whole read */
            float part[300];
            uint64_t first = tq->n_elements > 1000 ? 77 : 0, n = tq->n_elements - first < 300 ? tq->n_elements - first : 300;
            CHECK_OK(safetensors_read_f32(q, tq, first, n, part));
            CHECK(memcmp(part, a + first, n * sizeof *part) == 0);
            free(a);
            free(b);
        }
        safetensors_close(q);
    }
    safetensors_close(orig);
}

/* ---- the reader ------------------------------------------------------------------------- */

static float src_values[3][256 * 4];

static const gguf_out_tensor valid_tensors[3];

static pixeen_status fill_values(size_t index, uint8_t *dst, uint64_t bytes, void *user) {
    (void)user;
    uint32_t type = valid_tensors[index].type;
    uint64_t n = bytes / ggml_block_bytes(type) * ggml_block_elems(type);
    ggml_quantize(type, src_values[index], (size_t)(n / ggml_block_elems(type)), dst);
    return PIXEEN_OK;
}

static const gguf_out_tensor valid_tensors[3] = { /* defined */
    {"blocks.0.weight", GGML_Q8_0, 2, {3, 64}},  /* 3 rows of 64 */
    {"blocks.0.bias", GGML_F32, 1, {3}},
    {"deep.weight", GGML_Q4_K, 4, {2, 1, 1, 256}},
};

static uint8_t *valid_file(uint32_t alignment, size_t *size) {
    for (int t = 0; t < 3; t++) test_fill_random(src_values[t], 256 * 4, (unsigned)t + 1, -1, 1);
    gguf_out_kv kv[2] = {{"general.name", "test"}, {"pixeen.note", "a value"}};
    uint8_t *buf = NULL;
    CHECK_OK(gguf_write_memory(valid_tensors, 3, kv, 2, alignment, fill_values, NULL, &buf, size));
    return buf;
}

static void test_valid(void) {
    for (uint32_t alignment = 32; alignment <= 64; alignment *= 2) {
        size_t size = 0;
        uint8_t *buf = valid_file(alignment, &size);
        safetensors_file *f = NULL;
        CHECK_OK(safetensors_open_memory(buf, size, "valid.gguf", &f));
        if (!f) {
            free(buf);
            continue;
        }
        CHECK(safetensors_count(f) == 3);
        const safetensors_tensor *w = safetensors_find(f, "blocks.0.weight");
        CHECK(w && w->dtype == SAFETENSORS_Q8_0 && w->ndim == 2 && w->shape[0] == 3 && w->shape[1] == 64);
        const safetensors_tensor *d = safetensors_find(f, "deep.weight");
        CHECK(d && d->dtype == SAFETENSORS_Q4_K && d->ndim == 4 && d->shape[0] == 2 && d->shape[3] == 256);
        CHECK(d && d->offset % alignment == 0);
        CHECK(safetensors_metadata_get(f, "general.name") && !strcmp(safetensors_metadata_get(f, "general.name"), "test"));
        if (w) {
            float got[192];
            CHECK_OK(safetensors_read_f32(f, w, 0, 192, got));
            double worst = 0;
            for (int i = 0; i < 192; i++) worst = fmax(worst, fabs((double)got[i] - src_values[0][i]));
            CHECK(worst < 0.01); /* q8_0 of values in [-1, 1]: half a step of 1/127 */
        }
        safetensors_close(f);
        /* version 2 reads the same */
        buf[4] = 2;
        CHECK_OK(safetensors_open_memory(buf, size, "v2.gguf", &f));
        safetensors_close(f);
        f = NULL;
        buf[4] = 3;

        /* every truncation: fails, unless only the padding after the last tensor went */
        uint64_t data_end = 0;
        gguf_table t;
        CHECK_OK(gguf_parse(buf, size, "t", &t));
        for (size_t i = 0; i < t.count; i++)
            if (t.tensors[i].offset + t.tensors[i].nbytes > data_end) data_end = t.tensors[i].offset + t.tensors[i].nbytes;
        gguf_table_free(&t);
        size_t failures = 0;
        for (size_t len = 0; len < size; len++) {
            uint8_t *cut = malloc(len ? len : 1);
            memcpy(cut, buf, len);
            pixeen_status st = safetensors_open_memory(cut, len, "cut.gguf", &f);
            if (len < data_end) {
                CHECK(st != PIXEEN_OK);
                failures += st != PIXEEN_OK;
            }
            safetensors_close(f);
            f = NULL;
            free(cut);
        }
        printf("truncations (alignment %u): %zu of %llu rejected\n", alignment, failures, (unsigned long long)data_end);
        /* flips in the header: never a crash; when accepted, every tensor reads */
        size_t header = size < 400 ? size : 400;
        size_t accepted = 0;
        for (size_t i = 0; i < header; i++) {
            static const uint8_t masks[3] = {0x01, 0x80, 0xFF};
            for (int m = 0; m < 3; m++) {
                buf[i] ^= masks[m];
                pixeen_status st = safetensors_open_memory(buf, size, "flip.gguf", &f);
                if (st == PIXEEN_OK) {
                    accepted++;
                    float v[16];
                    for (size_t k = 0; k < safetensors_count(f); k++) {
                        const safetensors_tensor *tk = safetensors_at(f, k);
                        uint64_t n = tk->n_elements < 16 ? tk->n_elements : 16;
                        CHECK_OK(safetensors_read_f32(f, tk, tk->n_elements - n, n, v));
                    }
                } else {
                    CHECK(strstr(error_message(), "gguf") != NULL);
                }
                safetensors_close(f);
                f = NULL;
                buf[i] ^= masks[m];
            }
        }
        printf("header bit flips (alignment %u): %zu of %zu accepted (names, values), the rest rejected\n",
               alignment, accepted, header * 3);
        free(buf);
    }
}

/* A hand-written header: appends little-endian fields. */
typedef struct bytes {
    uint8_t b[4096];
    size_t n;
} bytes;
static void u32(bytes *b, uint32_t v) {
    for (int i = 0; i < 4; i++) b->b[b->n++] = (uint8_t)(v >> (8 * i));
}
static void u64(bytes *b, uint64_t v) {
    for (int i = 0; i < 8; i++) b->b[b->n++] = (uint8_t)(v >> (8 * i));
}
static void str(bytes *b, const char *s) {
    u64(b, strlen(s));
    memcpy(b->b + b->n, s, strlen(s));
    b->n += strlen(s);
}
static void head(bytes *b, uint32_t version, uint64_t tensors, uint64_t kvs) {
    b->n = 0;
    memcpy(b->b, "GGUF", 4);
    b->n = 4;
    u32(b, version);
    u64(b, tensors);
    u64(b, kvs);
}
/* tensor info with n_dims extents given innermost first */
static void info(bytes *b, const char *name, uint32_t ndim, const uint64_t *ne, uint32_t type, uint64_t offset) {
    str(b, name);
    u32(b, ndim);
    for (uint32_t d = 0; d < ndim; d++) u64(b, ne[d]);
    u32(b, type);
    u64(b, offset);
}
static void data(bytes *b, size_t n, uint32_t alignment) {
    while (b->n % alignment) b->b[b->n++] = 0;
    memset(b->b + b->n, 0, n);
    b->n += n;
}

static void expect_error(const bytes *b, pixeen_status want, const char *phrase) {
    gguf_table t;
    pixeen_status st = gguf_parse(b->b, b->n, "bad.gguf", &t);
    CHECK(st == want);
    if (st == PIXEEN_OK) gguf_table_free(&t);
    else if (!strstr(error_message(), phrase)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", error_message(), phrase);
        CHECK(!"message names the problem");
    }
}

static void test_hostile(void) {
    bytes b;
    const uint64_t row[1] = {32}, ne2[2] = {32, 2}, ne5[5] = {32, 1, 1, 1, 1}, odd[1] = {33};
    /* a correct minimal file first (the cases below differ from it in one thing) */
    head(&b, 3, 1, 0);
    info(&b, "w", 1, row, GGML_F32, 0);
    data(&b, 128, 32);
    gguf_table t;
    CHECK_OK(gguf_parse(b.b, b.n, "ok.gguf", &t));
    gguf_table_free(&t);

    head(&b, 1, 0, 0);
    expect_error(&b, PIXEEN_ERROR_UNSUPPORTED, "version 1");
    head(&b, 0x03000000, 0, 0);
    expect_error(&b, PIXEEN_ERROR_UNSUPPORTED, "big-endian");
    head(&b, 7, 0, 0);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "version 7");
    b.n = 0;
    memcpy(b.b, "GGUX0000", 8);
    b.n = 8;
    expect_error(&b, PIXEEN_ERROR_FORMAT, "magic");
    head(&b, 3, 0, 1);
    str(&b, "general.alignment");
    u32(&b, 4);
    u32(&b, 48);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "power of two");
    head(&b, 3, 0, 1);
    str(&b, "general.alignment");
    u32(&b, 10); /* uint64 */
    u64(&b, 64);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "expected uint32");
    head(&b, 3, 0, 2);
    str(&b, "k");
    u32(&b, 4);
    u32(&b, 1);
    str(&b, "k");
    u32(&b, 4);
    u32(&b, 2);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "appears twice");
    head(&b, 3, 0, 1);
    str(&b, "flag");
    u32(&b, 7);
    b.b[b.n++] = 2;
    expect_error(&b, PIXEEN_ERROR_FORMAT, "bool");
    head(&b, 3, 0, 1);
    str(&b, "nested");
    u32(&b, 9);
    u32(&b, 9);
    u64(&b, 1);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "nested");
    head(&b, 3, 0, 1);
    str(&b, "big");
    u32(&b, 9);
    u32(&b, 12);
    u64(&b, 1ull << 60);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "more than the file");
    head(&b, 3, 0, 1);
    str(&b, "s");
    u32(&b, 8);
    u64(&b, ~0ull);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "too long");
    head(&b, 3, 0, 1);
    u64(&b, 3);
    memcpy(b.b + b.n, "a\0b", 3);
    b.n += 3;
    u32(&b, 4);
    u32(&b, 0);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "NUL");
    head(&b, 3, 0, 1);
    str(&b, "t");
    u32(&b, 13);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "unknown value type");
    head(&b, 3, 1ull << 40, 0);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "cannot fit");
    head(&b, 3, 2, 0);
    info(&b, "w", 1, row, GGML_F32, 0);
    info(&b, "w", 1, row, GGML_F32, 128);
    data(&b, 256, 32);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "appears twice");
    head(&b, 3, 2, 0);
    info(&b, "a", 1, row, GGML_F32, 0);
    info(&b, "b", 2, ne2, GGML_F32, 64);
    data(&b, 320, 32);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "overlap");
    head(&b, 3, 1, 0);
    info(&b, "w", 1, row, GGML_F32, 16);
    data(&b, 160, 32);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "not a multiple of the alignment");
    head(&b, 3, 1, 0);
    info(&b, "w", 1, row, GGML_F32, 0);
    data(&b, 100, 32);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "outside");
    head(&b, 3, 1, 0);
    info(&b, "w", 1, odd, GGML_Q8_0, 0);
    data(&b, 64, 32);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "whole blocks");
    head(&b, 3, 1, 0);
    info(&b, "w", 5, ne5, GGML_F32, 0);
    data(&b, 128, 32);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "5 dimensions");
    head(&b, 3, 1, 0);
    info(&b, "w", 1, row, 20, 0); /* IQ4_NL: not read */
    data(&b, 128, 32);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "ggml type 20");
    const uint64_t huge[3] = {1ull << 32, 1ull << 32, 1ull << 8};
    head(&b, 3, 1, 0);
    info(&b, "w", 3, huge, GGML_F32, 0);
    data(&b, 128, 32);
    expect_error(&b, PIXEEN_ERROR_FORMAT, "overflow");
}

static void test_fixture_model(void) {
    model *m = NULL;
    CHECK_OK(model_open(test_data_path("gguf/sd15-tiny.q8_0.gguf"), &m));
    if (!m) return;
    CHECK(model_get_family(m) == MODEL_FAMILY_SD1);
    const model_weight *w = model_weight_find(m, MODEL_UNET, "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight");
    CHECK(w && w->tensor->dtype == SAFETENSORS_Q8_0 && w->ndim == 2);
    const model_weight *c = model_weight_find(m, MODEL_UNET, "conv_in.weight");
    CHECK(c && c->tensor->dtype == SAFETENSORS_F16 && c->ndim == 4);
    model_close(m);
}

int main(void) {
    test_hand_blocks();
    test_round_trip();
    test_kquant_fixtures();
    test_valid();
    test_hostile();
    test_fixture_model();
    return test_finish();
}
