/* st_write.h — a tiny .safetensors writer for tests that need crafted files (LoRAs, embeddings):
 * tensors given as fp32 values are stored as F32 or F16. The header is padded with spaces to a
 * multiple of 8, as the reference writer does. */
#ifndef PIXEEN_TEST_ST_WRITE_H
#define PIXEEN_TEST_ST_WRITE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/f16.h"

typedef struct st_entry {
    const char *name;
    const char *dtype; /* "F32" or "F16" */
    int ndim;
    int64_t shape[4];
    const float *data; /* product(shape) values */
} st_entry;

/* Serialises into a malloc'ed buffer; returns its size. */
static inline size_t st_build(const st_entry *e, size_t count, uint8_t **out) {
    size_t header_cap = 256 + count * 320, data_size = 0;
    char *header = malloc(header_cap);
    size_t h = (size_t)snprintf(header, header_cap, "{");
    for (size_t i = 0; i < count; i++) {
        uint64_t n = 1;
        for (int d = 0; d < e[i].ndim; d++) n *= (uint64_t)e[i].shape[d];
        size_t bytes = (size_t)n * (strcmp(e[i].dtype, "F16") ? 4 : 2);
        h += (size_t)snprintf(header + h, header_cap - h, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[", i ? "," : "", e[i].name,
                              e[i].dtype);
        for (int d = 0; d < e[i].ndim; d++) h += (size_t)snprintf(header + h, header_cap - h, "%s%lld", d ? "," : "", (long long)e[i].shape[d]);
        h += (size_t)snprintf(header + h, header_cap - h, "],\"data_offsets\":[%zu,%zu]}", data_size, data_size + bytes);
        data_size += bytes;
    }
    h += (size_t)snprintf(header + h, header_cap - h, "}");
    while (h % 8) header[h++] = ' ';
    uint8_t *buf = malloc(8 + h + data_size + 1);
    uint64_t hl = h;
    memcpy(buf, &hl, 8);
    memcpy(buf + 8, header, h);
    size_t at = 8 + h;
    for (size_t i = 0; i < count; i++) {
        uint64_t n = 1;
        for (int d = 0; d < e[i].ndim; d++) n *= (uint64_t)e[i].shape[d];
        if (!strcmp(e[i].dtype, "F16")) {
            f32_to_f16_array((uint16_t *)(void *)(buf + at), e[i].data, (size_t)n);
            at += (size_t)n * 2;
        } else {
            memcpy(buf + at, e[i].data, (size_t)n * 4);
            at += (size_t)n * 4;
        }
    }
    free(header);
    *out = buf;
    return at;
}

static inline int st_write(const char *path, const st_entry *e, size_t count) {
    uint8_t *buf = NULL;
    size_t n = st_build(e, count, &buf);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(buf, 1, n, f) == n;
    if (f) ok = fclose(f) == 0 && ok;
    free(buf);
    return ok;
}

#endif
