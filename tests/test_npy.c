/* test_npy.c — .npy reading and writing.
 * - Round trip of every dtype for 0-d .. 5-d arrays (including empty ones) through npy_write and
 *   npy_read; the header matches numpy's exact layout for (2, 3) float32 (byte for byte).
 * - Headers numpy writes in other forms are accepted: version 2.0, '=' byte order, Python 2 'L'
 *   suffixes, no trailing comma, key order.
 * - Rejected with PIXEEN_ERROR_FORMAT and a message naming the problem: Fortran order,
 *   big-endian, unknown dtypes, missing/extra/repeated keys, bad magic or version, header longer
 *   than 10000 bytes, truncated header, truncated data, trailing bytes, element-count overflow,
 *   too many dimensions, a non-tuple shape.
 * - Every prefix of a valid file is rejected, and every single-byte corruption of its header
 *   either parses to a self-consistent result or is rejected (never a crash: run under ASan).
 */
#include "test.h"

#include <unistd.h>

#include "core/npy.h"

/* Builds a v1.0 file: header dict `dict` (padded to 64 like numpy), then `data_len` bytes. */
static size_t make_file(uint8_t *buf, const char *dict, size_t data_len, int major) {
    size_t field = major == 1 ? 2 : 4;
    size_t dl = strlen(dict);
    size_t total = 8 + field + dl + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t header_len = dl + pad + 1;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (uint8_t)major;
    buf[7] = 0;
    for (size_t i = 0; i < field; i++) buf[8 + i] = (uint8_t)(header_len >> (8 * i));
    memcpy(buf + 8 + field, dict, dl);
    memset(buf + 8 + field + dl, ' ', pad);
    buf[8 + field + dl + pad] = '\n';
    size_t off = 8 + field + header_len;
    for (size_t i = 0; i < data_len; i++) buf[off + i] = (uint8_t)i;
    return off + data_len;
}

static void test_round_trip(void) {
    char path[] = "/tmp/pixeen_test_npy_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    close(fd);
    static const uint64_t shapes[][5] = {{0}, {7}, {2, 3}, {1, 4, 5}, {2, 0, 3, 1}, {1, 2, 3, 2, 1}};
    for (int dt = 0; dt < 4; dt++) {
        for (int ndim = 0; ndim <= 5; ndim++) {
            const uint64_t *shape = shapes[ndim];
            size_t count = 1;
            for (int i = 0; i < ndim; i++) count *= shape[i];
            size_t bytes = count * npy_dtype_size((npy_dtype)dt);
            uint8_t *data = malloc(bytes + 1);
            for (size_t i = 0; i < bytes; i++) data[i] = (uint8_t)(i * 37 + 1);
            CHECK_OK(npy_write(path, (npy_dtype)dt, ndim, shape, data));
            npy_header h;
            void *back = NULL;
            CHECK_OK(npy_read(path, &h, &back));
            CHECK(h.dtype == (npy_dtype)dt && h.ndim == ndim && h.count == count && h.data_bytes == bytes);
            CHECK(h.data_offset % 64 == 0);
            for (int i = 0; i < ndim; i++) CHECK(h.shape[i] == shape[i]);
            CHECK(bytes == 0 ? back == NULL : memcmp(back, data, bytes) == 0);
            free(back);
            free(data);
        }
    }
    /* numpy's own bytes for np.save(np.zeros((2, 3), np.float32)): 128-byte header. */
    uint8_t expect[256], got[256];
    size_t elen = make_file(expect, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0, 1);
    size_t glen;
    uint64_t shape[2] = {2, 3};
    CHECK_OK(npy_encode_header(NPY_DTYPE_F32, 2, shape, got, sizeof got, &glen));
    CHECK(glen == elen && elen == 128 && memcmp(got, expect, elen) == 0);
    CHECK_STATUS(npy_encode_header(NPY_DTYPE_F32, 2, shape, got, 100, &glen), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(npy_read("/nonexistent/x.npy", &(npy_header){0}, &(void *){NULL}), PIXEEN_ERROR_IO);
    unlink(path);
}

static pixeen_status parse_dict(const char *dict, size_t data_len, int major, npy_header *h) {
    static uint8_t buf[20000];
    size_t len = make_file(buf, dict, data_len, major);
    return npy_parse_header(buf, len, len, h);
}

static void test_accepted_forms(void) {
    npy_header h;
    CHECK_OK(parse_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 12, 2, &h));
    CHECK(h.ndim == 1 && h.shape[0] == 3);
    CHECK_OK(parse_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 12, 3, &h));
    CHECK_OK(parse_dict("{'shape': (2L, 2L), 'fortran_order': False, 'descr': '=i4'}", 16, 1, &h));
    CHECK(h.dtype == NPY_DTYPE_I32 && h.count == 4);
    CHECK_OK(parse_dict("{\"descr\":\"<f2\",\"fortran_order\":False,\"shape\":(5,6)}", 60, 1, &h));
    CHECK(h.dtype == NPY_DTYPE_F16 && h.count == 30);
    CHECK_OK(parse_dict("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", 8, 1, &h));
    CHECK(h.ndim == 0 && h.count == 1);
    CHECK_OK(parse_dict("{'descr': '<i8', 'fortran_order': False, 'shape': (4, 0), }", 0, 1, &h));
    CHECK(h.count == 0 && h.data_bytes == 0);
}

static void expect_reject(const char *dict, size_t data_len, const char *needle) {
    npy_header h;
    pixeen_status st = parse_dict(dict, data_len, 1, &h);
    CHECK(st == PIXEEN_ERROR_FORMAT);
    if (st == PIXEEN_ERROR_FORMAT && !strstr(error_message(), needle)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", error_message(), needle);
        CHECK(0);
    }
}

static void test_rejected(void) {
    expect_reject("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16, "Fortran");
    expect_reject("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8, "big-endian");
    expect_reject("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16, "unsupported dtype '<f8'");
    expect_reject("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16, "unsupported dtype");
    expect_reject("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, "structured");
    expect_reject("{'descr': '<f4', 'shape': (2,), }", 8, "lacks 'fortran_order'");
    expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8, "unexpected");
    expect_reject("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8, "repeated");
    expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20, "truncated file");
    expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 28, "trailing bytes");
    expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", 0, "overflows");
    expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 0, "non-integer");
    expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 4, "dimensions");
    expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (5), }", 20, "not a tuple");
    expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 0, "non-integer");
    expect_reject("{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }", 8, "unsupported dtype");
    expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", 8, "trailing characters");
    expect_reject("['<f4']", 0, "not a dict");
    expect_reject("{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", 8, "malformed");

    npy_header h;
    uint8_t buf[64];
    CHECK_STATUS(npy_parse_header((const uint8_t *)"\x93NUMPZ\x01\x00\x10\x00", 10, 10, &h), PIXEEN_ERROR_FORMAT);
    CHECK_STATUS(npy_parse_header((const uint8_t *)"\x93NUMPY\x04\x00\x10\x00", 10, 10, &h), PIXEEN_ERROR_FORMAT);
    CHECK(strstr(error_message(), "version 4.0") != NULL);
    /* a header length beyond numpy's limit */
    memcpy(buf, "\x93NUMPY\x02\x00\x00\x00\x01\x00", 12);
    CHECK_STATUS(npy_parse_header(buf, 12, 1 << 20, &h), PIXEEN_ERROR_FORMAT);
    CHECK(strstr(error_message(), "header of 65536 bytes") != NULL);
    CHECK_STATUS(npy_parse_header(NULL, 0, 0, &h), PIXEEN_ERROR_INVALID_ARGUMENT);
}

static void test_truncation_and_corruption(void) {
    static uint8_t file[512], copy[512];
    size_t len = make_file(file, "{'descr': '<f2', 'fortran_order': False, 'shape': (3, 5), }", 30, 1);
    npy_header h;
    CHECK_OK(npy_parse_header(file, len, len, &h));
    int prefixes_rejected = 1;
    for (size_t n = 0; n < len; n++) {
        memcpy(copy, file, n); /* a fresh buffer of exactly n bytes for ASan to guard */
        uint8_t *exact = malloc(n ? n : 1);
        memcpy(exact, copy, n);
        prefixes_rejected &= npy_parse_header(exact, n, n, &h) == PIXEEN_ERROR_FORMAT;
        free(exact);
    }
    CHECK(prefixes_rejected);
    int consistent = 1, accepted = 0;
    for (size_t pos = 0; pos < h.data_offset; pos++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, file, len);
            copy[pos] ^= (uint8_t)(1u << bit);
            uint8_t *exact = malloc(len);
            memcpy(exact, copy, len);
            npy_header g;
            pixeen_status st = npy_parse_header(exact, len, len, &g);
            if (st == PIXEEN_OK) {
                accepted++;
                consistent &= g.data_offset + g.data_bytes == len;
            } else {
                consistent &= st == PIXEEN_ERROR_FORMAT;
            }
            free(exact);
        }
    }
    CHECK(consistent);
    printf("single-bit header corruptions: %d of %zu still parse (padding and quote changes)\n",
           accepted, (size_t)h.data_offset * 8);
}

int main(void) {
    test_round_trip();
    test_accepted_forms();
    test_rejected();
    test_truncation_and_corruption();
    return test_finish();
}
