/* model_files.c — the filesystem helpers of the model opener and its bounded config read. */
#include "models/model_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file_read.h"
#include "core/platform.h"

/* config.json files are a few KB; 16 MB is a generous bound against reading a wrong huge file. */
#define CONFIG_MAX_BYTES (16u << 20)

char *model_str_dup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

char *model_path_join(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", a, b);
    return p;
}

bool model_is_file(const char *p) {
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

bool model_is_dir(const char *p) {
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Reads a whole small text file (config.json, model_index.json), NUL-terminated. */
pixeen_status model_read_text(const char *path, char **out, size_t *len) {
    switch (file_read_bounded(path, CONFIG_MAX_BYTES, out, len)) {
    case FILE_READ_OK: return PIXEEN_OK;
    case FILE_READ_CANNOT_OPEN: return error_set(PIXEEN_ERROR_IO, "model: cannot open '%s': %s", path, strerror(errno));
    case FILE_READ_TOO_LARGE:
        return error_set(PIXEEN_ERROR_FORMAT, "model: '%s' is larger than %u bytes (not a config)", path,
                         CONFIG_MAX_BYTES);
    case FILE_READ_NO_MEMORY: return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: reading '%s'", path);
    case FILE_READ_FAILED: break;
    }
    return error_set(PIXEEN_ERROR_IO, "model: error reading '%s'", path);
}
