/* gguf_write.c — GGUF v3 writer (see gguf_write.h). */
#include "models/gguf_write.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"

#include "models/ggml_quant.h"
#include "vault/file.h"

/* Bytes go either to a file descriptor or to a growing buffer. */
typedef struct sink {
    int fd; /* -1: memory */
    uint8_t *mem;
    size_t size, cap;
    uint64_t written;
    const char *path;
} sink;

static pixeen_status put(sink *s, const void *data, size_t n) {
    if (s->fd >= 0) {
        const uint8_t *p = data;
        while (n) {
            ssize_t w = write(s->fd, p, n);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return error_set(PIXEEN_ERROR_IO, "gguf: writing '%s': %s", s->path, strerror(errno));
            p += w;
            n -= (size_t)w;
            s->written += (uint64_t)w;
        }
        return PIXEEN_OK;
    }
    if (s->size + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->size + n) cap *= 2;
        uint8_t *m = realloc(s->mem, cap);
        if (!m) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gguf: writing to memory");
        s->mem = m;
        s->cap = cap;
    }
    if (n) memcpy(s->mem + s->size, data, n);
    s->size += n;
    s->written += n;
    return PIXEEN_OK;
}

static pixeen_status put_u32(sink *s, uint32_t v) {
    uint8_t b[4];
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i));
    return put(s, b, 4);
}

static pixeen_status put_u64(sink *s, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    return put(s, b, 8);
}

static pixeen_status put_str(sink *s, const char *str) {
    size_t n = strlen(str);
    PX_TRY(put_u64(s, n));
    return put(s, str, n);
}

static pixeen_status pad_to(sink *s, uint64_t alignment) {
    static const uint8_t zeros[64] = {0};
    while (s->written % alignment) {
        uint64_t n = alignment - s->written % alignment;
        PX_TRY(put(s, zeros, (size_t)(n < sizeof zeros ? n : sizeof zeros)));
    }
    return PIXEEN_OK;
}

static uint64_t tensor_bytes_of(const gguf_out_tensor *t) {
    uint64_t n = 1;
    for (int d = 0; d < t->ndim; d++) n *= (uint64_t)t->shape[d];
    uint32_t be = ggml_block_elems(t->type);
    return be ? n / be * ggml_block_bytes(t->type) : 0;
}

static pixeen_status write_all(sink *s, const gguf_out_tensor *tensors, size_t count, const gguf_out_kv *kv,
                               size_t kv_count, uint32_t alignment, gguf_fill_fn fill, void *user) {
    if (!alignment) alignment = 32;
    if (alignment & (alignment - 1))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "gguf: alignment %u is not a power of two", alignment);
    for (size_t i = 0; i < count; i++) {
        const gguf_out_tensor *t = &tensors[i];
        if (!ggml_type_known(t->type) || t->ndim < 1 || t->ndim > 4 || t->shape[t->ndim - 1] % ggml_block_elems(t->type))
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                             "gguf: tensor '%s': type %s does not fit its shape (rows must be whole blocks)", t->name,
                             ggml_type_name(t->type));
    }
    bool write_alignment = alignment != 32;
    PX_TRY(put(s, "GGUF", 4));
    PX_TRY(put_u32(s, 3));
    PX_TRY(put_u64(s, count));
    PX_TRY(put_u64(s, kv_count + (write_alignment ? 1 : 0)));
    if (write_alignment) {
        PX_TRY(put_str(s, "general.alignment"));
        PX_TRY(put_u32(s, 4)); /* uint32 */
        PX_TRY(put_u32(s, alignment));
    }
    for (size_t i = 0; i < kv_count; i++) {
        PX_TRY(put_str(s, kv[i].key));
        PX_TRY(put_u32(s, 8)); /* string */
        PX_TRY(put_str(s, kv[i].value));
    }
    uint64_t offset = 0;
    for (size_t i = 0; i < count; i++) {
        const gguf_out_tensor *t = &tensors[i];
        PX_TRY(put_str(s, t->name));
        PX_TRY(put_u32(s, (uint32_t)t->ndim));
        for (int d = t->ndim - 1; d >= 0; d--) PX_TRY(put_u64(s, (uint64_t)t->shape[d]));
        PX_TRY(put_u32(s, t->type));
        PX_TRY(put_u64(s, offset));
        offset += tensor_bytes_of(t);
        offset = (offset + alignment - 1) / alignment * alignment;
    }
    PX_TRY(pad_to(s, alignment));
    for (size_t i = 0; i < count; i++) {
        uint64_t bytes = tensor_bytes_of(&tensors[i]);
        uint8_t *buf = malloc(bytes ? (size_t)bytes : 1);
        if (!buf) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gguf: tensor '%s' (%llu bytes)", tensors[i].name,
                                   (unsigned long long)bytes);
        pixeen_status st = fill(i, buf, bytes, user);
        if (!st) st = put(s, buf, (size_t)bytes);
        free(buf);
        PX_TRY(st);
        PX_TRY(pad_to(s, alignment));
    }
    return PIXEEN_OK;
}

pixeen_status gguf_write_memory(const gguf_out_tensor *tensors, size_t count, const gguf_out_kv *kv, size_t kv_count,
                                uint32_t alignment, gguf_fill_fn fill, void *user, uint8_t **out, size_t *size) {
    sink s = {.fd = -1, .path = "(memory)"};
    pixeen_status st = write_all(&s, tensors, count, kv, kv_count, alignment, fill, user);
    if (st) {
        free(s.mem);
        return st;
    }
    *out = s.mem;
    *size = s.size;
    return PIXEEN_OK;
}

pixeen_status gguf_write_file(const char *path, const gguf_out_tensor *tensors, size_t count, const gguf_out_kv *kv,
                              size_t kv_count, uint32_t alignment, gguf_fill_fn fill, void *user) {
    /* The vault's temporary: removed by the CLI's signal handler and by later sweeps, and locked
     * (open) until it has its final name. */
    char tmp[4096 + 32];
    int slot = -1;
    int fd = vault_file_temporary_create(path, tmp, sizeof tmp, &slot);
    if (fd < 0) return error_set(PIXEEN_ERROR_IO, "gguf: cannot create a file beside '%s': %s", path, strerror(errno));
    platform_set_mode(fd, 0644);
    sink s = {.fd = fd, .path = path};
    pixeen_status st = write_all(&s, tensors, count, kv, kv_count, alignment, fill, user);
    if (!st && fsync(fd) != 0) st = error_set(PIXEEN_ERROR_IO, "gguf: cannot flush '%s': %s", path, strerror(errno));
    if (!st && platform_rename_replace(tmp, path) != 0)
        st = error_set(PIXEEN_ERROR_IO, "gguf: cannot rename onto '%s': %s", path, strerror(errno));
    if (st) unlink(tmp);
    vault_file_temporary_release(slot);
    if (close(fd) != 0 && !st) st = error_set(PIXEEN_ERROR_IO, "gguf: cannot close '%s': %s", path, strerror(errno));
    if (!st) {
        /* the rename itself is durable once the folder is flushed */
        char *dir = strdup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (dir) {
            if (slash) *slash = 0;
            platform_fsync_dir(slash ? (*dir ? dir : "/") : ".");
        }
        free(dir);
    }
    return st;
}
