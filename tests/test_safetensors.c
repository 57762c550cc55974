/* test_safetensors.c — the safetensors reader: valid files (F32/F16/BF16 conversion, partial
 * reads, metadata, integer and 0-d tensors tolerated) and hostile ones (truncated, header length
 * past the end or over the bound, bad JSON, unknown dtype, shape/size mismatch, overflowing
 * dimensions, ranges outside the data or overlapping, duplicates). Every failure must be a clear
 * PIXEEN_ERROR_FORMAT naming the file and, where there is one, the tensor. */
#include <fcntl.h>
#include <unistd.h>

#include "core/f16.h"
#include "models/safetensors.h"
#include "st_write.h"
#include "test.h"

/* Builds header-length + header + `data_len` bytes of data (filled from `data` or zeros). */
static uint8_t *build(const char *header, const void *data, size_t data_len, size_t *size) {
    size_t hl = strlen(header);
    *size = 8 + hl + data_len;
    uint8_t *buf = calloc(1, *size);
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)((uint64_t)hl >> (8 * i));
    memcpy(buf + 8, header, hl);
    if (data) memcpy(buf + 8 + hl, data, data_len);
    return buf;
}

static pixeen_status open_built(const char *header, size_t data_len, safetensors_file **f, uint8_t **keep) {
    size_t size;
    *keep = build(header, NULL, data_len, &size);
    return safetensors_open_memory(*keep, size, "test.safetensors", f);
}

/* The header must be rejected with a FORMAT error whose message contains `needle`. */
static void expect_bad(const char *header, size_t data_len, const char *needle) {
    safetensors_file *f = NULL;
    uint8_t *buf;
    CHECK_STATUS(open_built(header, data_len, &f, &buf), PIXEEN_ERROR_FORMAT);
    CHECK(f == NULL);
    bool ok = strstr(error_message(), needle) && strstr(error_message(), "test.safetensors");
    if (!ok) fprintf(stderr, "  message '%s' lacks '%s'\n", error_message(), needle);
    CHECK(ok);
    free(buf);
}

static void test_valid(void) {
    float f32[6] = {1.0f, -2.5f, 3.25f, 65504.0f, 1e-8f, 70000.0f};
    uint16_t f16[4], bf16[4] = {0x3F80, 0xC020, 0x4049, 0x0000}; /* 1, -2.5, 3.140625, 0 */
    for (int i = 0; i < 4; i++) f16[i] = f32_to_f16(f32[i]);
    uint8_t data[24 + 8 + 8 + 16 + 4];
    memcpy(data, f32, 24);
    memcpy(data + 24, f16, 8);
    memcpy(data + 32, bf16, 8);
    int64_t ids[2] = {0, 1};
    memcpy(data + 40, ids, 16);
    float scalar = 0.5f;
    memcpy(data + 56, &scalar, 4);
    const char *header =
        "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"x\"},"
        "\"w32\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
        "\"w16\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[24,32]},"
        "\"wbf\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[32,40]},"
        "\"ids\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[40,56]},"
        "\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[56,60]},"
        "\"empty\":{\"dtype\":\"F16\",\"shape\":[0,4],\"data_offsets\":[60,60]}}  ";
    size_t size;
    uint8_t *buf = build(header, data, sizeof data, &size);
    safetensors_file *f = NULL;
    CHECK_OK(safetensors_open_memory(buf, size, "valid.safetensors", &f));
    if (!f) {
        free(buf);
        return;
    }
    CHECK(safetensors_count(f) == 6);
    CHECK(!strcmp(safetensors_at(f, 0)->name, "empty")); /* sorted by name */
    CHECK(safetensors_metadata_count(f) == 2);
    CHECK(!strcmp(safetensors_metadata_get(f, "format"), "pt"));
    const safetensors_tensor *t = safetensors_find(f, "w32");
    CHECK(t && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3 && t->n_elements == 6);
    float out[6];
    uint16_t h[6];
    CHECK_OK(safetensors_read_f32(f, t, 0, 6, out));
    CHECK(!memcmp(out, f32, sizeof f32));
    CHECK_OK(safetensors_read_f16(f, t, 2, 4, h));
    CHECK(h[0] == f32_to_f16(3.25f) && h[1] == 0x7BFF && h[3] == 0x7C00); /* 65504 max, 70000 -> inf */
    CHECK_STATUS(safetensors_read_f32(f, t, 4, 3, out), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(safetensors_read_f32(f, t, UINT64_MAX, 2, out), PIXEEN_ERROR_INVALID_ARGUMENT);
    t = safetensors_find(f, "w16");
    CHECK_OK(safetensors_read_f32(f, t, 0, 4, out));
    CHECK(out[0] == 1.0f && out[1] == -2.5f && out[2] == 3.25f && out[3] == 65504.0f);
    CHECK_OK(safetensors_read_f16(f, t, 1, 2, h));
    CHECK(h[0] == f16[1] && h[1] == f16[2]);
    t = safetensors_find(f, "wbf");
    CHECK_OK(safetensors_read_f32(f, t, 0, 4, out));
    CHECK(out[0] == 1.0f && out[1] == -2.5f && out[2] == 3.140625f && out[3] == 0.0f);
    CHECK_OK(safetensors_read_f16(f, t, 0, 4, h));
    CHECK(h[0] == f32_to_f16(1.0f) && h[2] == f32_to_f16(3.140625f));
    t = safetensors_find(f, "scalar");
    CHECK(t && t->ndim == 0 && t->n_elements == 1);
    CHECK_OK(safetensors_read_f32(f, t, 0, 1, out));
    CHECK(out[0] == 0.5f);
    t = safetensors_find(f, "ids");
    CHECK_STATUS(safetensors_read_f16(f, t, 0, 2, h), PIXEEN_ERROR_UNSUPPORTED);
    CHECK(strstr(error_message(), "'ids'") && strstr(error_message(), "I64"));
    CHECK(safetensors_find(f, "nope") == NULL);
    safetensors_close(f);
    free(buf);
}

static void test_hostile(void) {
    safetensors_file *f = NULL;
    /* shorter than the length field; header length past the end */
    uint8_t tiny[4] = {1, 0, 0, 0};
    CHECK_STATUS(safetensors_open_memory(tiny, 4, "test.safetensors", &f), PIXEEN_ERROR_FORMAT);
    uint8_t past[16] = {200, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    CHECK_STATUS(safetensors_open_memory(past, 16, "test.safetensors", &f), PIXEEN_ERROR_FORMAT);
    CHECK(strstr(error_message(), "past the end") != NULL);
    uint8_t huge[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}'};
    CHECK_STATUS(safetensors_open_memory(huge, 16, "test.safetensors", &f), PIXEEN_ERROR_FORMAT);
    expect_bad("[1,2]", 0, "'{'");
    expect_bad("{\"a\":", 0, "not a valid JSON");
    expect_bad("{}xx", 0, "after the JSON");
    expect_bad("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "unknown dtype");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "'a'");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 4, "outside the data");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "are reversed");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],\"data_offsets\":[0,4]}}", 4,
               "overflows");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4]}}", 4, "'a'");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "dimension 0");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "dimension 0");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, "data_offsets");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4, "dimensions");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
               "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
               8, "overlaps");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
               "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
               8, "twice");
    expect_bad("{\"__metadata__\":{\"n\":1}}", 0, "not a string");
    expect_bad("{\"a\":7}", 0, "'a'");
    /* a real file: header length bound, checked on a sparse file bigger than the bound */
    char path[4096];
    const char *cache = getenv("XDG_CACHE_HOME");
    snprintf(path, sizeof path, "%s/pixeen-test-sparse.safetensors", cache ? cache : "/tmp");
    if (cache) mkdir(cache, 0755);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    CHECK(fd >= 0);
    if (fd >= 0) {
        uint64_t len = SAFETENSORS_MAX_HEADER + 1ull;
        uint8_t le[9];
        for (int i = 0; i < 8; i++) le[i] = (uint8_t)(len >> (8 * i));
        le[8] = '{';
        CHECK(write(fd, le, 9) == 9);
        CHECK(ftruncate(fd, (off_t)(len + 64)) == 0);
        close(fd);
        CHECK_STATUS(safetensors_open(path, &f), PIXEEN_ERROR_FORMAT);
        CHECK(strstr(error_message(), "at most") != NULL);
        unlink(path);
    }
    CHECK_STATUS(safetensors_open("/nonexistent/x.safetensors", &f), PIXEEN_ERROR_IO);
    CHECK(strstr(error_message(), "/nonexistent/x.safetensors") != NULL);
}

/* The fixture's single file: real-checkpoint extras (I64 position_ids, F32 buffers) load. */
static void test_fixture(void) {
    safetensors_file *f = NULL;
    CHECK_OK(safetensors_open(test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"), &f));
    if (!f) return;
    CHECK(safetensors_count(f) == 557);
    CHECK(!strcmp(safetensors_metadata_get(f, "format"), "pt"));
    const safetensors_tensor *t = safetensors_find(f, "cond_stage_model.transformer.text_model.embeddings.position_ids");
    CHECK(t && t->dtype == SAFETENSORS_I64);
    t = safetensors_find(f, "model.diffusion_model.input_blocks.0.0.weight");
    CHECK(t && t->dtype == SAFETENSORS_F16 && t->n_elements == 32 * 4 * 9);
    float v[4];
    CHECK_OK(safetensors_read_f32(f, t, 0, 4, v));
    CHECK(isfinite(v[0]) && v[0] != 0.0f);
    safetensors_close(f);
}

/* F16 data and raw bytes are read from the open file, not through the mapping: values arrive
 * exactly, and a file cut short after the open is an I/O error naming the tensor where a read
 * through the mapping would have been a SIGBUS. */
static void test_file_reads(void) {
    enum { N = 3000 };
    static float values[N];
    for (int i = 0; i < N; i++) values[i] = (float)(i % 97) * 0.25f - 7.0f; /* exact in fp16 */
    const st_entry entries[] = {{"a", "F16", 2, {30, 100}, values}, {"b", "F32", 1, {N}, values}};
    char path[4200];
    const char *cache = getenv("XDG_CACHE_HOME");
    snprintf(path, sizeof path, "%s/pixeen-test-reads.safetensors", cache ? cache : "/tmp");
    if (cache) mkdir(cache, 0755);
    CHECK(st_write(path, entries, 2));
    safetensors_file *f = NULL;
    CHECK_OK(safetensors_open(path, &f));
    if (!f) return;
    const safetensors_tensor *a = safetensors_find(f, "a"), *b = safetensors_find(f, "b");
    CHECK(a && b);
    static uint16_t h[N];
    static float got[N];
    CHECK_OK(safetensors_read_f16(f, a, 7, N - 7, h));
    size_t wrong = 0;
    for (int i = 7; i < N; i++) wrong += h[i - 7] != f32_to_f16(values[i]);
    CHECK_OK(safetensors_read_f32(f, b, 0, N, got));
    for (int i = 0; i < N; i++) wrong += got[i] != values[i];
    CHECK(wrong == 0);
#ifndef _WIN32 /* Windows refuses to cut a file that is mapped */
    CHECK(truncate(path, (off_t)(safetensors_file_size(f) - 100)) == 0); /* b's last 25 values gone */
    CHECK_OK(safetensors_read_f16(f, a, 0, N, h));                       /* a is still whole */
    uint8_t raw[64];
    CHECK_STATUS(safetensors_read_raw(f, b, (N - 16) * 4, 64, raw), PIXEEN_ERROR_IO);
    CHECK(strstr(error_message(), "'b'") && strstr(error_message(), "change"));
#endif
    safetensors_close(f);
    unlink(path);
}

int main(void) {
    test_valid();
    test_hostile();
    test_fixture();
    test_file_reads();
    return test_finish();
}
