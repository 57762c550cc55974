/* npy.c — .npy header parsing/encoding and whole-file read/write (see npy.h for the contract).
 * The header dict is parsed by a small recursive-descent reader of exactly the Python literal
 * subset numpy writes (quoted strings without escapes, True/False, tuples of non-negative
 * integers, optional trailing commas); every key must appear exactly once and no other key may.
 * All lengths are checked before use and all products for overflow, so a hostile file can only
 * produce PIXEEN_ERROR_FORMAT (tests/fuzz/fuzz_npy.c exercises this).
 * Entry points: see npy.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"
#include "core/npy.h"

/* magic (6) + version (2): the header length field follows. */
#define NPY_PREFIX 8
/* The total header (prefix + length + dict) is padded to this alignment (numpy >= 1.14). */
#define NPY_ALIGN 64

size_t npy_dtype_size(npy_dtype dtype) {
    switch (dtype) {
    case NPY_DTYPE_F32: return 4;
    case NPY_DTYPE_F16: return 2;
    case NPY_DTYPE_I32: return 4;
    case NPY_DTYPE_I64: return 8;
    }
    return 0;
}

const char *npy_dtype_name(npy_dtype dtype) {
    switch (dtype) {
    case NPY_DTYPE_F32: return "<f4";
    case NPY_DTYPE_F16: return "<f2";
    case NPY_DTYPE_I32: return "<i4";
    case NPY_DTYPE_I64: return "<i8";
    }
    return "?";
}

/* ---- the dict reader ------------------------------------------------------------------------ */

typedef struct cursor {
    const char *p, *end;
} cursor;

static void skip_space(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int take(cursor *c, char ch) {
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

static int take_word(cursor *c, const char *word) {
    skip_space(c);
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0) {
        c->p += n;
        return 1;
    }
    return 0;
}

/* A quoted string without escapes, copied to out (NUL-terminated, truncated never: too long
 * is an error). */
static int parse_string(cursor *c, char *out, size_t cap) {
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return 0;
    char quote = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != quote) {
        if (*c->p == '\\' || n + 1 >= cap) return 0;
        out[n++] = *c->p++;
    }
    if (c->p >= c->end) return 0;
    c->p++;
    out[n] = 0;
    return 1;
}

static int parse_uint(cursor *c, uint64_t *out) {
    skip_space(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return 0;
    uint64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        uint64_t d = (uint64_t)(*c->p - '0');
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
        c->p++;
    }
    if (c->p < c->end && *c->p == 'L') c->p++; /* Python 2 longs in files from old numpy */
    *out = v;
    return 1;
}

/* "()" | "(n,)" | "(n, m)" | "(n, m,)" ... ; a lone "(n)" is an int in Python, not a tuple. */
static pixeen_status parse_shape(cursor *c, npy_header *h) {
    if (!take(c, '(')) return error_set(PIXEEN_ERROR_FORMAT, "npy: 'shape' is not a tuple");
    h->ndim = 0;
    if (take(c, ')')) return PIXEEN_OK;
    for (;;) {
        uint64_t v;
        if (!parse_uint(c, &v)) return error_set(PIXEEN_ERROR_FORMAT, "npy: 'shape' has a non-integer entry");
        if (h->ndim >= NPY_MAX_DIMS)
            return error_set(PIXEEN_ERROR_FORMAT, "npy: more than %d dimensions", NPY_MAX_DIMS);
        h->shape[h->ndim++] = v;
        int comma = take(c, ',');
        if (take(c, ')')) {
            if (h->ndim == 1 && !comma)
                return error_set(PIXEEN_ERROR_FORMAT, "npy: 'shape' is an integer, not a tuple");
            return PIXEEN_OK;
        }
        if (!comma) return error_set(PIXEEN_ERROR_FORMAT, "npy: 'shape' tuple is malformed");
    }
}

static pixeen_status parse_descr(const char *descr, npy_dtype *out) {
    static const struct {
        const char *descr;
        npy_dtype dtype;
    } known[] = {
        {"<f4", NPY_DTYPE_F32}, {"<f2", NPY_DTYPE_F16}, {"<i4", NPY_DTYPE_I32}, {"<i8", NPY_DTYPE_I64},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(descr, known[i].descr) == 0) {
            *out = known[i].dtype;
            return PIXEEN_OK;
        }
    }
    /* '=' is native order, little-endian on every host Pixeen supports. */
    if (descr[0] == '=' && strlen(descr) == 3) {
        char le[4] = {'<', descr[1], descr[2], 0};
        return parse_descr(le, out);
    }
    if (descr[0] == '>')
        return error_set(PIXEEN_ERROR_FORMAT,
                         "npy: big-endian dtype '%s' is not supported (save with '<' byte order)", descr);
    return error_set(PIXEEN_ERROR_FORMAT,
                     "npy: unsupported dtype '%s' (expected <f4, <f2, <i4 or <i8)", descr);
}

static pixeen_status parse_dict(cursor *c, npy_header *h) {
    int have_descr = 0, have_order = 0, have_shape = 0;
    if (!take(c, '{')) return error_set(PIXEEN_ERROR_FORMAT, "npy: header is not a dict");
    while (!take(c, '}')) {
        char key[32];
        if (!parse_string(c, key, sizeof key) || !take(c, ':'))
            return error_set(PIXEEN_ERROR_FORMAT, "npy: header dict is malformed");
        if (strcmp(key, "descr") == 0 && !have_descr) {
            char descr[32];
            if (!parse_string(c, descr, sizeof descr))
                return error_set(PIXEEN_ERROR_FORMAT,
                                 "npy: 'descr' is not a simple dtype string (structured arrays are not supported)");
            PX_TRY(parse_descr(descr, &h->dtype));
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0 && !have_order) {
            if (take_word(c, "True"))
                return error_set(PIXEEN_ERROR_FORMAT,
                                 "npy: Fortran-order arrays are not supported (save a C-contiguous array)");
            if (!take_word(c, "False"))
                return error_set(PIXEEN_ERROR_FORMAT, "npy: 'fortran_order' is not True or False");
            have_order = 1;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            PX_TRY(parse_shape(c, h));
            have_shape = 1;
        } else {
            return error_set(PIXEEN_ERROR_FORMAT, "npy: unexpected or repeated header key '%s'", key);
        }
        if (!take(c, ',')) {
            if (!take(c, '}')) return error_set(PIXEEN_ERROR_FORMAT, "npy: header dict is malformed");
            break;
        }
    }
    if (!have_descr || !have_order || !have_shape)
        return error_set(PIXEEN_ERROR_FORMAT, "npy: header lacks '%s'",
                         !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
    skip_space(c);
    if (c->p != c->end) return error_set(PIXEEN_ERROR_FORMAT, "npy: trailing characters after the header dict");
    return PIXEEN_OK;
}

pixeen_status npy_parse_header(const uint8_t *buf, size_t len, size_t file_size, npy_header *out) {
    if (!buf || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "npy: parse: NULL argument");
    memset(out, 0, sizeof *out);
    if (len > file_size) len = file_size;
    if (len < NPY_PREFIX + 2 || memcmp(buf, "\x93NUMPY", 6) != 0)
        return error_set(PIXEEN_ERROR_FORMAT, "npy: not a .npy file (bad magic or shorter than 10 bytes)");
    uint8_t major = buf[6];
    size_t field = major == 1 ? 2 : 4;
    if (major < 1 || major > 3)
        return error_set(PIXEEN_ERROR_FORMAT, "npy: format version %u.%u (expected 1.0, 2.0 or 3.0)",
                         (unsigned)major, (unsigned)buf[7]);
    if (len < NPY_PREFIX + field) return error_set(PIXEEN_ERROR_FORMAT, "npy: truncated header");
    size_t header_len = (size_t)buf[8] | (size_t)buf[9] << 8;
    if (field == 4) header_len |= (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
    if (header_len > NPY_MAX_HEADER_BYTES)
        return error_set(PIXEEN_ERROR_FORMAT, "npy: header of %zu bytes (expected at most %d)", header_len,
                         NPY_MAX_HEADER_BYTES);
    size_t offset = NPY_PREFIX + field + header_len;
    if (offset > len)
        return error_set(PIXEEN_ERROR_FORMAT, "npy: truncated header (%zu of %zu bytes present)", len, offset);
    cursor c = {(const char *)buf + NPY_PREFIX + field, (const char *)buf + offset};
    PX_TRY(parse_dict(&c, out));

    size_t count = 1;
    for (int i = 0; i < out->ndim; i++) {
        if (out->shape[i] > SIZE_MAX || (out->shape[i] != 0 && count > SIZE_MAX / (size_t)out->shape[i]))
            return error_set(PIXEEN_ERROR_FORMAT, "npy: shape's element count overflows");
        count *= (size_t)out->shape[i];
    }
    size_t item = npy_dtype_size(out->dtype);
    if (count > SIZE_MAX / item) return error_set(PIXEEN_ERROR_FORMAT, "npy: shape's byte size overflows");
    out->count = count;
    out->data_offset = offset;
    out->data_bytes = count * item;
    if (file_size - offset != out->data_bytes)
        return error_set(PIXEEN_ERROR_FORMAT,
                         "npy: %zu data bytes after the header (expected %zu for the shape: %s)",
                         file_size - offset, out->data_bytes,
                         file_size - offset < out->data_bytes ? "truncated file" : "trailing bytes");
    return PIXEEN_OK;
}

pixeen_status npy_read(const char *path, npy_header *header, void **data) {
    if (!path || !header || !data) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "npy: read: NULL argument");
    *data = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return error_set(PIXEEN_ERROR_IO, "npy: cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
        fclose(f);
        return error_set(PIXEEN_ERROR_IO, "npy: cannot stat '%s'", path);
    }
    size_t file_size = (size_t)st.st_size;
    uint8_t head[NPY_PREFIX + 4 + NPY_MAX_HEADER_BYTES];
    size_t want = file_size < sizeof head ? file_size : sizeof head;
    size_t got = fread(head, 1, want, f);
    pixeen_status status = got == want ? npy_parse_header(head, got, file_size, header)
                                       : error_set(PIXEEN_ERROR_IO, "npy: read error on '%s'", path);
    if (status == PIXEEN_OK && header->data_bytes > 0) {
        void *buf = malloc(header->data_bytes);
        if (!buf) {
            status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "npy: %zu bytes for '%s'", header->data_bytes, path);
        } else if (fseek(f, (long)header->data_offset, SEEK_SET) != 0 ||
                   fread(buf, 1, header->data_bytes, f) != header->data_bytes) {
            free(buf);
            status = error_set(PIXEEN_ERROR_IO, "npy: read error on '%s'", path);
        } else {
            *data = buf;
        }
    }
    fclose(f);
    if (status != PIXEEN_OK) return error_wrap(status, "'%s': ", path);
    return PIXEEN_OK;
}

pixeen_status npy_encode_header(npy_dtype dtype, int ndim, const uint64_t *shape, uint8_t *buf,
                                size_t cap, size_t *len) {
    if (!buf || !len || (ndim > 0 && !shape) || ndim < 0 || ndim > NPY_MAX_DIMS || npy_dtype_size(dtype) == 0)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "npy: encode: bad dtype, ndim %d or NULL argument", ndim);
    char dict[64 + NPY_MAX_DIMS * 24]; /* fixed text + up to 20 digits and ", " per dimension */
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     npy_dtype_name(dtype));
    for (int i = 0; i < ndim; i++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%llu%s", (unsigned long long)shape[i],
                      ndim == 1 ? "," : (i + 1 < ndim ? ", " : ""));
    n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
    size_t dict_len = (size_t)n;
    /* Version 1.0 has a 2-byte length; our dicts are always far below 65535 bytes. */
    size_t unpadded = NPY_PREFIX + 2 + dict_len + 1; /* + '\n' */
    size_t total = (unpadded + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    if (total > cap) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "npy: encode: buffer of %zu bytes (need %zu)", cap, total);
    size_t header_len = total - NPY_PREFIX - 2;
    memcpy(buf, "\x93NUMPY\x01\x00", NPY_PREFIX);
    buf[8] = (uint8_t)(header_len & 0xff);
    buf[9] = (uint8_t)(header_len >> 8);
    memcpy(buf + 10, dict, dict_len);
    memset(buf + 10 + dict_len, ' ', total - 10 - dict_len - 1);
    buf[total - 1] = '\n';
    *len = total;
    return PIXEEN_OK;
}

pixeen_status npy_write(const char *path, npy_dtype dtype, int ndim, const uint64_t *shape, const void *data) {
    if (!path) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "npy: write: NULL path");
    uint8_t head[512]; /* the largest header (8 dims of 20 digits) is under 320 bytes */
    size_t head_len;
    PX_TRY(npy_encode_header(dtype, ndim, shape, head, sizeof head, &head_len));
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] > SIZE_MAX || (shape[i] != 0 && count > SIZE_MAX / (size_t)shape[i]))
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "npy: write: shape overflows");
        count *= (size_t)shape[i];
    }
    size_t item = npy_dtype_size(dtype);
    if (count > SIZE_MAX / item) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "npy: write: shape overflows");
    size_t bytes = count * item;
    if (bytes > 0 && !data) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "npy: write: NULL data");
    FILE *f = fopen(path, "wb");
    if (!f) return error_set(PIXEEN_ERROR_IO, "npy: cannot create '%s': %s", path, strerror(errno));
    int ok = fwrite(head, 1, head_len, f) == head_len && (bytes == 0 || fwrite(data, 1, bytes, f) == bytes);
    ok = (fclose(f) == 0) && ok;
    if (!ok) return error_set(PIXEEN_ERROR_IO, "npy: write error on '%s'", path);
    return PIXEEN_OK;
}
