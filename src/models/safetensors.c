/* safetensors.c — validating reader and streaming converter for .safetensors files.
 *
 * Everything in the header is checked before use (see safetensors.h); the data is reached only
 * through safetensors_read_f16/_f32, which convert a range of elements window by window and drop
 * the pages they touched, so resident memory stays near one window whatever the file size.
 * Left out: writing; sharded checkpoints (*.safetensors.index.json) are the layout code's business.
 * Entry points: safetensors_open, safetensors_open_memory, safetensors_read_f16/_f32, lookups.
 */
#include "models/safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"
#include "core/f16.h"
#include "models/ggml_quant.h"
#include "models/gguf.h"

/* Conversion window: 16 MiB of source bytes. Big enough that per-window costs (madvise, loop
 * setup) vanish, small enough that the pages faulted in and dropped again stay a small resident
 * set. */
#define WINDOW_BYTES ((uint64_t)16 << 20)
/* Integers in JSON are parsed by cJSON as doubles: only values up to 2^53 are exact. No file or
 * dimension of a real model comes near it. */
#define JSON_MAX_EXACT_INT 9007199254740992.0

struct safetensors_file {
    char *path;
    const uint8_t *data;  /* whole file */
    uint64_t size;
    bool mapped;          /* data is our mmap (else caller's bytes) */
    int fd;               /* the open file, for the data reads (read_bytes); -1 for caller's bytes */
    uint64_t data_start;  /* 8 + header length */
    size_t count;
    safetensors_tensor *tensors; /* sorted by name */
    char *names;                 /* all names, NUL-separated */
    size_t meta_count;
    char **meta_keys;
    char **meta_values;
    bool is_gguf;                /* the table came from gguf.c */
};

static const struct {
    const char *name;
    size_t size;
} dtype_info[SAFETENSORS_DTYPE_COUNT] = {
    [SAFETENSORS_F32] = {"F32", 4},        [SAFETENSORS_F16] = {"F16", 2},
    [SAFETENSORS_BF16] = {"BF16", 2},      [SAFETENSORS_F64] = {"F64", 8},
    [SAFETENSORS_I64] = {"I64", 8},        [SAFETENSORS_I32] = {"I32", 4},
    [SAFETENSORS_I16] = {"I16", 2},        [SAFETENSORS_I8] = {"I8", 1},
    [SAFETENSORS_U64] = {"U64", 8},        [SAFETENSORS_U32] = {"U32", 4},
    [SAFETENSORS_U16] = {"U16", 2},        [SAFETENSORS_U8] = {"U8", 1},
    [SAFETENSORS_BOOL] = {"BOOL", 1},      [SAFETENSORS_F8_E4M3] = {"F8_E4M3", 1},
    [SAFETENSORS_F8_E5M2] = {"F8_E5M2", 1},
    /* GGUF block types: size 0, see safetensors_dtype_is_block */
    [SAFETENSORS_Q4_0] = {"Q4_0", 0},      [SAFETENSORS_Q4_1] = {"Q4_1", 0},
    [SAFETENSORS_Q5_0] = {"Q5_0", 0},      [SAFETENSORS_Q5_1] = {"Q5_1", 0},
    [SAFETENSORS_Q8_0] = {"Q8_0", 0},      [SAFETENSORS_Q2_K] = {"Q2_K", 0},
    [SAFETENSORS_Q3_K] = {"Q3_K", 0},      [SAFETENSORS_Q4_K] = {"Q4_K", 0},
    [SAFETENSORS_Q5_K] = {"Q5_K", 0},      [SAFETENSORS_Q6_K] = {"Q6_K", 0},
};

const char *safetensors_dtype_name(safetensors_dtype dtype) {
    return (unsigned)dtype < SAFETENSORS_DTYPE_COUNT ? dtype_info[dtype].name : "?";
}

size_t safetensors_dtype_size(safetensors_dtype dtype) {
    return (unsigned)dtype < SAFETENSORS_DTYPE_COUNT ? dtype_info[dtype].size : 0;
}

bool safetensors_dtype_is_block(safetensors_dtype dtype) {
    return dtype >= SAFETENSORS_Q4_0 && dtype <= SAFETENSORS_Q6_K;
}

uint32_t safetensors_dtype_ggml(safetensors_dtype dtype) {
    uint32_t type = 0;
    return safetensors_dtype_is_block(dtype) && gguf_dtype_to_ggml(dtype, &type) ? type : 0;
}

bool safetensors_dtype_is_weight(safetensors_dtype dtype) {
    return dtype == SAFETENSORS_F32 || dtype == SAFETENSORS_F16 || dtype == SAFETENSORS_BF16 ||
           safetensors_dtype_is_block(dtype);
}

void safetensors_close(safetensors_file *file) {
    if (!file) return;
    if (file->mapped && file->data) platform_unmap_file((void *)(uintptr_t)file->data, (size_t)file->size);
    if (file->fd >= 0) close(file->fd);
    for (size_t i = 0; i < file->meta_count; i++) {
        free(file->meta_keys[i]);
        free(file->meta_values[i]);
    }
    free(file->meta_keys);
    free(file->meta_values);
    free(file->tensors);
    free(file->names);
    free(file->path);
    free(file);
}

static int compare_by_name(const void *a, const void *b) {
    return strcmp(((const safetensors_tensor *)a)->name, ((const safetensors_tensor *)b)->name);
}

static int compare_by_offset(const void *a, const void *b) {
    const safetensors_tensor *x = *(const safetensors_tensor *const *)a;
    const safetensors_tensor *y = *(const safetensors_tensor *const *)b;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    if (x->nbytes != y->nbytes) return x->nbytes < y->nbytes ? -1 : 1;
    return 0;
}

/* A JSON number that is a non-negative integer <= 2^53; false otherwise. */
static bool json_uint(const cJSON *item, uint64_t *out) {
    if (!cJSON_IsNumber(item)) return false;
    double v = item->valuedouble;
    if (!(v >= 0.0) || v > JSON_MAX_EXACT_INT || v != (double)(uint64_t)v) return false;
    *out = (uint64_t)v;
    return true;
}

static char *dup_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static pixeen_status parse_metadata(safetensors_file *f, const cJSON *meta) {
    if (!cJSON_IsObject(meta))
        return error_set(PIXEEN_ERROR_FORMAT,
                         "safetensors: '%s': __metadata__ is not an object (expected string pairs)",
                         f->path);
    size_t n = (size_t)cJSON_GetArraySize(meta);
    f->meta_keys = calloc(n ? n : 1, sizeof *f->meta_keys);
    f->meta_values = calloc(n ? n : 1, sizeof *f->meta_values);
    if (!f->meta_keys || !f->meta_values)
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "safetensors: '%s': metadata", f->path);
    const cJSON *item;
    cJSON_ArrayForEach(item, meta) {
        if (!cJSON_IsString(item) || !item->string)
            return error_set(PIXEEN_ERROR_FORMAT,
                             "safetensors: '%s': __metadata__ entry '%s' is not a string "
                             "(the format allows only string values)",
                             f->path, item->string ? item->string : "?");
        f->meta_keys[f->meta_count] = dup_string(item->string);
        f->meta_values[f->meta_count] = dup_string(item->valuestring);
        f->meta_count++;
        if (!f->meta_keys[f->meta_count - 1] || !f->meta_values[f->meta_count - 1])
            return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "safetensors: '%s': metadata", f->path);
    }
    return PIXEEN_OK;
}

static pixeen_status parse_tensor(safetensors_file *f, const cJSON *entry, safetensors_tensor *t,
                                  uint64_t data_size) {
    const char *name = t->name;
    if (!cJSON_IsObject(entry))
        return error_set(PIXEEN_ERROR_FORMAT, "safetensors: '%s': tensor '%s': entry is not an object",
                         f->path, name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(entry, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(entry, "shape");
    const cJSON *offsets = cJSON_GetObjectItemCaseSensitive(entry, "data_offsets");
    if (!cJSON_IsString(dtype) || !cJSON_IsArray(shape) || !cJSON_IsArray(offsets))
        return error_set(PIXEEN_ERROR_FORMAT,
                         "safetensors: '%s': tensor '%s': missing or mistyped dtype/shape/data_offsets",
                         f->path, name);
    t->dtype = SAFETENSORS_DTYPE_COUNT;
    for (int d = 0; d < SAFETENSORS_Q4_0; d++) /* the block types exist only in GGUF files */
        if (!strcmp(dtype->valuestring, dtype_info[d].name)) t->dtype = (safetensors_dtype)d;
    if (t->dtype == SAFETENSORS_DTYPE_COUNT)
        return error_set(PIXEEN_ERROR_FORMAT, "safetensors: '%s': tensor '%s': unknown dtype '%.32s'",
                         f->path, name, dtype->valuestring);
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > SAFETENSORS_MAX_DIMS)
        return error_set(PIXEEN_ERROR_FORMAT,
                         "safetensors: '%s': tensor '%s': %d dimensions (at most %d supported)",
                         f->path, name, ndim, SAFETENSORS_MAX_DIMS);
    t->ndim = ndim;
    uint64_t elements = 1;
    for (int d = 0; d < ndim; d++) {
        uint64_t dim;
        if (!json_uint(cJSON_GetArrayItem(shape, d), &dim))
            return error_set(PIXEEN_ERROR_FORMAT,
                             "safetensors: '%s': tensor '%s': dimension %d is not a non-negative "
                             "integer below 2^53",
                             f->path, name, d);
        t->shape[d] = (int64_t)dim;
        if (__builtin_mul_overflow(elements, dim, &elements))
            return error_set(PIXEEN_ERROR_FORMAT,
                             "safetensors: '%s': tensor '%s': shape product overflows 64 bits",
                             f->path, name);
    }
    t->n_elements = elements;
    uint64_t begin, end, expect_bytes;
    if (cJSON_GetArraySize(offsets) != 2 || !json_uint(cJSON_GetArrayItem(offsets, 0), &begin) ||
        !json_uint(cJSON_GetArrayItem(offsets, 1), &end))
        return error_set(PIXEEN_ERROR_FORMAT,
                         "safetensors: '%s': tensor '%s': data_offsets is not [begin, end] of integers",
                         f->path, name);
    if (end < begin)
        return error_set(PIXEEN_ERROR_FORMAT,
                         "safetensors: '%s': tensor '%s': data_offsets [%llu, %llu] are reversed (the end comes before "
                         "the beginning)",
                         f->path, name, (unsigned long long)begin, (unsigned long long)end);
    if (end > data_size)
        return error_set(PIXEEN_ERROR_FORMAT,
                         "safetensors: '%s': tensor '%s': data_offsets [%llu, %llu] outside the data "
                         "section of %llu bytes (truncated file?)",
                         f->path, name, (unsigned long long)begin, (unsigned long long)end,
                         (unsigned long long)data_size);
    if (__builtin_mul_overflow(elements, (uint64_t)dtype_info[t->dtype].size, &expect_bytes) ||
        expect_bytes != end - begin)
        return error_set(PIXEEN_ERROR_FORMAT,
                         "safetensors: '%s': tensor '%s': %llu bytes in data_offsets, but shape x %s "
                         "needs %llu%s",
                         f->path, name, (unsigned long long)(end - begin), dtype_info[t->dtype].name,
                         (unsigned long long)expect_bytes,
                         expect_bytes < elements ? " (overflow)" : "");
    t->offset = f->data_start + begin;
    t->nbytes = end - begin;
    return PIXEEN_OK;
}

static pixeen_status parse_header(safetensors_file *f) {
    if (f->size < 8)
        return error_set(PIXEEN_ERROR_FORMAT,
                         "safetensors: '%s': file of %llu bytes is too short for the 8-byte header length",
                         f->path, (unsigned long long)f->size);
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; i--) header_len = header_len << 8 | f->data[i];
    if (header_len > f->size - 8)
        return error_set(PIXEEN_ERROR_FORMAT,
                         "safetensors: '%s': header length %llu runs past the end of the %llu-byte file "
                         "(truncated or not a safetensors file)",
                         f->path, (unsigned long long)header_len, (unsigned long long)f->size);
    if (header_len > SAFETENSORS_MAX_HEADER)
        return error_set(PIXEEN_ERROR_FORMAT,
                         "safetensors: '%s': header length %llu (expected at most %u)", f->path,
                         (unsigned long long)header_len, SAFETENSORS_MAX_HEADER);
    if (header_len < 2 || f->data[8] != '{')
        return error_set(PIXEEN_ERROR_FORMAT, "safetensors: '%s': header does not start with '{'",
                         f->path);
    f->data_start = 8 + header_len;
    uint64_t data_size = f->size - f->data_start;

    const char *json = (const char *)f->data + 8;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, (size_t)header_len, &end, 0);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return error_set(PIXEEN_ERROR_FORMAT, "safetensors: '%s': header is not a valid JSON object",
                         f->path);
    }
    /* Trailing bytes after the object may only be spaces (writers pad to 8-byte alignment). */
    for (const char *p = end; p && p < json + header_len; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\0') {
            cJSON_Delete(root);
            return error_set(PIXEEN_ERROR_FORMAT,
                             "safetensors: '%s': unexpected bytes after the JSON header", f->path);
        }

    pixeen_status status = PIXEEN_OK;
    size_t n = 0, names_bytes = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, root) {
        if (!item->string) continue;
        if (!strcmp(item->string, "__metadata__")) continue;
        n++;
        names_bytes += strlen(item->string) + 1;
    }
    f->tensors = calloc(n ? n : 1, sizeof *f->tensors);
    f->names = malloc(names_bytes ? names_bytes : 1);
    safetensors_tensor **by_offset = calloc(n ? n : 1, sizeof *by_offset);
    if (!f->tensors || !f->names || !by_offset) {
        status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "safetensors: '%s': %zu tensors", f->path, n);
        goto done;
    }
    char *name_cursor = f->names;
    cJSON_ArrayForEach(item, root) {
        if (!item->string) continue;
        if (!strcmp(item->string, "__metadata__")) {
            if (f->meta_keys) {
                status = error_set(PIXEEN_ERROR_FORMAT, "safetensors: '%s': two __metadata__ entries",
                                   f->path);
                goto done;
            }
            if ((status = parse_metadata(f, item)) != PIXEEN_OK) goto done;
            continue;
        }
        safetensors_tensor *t = &f->tensors[f->count];
        size_t len = strlen(item->string) + 1;
        memcpy(name_cursor, item->string, len);
        t->name = name_cursor;
        name_cursor += len;
        if ((status = parse_tensor(f, item, t, data_size)) != PIXEEN_OK) goto done;
        by_offset[f->count] = t;
        f->count++;
    }
    /* Ranges may not overlap (zero-byte tensors overlap nothing). */
    qsort(by_offset, f->count, sizeof *by_offset, compare_by_offset);
    for (size_t i = 1; i < f->count; i++) {
        const safetensors_tensor *a = by_offset[i - 1], *b = by_offset[i];
        if (a->nbytes && b->nbytes && b->offset < a->offset + a->nbytes) {
            status = error_set(PIXEEN_ERROR_FORMAT,
                               "safetensors: '%s': tensor '%s' (bytes %llu..%llu) overlaps tensor '%s' "
                               "(bytes %llu..%llu)",
                               f->path, b->name, (unsigned long long)(b->offset - f->data_start),
                               (unsigned long long)(b->offset - f->data_start + b->nbytes), a->name,
                               (unsigned long long)(a->offset - f->data_start),
                               (unsigned long long)(a->offset - f->data_start + a->nbytes));
            goto done;
        }
    }
    qsort(f->tensors, f->count, sizeof *f->tensors, compare_by_name);
    for (size_t i = 1; i < f->count; i++)
        if (!strcmp(f->tensors[i - 1].name, f->tensors[i].name)) {
            status = error_set(PIXEEN_ERROR_FORMAT, "safetensors: '%s': tensor '%s' appears twice",
                               f->path, f->tensors[i].name);
            goto done;
        }
done:
    free(by_offset);
    cJSON_Delete(root);
    return status;
}

/* A GGUF file: gguf.c validates it and its table becomes this file's. */
static pixeen_status adopt_gguf(safetensors_file *f) {
    gguf_table t;
    PX_TRY(gguf_parse(f->data, f->size, f->path, &t));
    f->data_start = t.data_start;
    f->count = t.count;
    f->tensors = t.tensors;
    f->names = t.names;
    f->meta_count = t.meta_count;
    f->meta_keys = t.meta_keys;
    f->meta_values = t.meta_values;
    f->is_gguf = true;
    return PIXEEN_OK;
}

static pixeen_status open_common(safetensors_file *f, safetensors_file **out) {
    pixeen_status status = gguf_has_magic(f->data, f->size) ? adopt_gguf(f) : parse_header(f);
    if (status != PIXEEN_OK) {
        safetensors_close(f);
        return status;
    }
    *out = f;
    return PIXEEN_OK;
}

pixeen_status safetensors_open_memory(const void *data, size_t size, const char *name,
                                      safetensors_file **out) {
    if (!out || (!data && size)) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "safetensors: null argument");
    *out = NULL;
    safetensors_file *f = calloc(1, sizeof *f);
    if (!f) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "safetensors: file object");
    f->fd = -1;
    f->path = dup_string(name ? name : "(memory)");
    f->data = data;
    f->size = size;
    if (!f->path) {
        safetensors_close(f);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "safetensors: file object");
    }
    return open_common(f, out);
}

pixeen_status safetensors_open(const char *path, safetensors_file **out) {
    if (!path || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "safetensors: null argument");
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_set(PIXEEN_ERROR_IO, "safetensors: cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return error_set(PIXEEN_ERROR_IO, "safetensors: '%s' is not a regular file", path);
    }
    safetensors_file *f = calloc(1, sizeof *f);
    if (!f) {
        close(fd);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "safetensors: file object");
    }
    f->fd = fd; /* kept: the data is read with platform_read_at (read_bytes) */
    f->path = dup_string(path);
    f->size = (uint64_t)st.st_size;
    if (f->size > 0) {
        void *map = platform_map_file(fd, (size_t)f->size);
        if (!map) {
            int e = errno;
            safetensors_close(f);
            return error_set(PIXEEN_ERROR_IO, "safetensors: cannot map '%s': %s", path, strerror(e));
        }
        f->data = map;
        f->mapped = true;
        /* The header is read once; the data is read front to back by the uploader. */
        platform_map_advise_sequential(map, (size_t)f->size);
    }
    if (!f->path) {
        safetensors_close(f);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "safetensors: file object");
    }
    return open_common(f, out);
}

const char *safetensors_path(const safetensors_file *file) { return file->path; }
uint64_t safetensors_file_size(const safetensors_file *file) { return file->size; }
size_t safetensors_count(const safetensors_file *file) { return file->count; }

const safetensors_tensor *safetensors_at(const safetensors_file *file, size_t index) {
    return index < file->count ? &file->tensors[index] : NULL;
}

const safetensors_tensor *safetensors_find(const safetensors_file *file, const char *name) {
    size_t lo = 0, hi = file->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, file->tensors[mid].name);
        if (c == 0) return &file->tensors[mid];
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return NULL;
}

size_t safetensors_metadata_count(const safetensors_file *file) { return file->meta_count; }

void safetensors_metadata_at(const safetensors_file *file, size_t index, const char **key,
                             const char **value) {
    *key = index < file->meta_count ? file->meta_keys[index] : NULL;
    *value = index < file->meta_count ? file->meta_values[index] : NULL;
}

const char *safetensors_metadata_get(const safetensors_file *file, const char *key) {
    for (size_t i = 0; i < file->meta_count; i++)
        if (!strcmp(file->meta_keys[i], key)) return file->meta_values[i];
    return NULL;
}

/* Drops the pages of [begin, end) from our resident set; the kernel's page cache keeps them, so
 * a second read is still fast. The page holding `end` is kept (unless the file ends there): the
 * next read goes on in it, and a page dropped and read again is not one page back in the resident
 * set but a whole fault-around window (64 KiB on Linux), including the pages behind it that were
 * already dropped. Rounding `end` upwards, as this once did, left half of every file that was read
 * in 32 KiB chunks resident: 4.5 GB of SDXL's 6.9 GB checkpoint on top of its weights on the
 * device. `begin` rounds down: the page it starts in was read by the previous chunk. */
static void release_pages(const safetensors_file *f, uint64_t begin, uint64_t end) {
    if (!f->mapped || end <= begin) return;
    platform_map_drop(f->data, (size_t)f->size, f->data + begin, (size_t)(end - begin));
}

/* Copies `bytes` of the file from `begin` to dst. From an open file, with a read at that offset
 * rather than through the mapping: the kernel copies from its page cache and our page tables are
 * left alone, where a copy out of the mapping faults every 64 KiB in and must drop the pages again
 * (release_pages). Measured on the 2-core VM: 2 GiB of cached checkpoint in 0.3 s instead of 1.45 s.
 * A file that shrank since it was opened is an error here, not a SIGBUS. */
static pixeen_status read_bytes(const safetensors_file *f, const safetensors_tensor *t, uint64_t begin, uint64_t bytes,
                                void *dst) {
    if (f->fd < 0) {
        memcpy(dst, f->data + begin, (size_t)bytes);
        return PIXEEN_OK;
    }
    if (platform_read_at(f->fd, dst, (size_t)bytes, begin) != 0)
        return error_set(PIXEEN_ERROR_IO, "safetensors: '%s': reading tensor '%s' (%llu bytes at %llu): %s (did the file "
                         "change while open?)",
                         f->path, t->name, (unsigned long long)bytes, (unsigned long long)begin, strerror(errno));
    return PIXEEN_OK;
}

static pixeen_status check_read(const safetensors_file *f, const safetensors_tensor *t,
                                uint64_t first, uint64_t count, const void *dst) {
    if (!f || !t || (!dst && count))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "safetensors: read: null argument");
    if (!safetensors_dtype_is_weight(t->dtype))
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "safetensors: '%s': tensor '%s' has dtype %s (expected F32, F16, BF16 or a GGUF "
                         "block type for a weight)",
                         f->path, t->name, safetensors_dtype_name(t->dtype));
    if (first > t->n_elements || count > t->n_elements - first)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "safetensors: '%s': tensor '%s': elements [%llu, +%llu) requested, it has %llu",
                         f->path, t->name, (unsigned long long)first, (unsigned long long)count,
                         (unsigned long long)t->n_elements);
    return PIXEEN_OK;
}

/* Unaligned little-endian loads: tensor offsets in a file need not be aligned. */
static inline uint16_t load_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline float load_f32(const uint8_t *p) {
    float v;
    memcpy(&v, p, 4);
    return v;
}

/* Block types: dequantizes the blocks the range covers, one at a time (a super-block is 256 values),
 * into fp32 (dst32) or fp16 (dst16). Block starts are multiples of the block's bytes from the
 * tensor's start: rows are whole blocks (gguf.c checked), so element e is in block e / elems. */
static void read_blocks(const safetensors_file *file, const safetensors_tensor *t, uint64_t first, uint64_t count,
                        float *dst32, uint16_t *dst16) {
    uint32_t type = safetensors_dtype_ggml(t->dtype);
    uint64_t be = ggml_block_elems(type), bb = ggml_block_bytes(type);
    float block[GGML_QK_K];
    uint64_t released = t->offset + first / be * bb;
    for (uint64_t e = first; e < first + count;) {
        uint64_t bi = e / be, in = e % be;
        uint64_t n = be - in < first + count - e ? be - in : first + count - e;
        ggml_dequantize(type, file->data + t->offset + bi * bb, 1, block);
        if (dst32) memcpy(dst32 + (e - first), block + in, (size_t)n * sizeof *block);
        else f32_to_f16_array(dst16 + (e - first), block + in, (size_t)n);
        e += n;
        uint64_t here = t->offset + (bi + 1) * bb;
        if (here - released >= WINDOW_BYTES || e == first + count) {
            release_pages(file, released, here);
            released = here;
        }
    }
}

pixeen_status safetensors_read_f16(const safetensors_file *file, const safetensors_tensor *tensor,
                                   uint64_t first_element, uint64_t count, uint16_t *dst) {
    PX_TRY(check_read(file, tensor, first_element, count, dst));
    if (safetensors_dtype_is_block(tensor->dtype)) {
        read_blocks(file, tensor, first_element, count, NULL, dst);
        return PIXEEN_OK;
    }
    size_t esize = safetensors_dtype_size(tensor->dtype);
    uint64_t per_window = WINDOW_BYTES / esize;
    for (uint64_t done = 0; done < count;) {
        uint64_t n = count - done < per_window ? count - done : per_window;
        uint64_t begin = tensor->offset + (first_element + done) * esize;
        const uint8_t *src = file->data + begin;
        switch (tensor->dtype) {
        case SAFETENSORS_F16:
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            PX_TRY(read_bytes(file, tensor, begin, n * 2, dst + done)); /* the file's byte order is the host's */
            done += n;
            continue; /* nothing of the mapping was touched */
#else
            for (uint64_t i = 0; i < n; i++) dst[done + i] = load_u16(src + 2 * i);
#endif
            break;
        case SAFETENSORS_BF16:
            for (uint64_t i = 0; i < n; i++) dst[done + i] = f32_to_f16(bf16_to_f32(load_u16(src + 2 * i)));
            break;
        default:
            for (uint64_t i = 0; i < n; i++) dst[done + i] = f32_to_f16(load_f32(src + 4 * i));
            break;
        }
        release_pages(file, begin, begin + n * esize);
        done += n;
    }
    return PIXEEN_OK;
}

pixeen_status safetensors_read_f32(const safetensors_file *file, const safetensors_tensor *tensor,
                                   uint64_t first_element, uint64_t count, float *dst) {
    PX_TRY(check_read(file, tensor, first_element, count, dst));
    if (safetensors_dtype_is_block(tensor->dtype)) {
        read_blocks(file, tensor, first_element, count, dst, NULL);
        return PIXEEN_OK;
    }
    size_t esize = safetensors_dtype_size(tensor->dtype);
    uint64_t per_window = WINDOW_BYTES / esize;
    for (uint64_t done = 0; done < count;) {
        uint64_t n = count - done < per_window ? count - done : per_window;
        uint64_t begin = tensor->offset + (first_element + done) * esize;
        const uint8_t *src = file->data + begin;
        switch (tensor->dtype) {
        case SAFETENSORS_F16:
            for (uint64_t i = 0; i < n; i++) dst[done + i] = f16_to_f32(load_u16(src + 2 * i));
            break;
        case SAFETENSORS_BF16:
            for (uint64_t i = 0; i < n; i++) dst[done + i] = bf16_to_f32(load_u16(src + 2 * i));
            break;
        default:
            memcpy(dst + done, src, (size_t)n * 4);
            break;
        }
        release_pages(file, begin, begin + n * esize);
        done += n;
    }
    return PIXEEN_OK;
}

pixeen_status safetensors_read_raw(const safetensors_file *file, const safetensors_tensor *tensor,
                                   uint64_t byte_offset, uint64_t bytes, void *dst) {
    if (!file || !tensor || (!dst && bytes))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "safetensors: read: null argument");
    if (byte_offset > tensor->nbytes || bytes > tensor->nbytes - byte_offset)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "safetensors: '%s': tensor '%s': bytes [%llu, +%llu) requested, it has %llu", file->path,
                         tensor->name, (unsigned long long)byte_offset, (unsigned long long)bytes,
                         (unsigned long long)tensor->nbytes);
    return read_bytes(file, tensor, tensor->offset + byte_offset, bytes, dst);
}
