/* file_read.c — see file_read.h. */
#include "core/file_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Read in 64 KiB pieces into a buffer that doubles: no fstat (pipes and /proc files have no size). */
enum { PIECE = 1 << 16 };

file_read_result file_read_bounded(const char *path, size_t max, char **out, size_t *len) {
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return FILE_READ_CANNOT_OPEN;
    char *buf = NULL;
    size_t size = 0, cap = 0;
    file_read_result result = FILE_READ_OK;
    for (;;) {
        if (size + PIECE + 1 > cap) {
            cap = cap ? cap * 2 : 2 * PIECE;
            char *grown = realloc(buf, cap);
            if (!grown) {
                result = FILE_READ_NO_MEMORY;
                break;
            }
            buf = grown;
        }
        size_t got = fread(buf + size, 1, PIECE, f);
        size += got;
        if (size > max) {
            result = FILE_READ_TOO_LARGE;
            break;
        }
        if (got < PIECE) {
            if (ferror(f)) result = FILE_READ_FAILED;
            break;
        }
    }
    int saved = errno;
    fclose(f);
    errno = saved;
    if (result != FILE_READ_OK) {
        free(buf);
        return result;
    }
    buf[size] = 0;
    *out = buf;
    *len = size;
    return FILE_READ_OK;
}
