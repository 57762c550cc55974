/* gguf.c — the validating GGUF reader (see gguf.h for the format and every check).
 * Entry points: gguf_has_magic, gguf_parse, gguf_table_free, gguf_dtype_to_ggml, gguf_ggml_to_dtype. */
#include "models/gguf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/ggml_quant.h"

/* Value types of key/value pairs (gguf.md). */
enum {
    GGUF_UINT8 = 0,
    GGUF_INT8 = 1,
    GGUF_UINT16 = 2,
    GGUF_INT16 = 3,
    GGUF_UINT32 = 4,
    GGUF_INT32 = 5,
    GGUF_FLOAT32 = 6,
    GGUF_BOOL = 7,
    GGUF_STRING = 8,
    GGUF_ARRAY = 9,
    GGUF_UINT64 = 10,
    GGUF_INT64 = 11,
    GGUF_FLOAT64 = 12,
    GGUF_VALUE_TYPES = 13
};

static const char *const value_type_names[GGUF_VALUE_TYPES] = {
    "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64",
    "float64"};
static const uint8_t value_sizes[GGUF_VALUE_TYPES] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

static const struct {
    uint32_t ggml;
    safetensors_dtype dtype;
} dtype_map[] = {
    {GGML_F32, SAFETENSORS_F32},   {GGML_F16, SAFETENSORS_F16},   {GGML_BF16, SAFETENSORS_BF16},
    {GGML_Q4_0, SAFETENSORS_Q4_0}, {GGML_Q4_1, SAFETENSORS_Q4_1}, {GGML_Q5_0, SAFETENSORS_Q5_0},
    {GGML_Q5_1, SAFETENSORS_Q5_1}, {GGML_Q8_0, SAFETENSORS_Q8_0}, {GGML_Q2_K, SAFETENSORS_Q2_K},
    {GGML_Q3_K, SAFETENSORS_Q3_K}, {GGML_Q4_K, SAFETENSORS_Q4_K}, {GGML_Q5_K, SAFETENSORS_Q5_K},
    {GGML_Q6_K, SAFETENSORS_Q6_K},
};

bool gguf_dtype_to_ggml(safetensors_dtype dtype, uint32_t *type) {
    for (size_t i = 0; i < sizeof dtype_map / sizeof dtype_map[0]; i++)
        if (dtype_map[i].dtype == dtype) {
            *type = dtype_map[i].ggml;
            return true;
        }
    return false;
}

bool gguf_ggml_to_dtype(uint32_t type, safetensors_dtype *dtype) {
    for (size_t i = 0; i < sizeof dtype_map / sizeof dtype_map[0]; i++)
        if (dtype_map[i].ggml == type) {
            *dtype = dtype_map[i].dtype;
            return true;
        }
    return false;
}

bool gguf_has_magic(const uint8_t *data, uint64_t size) {
    return size >= 4 && data && memcmp(data, "GGUF", 4) == 0;
}

/* The cursor: every read is checked against the end; the first failure is sticky. */
typedef struct reader {
    const uint8_t *data;
    uint64_t size, pos;
    const char *path;
    pixeen_status status;
} reader;

static bool need(reader *r, uint64_t n, const char *what) {
    if (r->status) return false;
    if (n > r->size - r->pos) {
        r->status = error_set(PIXEEN_ERROR_FORMAT,
                              "gguf: '%s': truncated: %s needs %" PRIu64 " bytes at offset %" PRIu64
                              ", the file has %" PRIu64,
                              r->path, what, n, r->pos, r->size);
        return false;
    }
    return true;
}

static uint64_t read_uint(reader *r, unsigned bytes, const char *what) {
    if (!need(r, bytes, what)) return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++) v |= (uint64_t)r->data[r->pos + i] << (8 * i);
    r->pos += bytes;
    return v;
}

static pixeen_status fail(reader *r, const char *fmt, ...) PX_PRINTF(2, 3);
static pixeen_status fail(reader *r, const char *fmt, ...) {
    if (!r->status) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        r->status = error_set(PIXEEN_ERROR_FORMAT, "gguf: '%s': %s (at offset %" PRIu64 ")", r->path, msg, r->pos);
    }
    return r->status;
}

/* A string: uint64 length, bytes. Returns a pointer into the data (not NUL-terminated). */
static const char *read_string(reader *r, uint64_t max, bool is_name, uint64_t *len, const char *what) {
    uint64_t n = read_uint(r, 8, what);
    if (r->status) return NULL;
    if (n > max) {
        fail(r, "%s is %" PRIu64 " bytes long (too long)", what, n);
        return NULL;
    }
    if (!need(r, n, what)) return NULL;
    const char *s = (const char *)r->data + r->pos;
    if (is_name && (n == 0 || memchr(s, 0, (size_t)n))) {
        fail(r, "%s is empty or holds a NUL byte", what);
        return NULL;
    }
    r->pos += n;
    *len = n;
    return s;
}

static char *dup_n(const char *s, uint64_t n) {
    char *d = malloc((size_t)n + 1);
    if (!d) return NULL;
    memcpy(d, s, (size_t)n);
    d[n] = 0;
    /* a value string may hold NUL bytes: the metadata view ends at none of them */
    for (uint64_t i = 0; i < n; i++)
        if (!d[i]) d[i] = '?';
    return d;
}

/* Reads one scalar of `type` and formats it into buf (for the metadata view). */
static void read_scalar(reader *r, uint32_t type, char *buf, size_t size, uint64_t *as_uint) {
    uint64_t v = read_uint(r, value_sizes[type], value_type_names[type]);
    if (as_uint) *as_uint = v;
    if (r->status) return;
    switch (type) {
    case GGUF_INT8: snprintf(buf, size, "%d", (int)(int8_t)v); break;
    case GGUF_INT16: snprintf(buf, size, "%d", (int)(int16_t)v); break;
    case GGUF_INT32: snprintf(buf, size, "%" PRId32, (int32_t)v); break;
    case GGUF_INT64: snprintf(buf, size, "%" PRId64, (int64_t)v); break;
    case GGUF_FLOAT32: {
        uint32_t u = (uint32_t)v;
        float f;
        memcpy(&f, &u, 4);
        snprintf(buf, size, "%g", (double)f);
        break;
    }
    case GGUF_FLOAT64: {
        double f;
        memcpy(&f, &v, 8);
        snprintf(buf, size, "%g", f);
        break;
    }
    case GGUF_BOOL:
        if (v > 1) fail(r, "a bool holds %" PRIu64 " (expected 0 or 1)", v);
        snprintf(buf, size, "%s", v ? "true" : "false");
        break;
    default: snprintf(buf, size, "%" PRIu64, v); break;
    }
}

/* One value of `type`; returns its metadata string (malloc'ed) or NULL on error. */
static char *read_value(reader *r, uint32_t type, uint64_t *as_uint) {
    char buf[64] = "";
    if (type >= GGUF_VALUE_TYPES) {
        fail(r, "unknown value type %u", type);
        return NULL;
    }
    if (type == GGUF_STRING) {
        uint64_t n = 0;
        const char *s = read_string(r, GGUF_MAX_STRING, false, &n, "a string value");
        if (!s) return NULL;
        char *d = dup_n(s, n);
        if (!d) r->status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gguf: metadata");
        return d;
    }
    if (type == GGUF_ARRAY) {
        uint32_t item = (uint32_t)read_uint(r, 4, "an array's item type");
        uint64_t n = read_uint(r, 8, "an array's length");
        if (r->status) return NULL;
        if (item >= GGUF_VALUE_TYPES || item == GGUF_ARRAY) {
            fail(r, "array items of %s type %u (nested arrays and unknown types are refused)",
                 item == GGUF_ARRAY ? "array" : "unknown", item);
            return NULL;
        }
        if (item == GGUF_STRING) {
            for (uint64_t i = 0; i < n && !r->status; i++) {
                uint64_t len;
                read_string(r, GGUF_MAX_STRING, false, &len, "an array's string");
            }
        } else {
            /* n items of a fixed size: bounded by the file before any loop */
            if (n > (r->size - r->pos) / value_sizes[item]) {
                fail(r, "an array of %s holds %" PRIu64 " items, more than the file has bytes for",
                     value_type_names[item], n);
                return NULL;
            }
            if (item == GGUF_BOOL) {
                for (uint64_t i = 0; i < n; i++)
                    if (r->data[r->pos + i] > 1) {
                        r->pos += i;
                        fail(r, "a bool array item holds %u (expected 0 or 1)", r->data[r->pos]);
                        return NULL;
                    }
            }
            r->pos += n * value_sizes[item];
        }
        if (r->status) return NULL;
        snprintf(buf, sizeof buf, "[%" PRIu64 " x %s]", n, value_type_names[item]);
    } else {
        read_scalar(r, type, buf, sizeof buf, as_uint);
        if (r->status) return NULL;
    }
    char *d = dup_n(buf, strlen(buf));
    if (!d) r->status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gguf: metadata");
    return d;
}

void gguf_table_free(gguf_table *t) {
    if (!t) return;
    for (size_t i = 0; i < t->meta_count; i++) {
        free(t->meta_keys[i]);
        free(t->meta_values[i]);
    }
    free(t->meta_keys);
    free(t->meta_values);
    free(t->tensors);
    free(t->names);
    memset(t, 0, sizeof *t);
}

static int compare_name(const void *a, const void *b) {
    return strcmp(((const safetensors_tensor *)a)->name, ((const safetensors_tensor *)b)->name);
}

static int compare_offset(const void *a, const void *b) {
    const safetensors_tensor *x = *(const safetensors_tensor *const *)a, *y = *(const safetensors_tensor *const *)b;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    return x->nbytes < y->nbytes ? -1 : x->nbytes > y->nbytes;
}

static int compare_key(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static pixeen_status read_kv(reader *r, gguf_table *t, uint64_t n_kv) {
    /* each pair takes at least 12 bytes: bounds the allocation by the file */
    if (n_kv > (r->size - r->pos) / 12) return fail(r, "%" PRIu64 " key/value pairs cannot fit the file", n_kv);
    t->meta_keys = calloc(n_kv ? n_kv : 1, sizeof *t->meta_keys);
    t->meta_values = calloc(n_kv ? n_kv : 1, sizeof *t->meta_values);
    if (!t->meta_keys || !t->meta_values) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gguf: metadata");
    for (uint64_t i = 0; i < n_kv && !r->status; i++) {
        uint64_t len = 0;
        const char *key = read_string(r, GGUF_MAX_NAME, true, &len, "a key");
        if (!key) break;
        char *k = dup_n(key, len);
        if (!k) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gguf: metadata");
        t->meta_keys[t->meta_count++] = k; /* its value stays NULL until read */
        uint32_t type = (uint32_t)read_uint(r, 4, "a value type");
        if (r->status) break;
        uint64_t as_uint = 0;
        bool is_alignment = !strcmp(k, "general.alignment");
        if (is_alignment && type != GGUF_UINT32)
            return fail(r, "general.alignment has type %s (expected uint32)",
                        type < GGUF_VALUE_TYPES ? value_type_names[type] : "unknown");
        char *v = read_value(r, type, &as_uint);
        if (!v) break;
        t->meta_values[t->meta_count - 1] = v;
        if (is_alignment) {
            if (as_uint == 0 || (as_uint & (as_uint - 1)))
                return fail(r, "general.alignment is %" PRIu64 " (expected a power of two)", as_uint);
            t->alignment = as_uint;
        }
    }
    if (r->status) return r->status;
    /* duplicate keys: sorted copies side by side */
    char **sorted = malloc((t->meta_count ? t->meta_count : 1) * sizeof *sorted);
    if (!sorted) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gguf: metadata");
    memcpy(sorted, t->meta_keys, t->meta_count * sizeof *sorted);
    qsort(sorted, t->meta_count, sizeof *sorted, compare_key);
    for (size_t i = 1; i < t->meta_count; i++)
        if (!strcmp(sorted[i - 1], sorted[i])) {
            pixeen_status st = error_set(PIXEEN_ERROR_FORMAT, "gguf: '%s': key '%.200s' appears twice", r->path,
                                         sorted[i]);
            free(sorted);
            return st;
        }
    free(sorted);
    return PIXEEN_OK;
}

static pixeen_status read_tensor_infos(reader *r, gguf_table *t, uint64_t n_tensors) {
    /* each info takes at least 8 + 1 + 4 + 8 + 4 + 8 bytes */
    if (n_tensors > (r->size - r->pos) / 33)
        return fail(r, "%" PRIu64 " tensor infos cannot fit the file", n_tensors);
    t->tensors = calloc(n_tensors ? n_tensors : 1, sizeof *t->tensors);
    uint64_t *name_at = calloc(n_tensors ? n_tensors : 1, sizeof *name_at);
    size_t names_bytes = 0;
    const char **name_ptr = calloc(n_tensors ? n_tensors : 1, sizeof *name_ptr);
    if (!t->tensors || !name_at || !name_ptr) {
        free(name_at);
        free(name_ptr);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gguf: tensor table");
    }
    for (uint64_t i = 0; i < n_tensors && !r->status; i++) {
        safetensors_tensor *ti = &t->tensors[i];
        uint64_t len = 0;
        const char *name = read_string(r, GGUF_MAX_NAME, true, &len, "a tensor name");
        if (!name) break;
        name_ptr[i] = name;
        name_at[i] = names_bytes;
        names_bytes += (size_t)len + 1;
        char shown[96];
        snprintf(shown, sizeof shown, "%.*s", (int)(len < 80 ? len : 80), name);
        uint32_t ndim = (uint32_t)read_uint(r, 4, "a tensor's n_dims");
        if (r->status) break;
        if (ndim < 1 || ndim > GGUF_MAX_DIMS) {
            fail(r, "tensor '%s' has %u dimensions (expected 1..4)", shown, ndim);
            break;
        }
        uint64_t ne[GGUF_MAX_DIMS], count = 1;
        for (uint32_t d = 0; d < ndim; d++) {
            ne[d] = read_uint(r, 8, "a tensor extent");
            if (r->status) break;
            if (ne[d] > (uint64_t)INT64_MAX || (ne[d] && count > (uint64_t)INT64_MAX / ne[d])) {
                fail(r, "tensor '%s': its extents overflow (extent %" PRIu64 ")", shown, ne[d]);
                break;
            }
            count *= ne[d];
        }
        uint32_t type = (uint32_t)read_uint(r, 4, "a tensor type");
        uint64_t offset = read_uint(r, 8, "a tensor offset");
        if (r->status) break;
        if (!ggml_type_known(type) || !gguf_ggml_to_dtype(type, &ti->dtype)) {
            fail(r, "tensor '%s' has ggml type %u"
                    " (Pixeen reads f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q2_K..q6_K)",
                 shown, type);
            break;
        }
        uint64_t be = ggml_block_elems(type), bb = ggml_block_bytes(type);
        if (ne[0] % be) {
            fail(r, "tensor '%s': its rows of %" PRIu64 " values are not whole blocks of its type", shown, ne[0]);
            break;
        }
        ti->ndim = (int)ndim;
        for (uint32_t d = 0; d < ndim; d++) ti->shape[d] = (int64_t)ne[ndim - 1 - d];
        ti->n_elements = count;
        if (count / be > UINT64_MAX / bb) {
            fail(r, "tensor '%s': %" PRIu64 " values overflow a byte count", shown, count);
            break;
        }
        ti->nbytes = count / be * bb;
        ti->offset = offset; /* relative for now */
    }
    if (r->status) {
        free(name_at);
        free(name_ptr);
        return r->status;
    }
    t->names = malloc(names_bytes ? names_bytes : 1);
    if (!t->names) {
        free(name_at);
        free(name_ptr);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gguf: names");
    }
    for (uint64_t i = 0; i < n_tensors; i++) {
        size_t len = (size_t)(i + 1 < n_tensors ? name_at[i + 1] : names_bytes) - (size_t)name_at[i] - 1;
        memcpy(t->names + name_at[i], name_ptr[i], len);
        t->names[name_at[i] + len] = 0;
        t->tensors[i].name = t->names + name_at[i];
    }
    free(name_at);
    free(name_ptr);
    t->count = (size_t)n_tensors;
    return PIXEEN_OK;
}

static pixeen_status check_data(reader *r, gguf_table *t) {
    /* data section: after the infos, aligned */
    uint64_t a = t->alignment, start = r->pos;
    if (start % a) start += a - start % a;
    if (t->count && start > r->size)
        return fail(r, "the data section would start at %" PRIu64 ", past the end of the file", start);
    t->data_start = start;
    uint64_t data_size = r->size > start ? r->size - start : 0;
    const safetensors_tensor **by_offset = malloc((t->count ? t->count : 1) * sizeof *by_offset);
    if (!by_offset) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gguf: tensor table");
    pixeen_status st = PIXEEN_OK;
    for (size_t i = 0; i < t->count && !st; i++) {
        safetensors_tensor *ti = &t->tensors[i];
        if (ti->offset % a)
            st = error_set(PIXEEN_ERROR_FORMAT,
                           "gguf: '%s': tensor '%.200s': offset %" PRIu64 " is not a multiple of the alignment %" PRIu64,
                           r->path, ti->name, ti->offset, a);
        else if (ti->offset > data_size || ti->nbytes > data_size - ti->offset)
            st = error_set(PIXEEN_ERROR_FORMAT,
                           "gguf: '%s': tensor '%.200s': bytes [%" PRIu64 ", +%" PRIu64
                           ") of the data section are outside it (%" PRIu64 " bytes; truncated file?)",
                           r->path, ti->name, ti->offset, ti->nbytes, data_size);
        ti->offset += start;
        by_offset[i] = ti;
    }
    if (!st) {
        qsort(by_offset, t->count, sizeof *by_offset, compare_offset);
        for (size_t i = 1; i < t->count && !st; i++) {
            const safetensors_tensor *p = by_offset[i - 1], *q = by_offset[i];
            if (q->offset < p->offset + p->nbytes)
                st = error_set(PIXEEN_ERROR_FORMAT, "gguf: '%s': tensors '%.200s' and '%.200s' overlap", r->path,
                               p->name, q->name);
        }
    }
    free(by_offset);
    if (st) return st;
    qsort(t->tensors, t->count, sizeof *t->tensors, compare_name);
    for (size_t i = 1; i < t->count; i++)
        if (!strcmp(t->tensors[i - 1].name, t->tensors[i].name))
            return error_set(PIXEEN_ERROR_FORMAT, "gguf: '%s': tensor '%.200s' appears twice", r->path,
                             t->tensors[i].name);
    return PIXEEN_OK;
}

pixeen_status gguf_parse(const uint8_t *data, uint64_t size, const char *path, gguf_table *out) {
    memset(out, 0, sizeof *out);
    reader r = {data, size, 0, path ? path : "(memory)", PIXEEN_OK};
    if (!gguf_has_magic(data, size))
        return error_set(PIXEEN_ERROR_FORMAT, "gguf: '%s': no GGUF magic at the start", r.path);
    r.pos = 4;
    uint32_t version = (uint32_t)read_uint(&r, 4, "the version");
    if (r.status) return r.status;
    if (version == 1)
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "gguf: '%s': GGUF version 1 (32-bit counts) is not read; "
                         "convert it again with a current tool", r.path);
    if (version != 2 && version != 3) {
        if ((version & 0xFFFF) == 0 && (version >> 24) >= 1 && (version >> 24) <= 3)
            return error_set(PIXEEN_ERROR_UNSUPPORTED, "gguf: '%s': a big-endian GGUF file (not read)", r.path);
        return error_set(PIXEEN_ERROR_FORMAT, "gguf: '%s': version %u (expected 2 or 3)", r.path, version);
    }
    uint64_t n_tensors = read_uint(&r, 8, "the tensor count");
    uint64_t n_kv = read_uint(&r, 8, "the key/value count");
    if (r.status) return r.status;
    out->version = version;
    out->alignment = GGUF_DEFAULT_ALIGNMENT;
    pixeen_status st = read_kv(&r, out, n_kv);
    if (!st) st = read_tensor_infos(&r, out, n_tensors);
    if (!st) st = check_data(&r, out);
    if (st) gguf_table_free(out);
    return st;
}
