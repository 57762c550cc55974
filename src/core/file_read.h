/* file_read.h — the one bounded whole-file read (config.json, model_index.json, vocab.json,
 * merges.txt, ...): the file's bytes in a new NUL-terminated buffer, refusing files over a limit
 * (a wrong path must not make Pixeen read gigabytes into memory). Callers turn the result into
 * their own message and status. Entry point: file_read_bounded. */
#ifndef PIXEEN_CORE_FILE_READ_H
#define PIXEEN_CORE_FILE_READ_H

#include <stddef.h>

typedef enum file_read_result {
    FILE_READ_OK = 0,
    FILE_READ_CANNOT_OPEN, /* errno says why (ENOENT: no such file) */
    FILE_READ_TOO_LARGE,   /* more than `max` bytes */
    FILE_READ_FAILED,      /* a read error; errno says why */
    FILE_READ_NO_MEMORY,
} file_read_result;

/* Reads all of `path` (at most max bytes) into *out (malloc'ed, NUL-terminated; the caller frees)
 * and its length into *len. On any failure *out is NULL and *len 0. */
file_read_result file_read_bounded(const char *path, size_t max, char **out, size_t *len);

#endif
