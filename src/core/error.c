/* error.c — per-thread error messages and status names. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/text_escape.h"

/* One sentence per thread. 1 KiB holds the longest messages we build (paths + shapes). */
static _Thread_local char error_text[1024];

pixeen_status error_set(pixeen_status status, const char *fmt, ...) {
    char raw[sizeof error_text];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* Messages quote file names, keys' lines and tensor names: never pass a terminal escape on. */
    text_escape(error_text, sizeof error_text, raw, sizeof raw);
    return status;
}

pixeen_status error_wrap(pixeen_status status, const char *fmt, ...) {
    char raw[512], prefix[512];
    char old[sizeof error_text];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    text_escape(prefix, sizeof prefix, raw, sizeof raw);
    memcpy(old, error_text, sizeof old);
    /* Truncation is acceptable: the start of the sentence matters most. */
    size_t used = strlen(prefix);
    if (used >= sizeof error_text) used = sizeof error_text - 1;
    memcpy(error_text, prefix, used);
    size_t rest = strnlen(old, sizeof old);
    if (rest > sizeof error_text - 1 - used) rest = sizeof error_text - 1 - used;
    memcpy(error_text + used, old, rest);
    error_text[used + rest] = '\0';
    return status;
}

const char *error_message(void) { return error_text; }

void error_clear(void) { error_text[0] = '\0'; }

PIXEEN_API const char *pixeen_last_error(void) { return error_text; }

PIXEEN_API const char *pixeen_status_string(pixeen_status status) {
    switch (status) {
#define NAME(s) \
    case s:     \
        return #s;
        NAME(PIXEEN_OK)
        NAME(PIXEEN_ERROR_INVALID_ARGUMENT)
        NAME(PIXEEN_ERROR_OUT_OF_MEMORY)
        NAME(PIXEEN_ERROR_IO)
        NAME(PIXEEN_ERROR_CANCELLED)
        NAME(PIXEEN_ERROR_BUSY)
        NAME(PIXEEN_ERROR_UNSUPPORTED)
        NAME(PIXEEN_ERROR_INTERNAL)
        NAME(PIXEEN_ERROR_EXISTS)
        NAME(PIXEEN_ERROR_NO_DEVICE)
        NAME(PIXEEN_ERROR_VULKAN)
        NAME(PIXEEN_ERROR_DEVICE_LOST)
        NAME(PIXEEN_ERROR_GPU_OUT_OF_MEMORY)
        NAME(PIXEEN_ERROR_VALIDATION)
        NAME(PIXEEN_ERROR_FORMAT)
        NAME(PIXEEN_ERROR_MODEL)
        NAME(PIXEEN_ERROR_TOKENIZER)
        NAME(PIXEEN_ERROR_DECRYPT)
        NAME(PIXEEN_ERROR_KEY)
#undef NAME
    }
    return "PIXEEN_UNKNOWN_STATUS";
}

PIXEEN_API const char *pixeen_version(void) {
#define PX_STR2(x) #x
#define PX_STR(x) PX_STR2(x)
    return PX_STR(PIXEEN_VERSION_MAJOR) "." PX_STR(PIXEEN_VERSION_MINOR) "." PX_STR(PIXEEN_VERSION_PATCH);
}
