/* error.h — how every layer reports failure.
 *
 * Functions return a pixeen_status (see include/pixeen/pixeen.h). The one that detects a failure
 * also records a sentence saying what went wrong, shaped `<module>: <what failed>: <observed>
 * (expected <x>)`, with a hint where the fix is known. The message lives in thread-local storage
 * so deep layers need no context pointer; the public API copies it into its context.
 */
#ifndef PIXEEN_CORE_ERROR_H
#define PIXEEN_CORE_ERROR_H

#include <pixeen/pixeen.h>

#if defined(__MINGW32__)
/* mingw-w64 with __USE_MINGW_ANSI_STDIO: C99 formats, not msvcrt's (CMakeLists.txt). */
#define PX_PRINTF(fmt_index, first_arg) __attribute__((format(gnu_printf, fmt_index, first_arg)))
#elif defined(__GNUC__)
#define PX_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define PX_PRINTF(fmt_index, first_arg)
#endif

/* Records the message for the calling thread and returns `status`, so callers can write
 * `return error_set(PIXEEN_ERROR_FORMAT, "npy: %s: bad magic", path);`. */
pixeen_status error_set(pixeen_status status, const char *fmt, ...) PX_PRINTF(2, 3);

/* Prefixes the current message with more context ("model 'x.safetensors': " + old message) and
 * returns `status` unchanged. */
pixeen_status error_wrap(pixeen_status status, const char *fmt, ...) PX_PRINTF(2, 3);

/* The calling thread's last message ("" if none). */
const char *error_message(void);

/* Forgets the calling thread's message. */
void error_clear(void);

/* Shorthand: propagate a failing status. */
#define PX_TRY(expr)                                   \
    do {                                               \
        pixeen_status px_try_status_ = (expr);         \
        if (px_try_status_ != PIXEEN_OK) return px_try_status_; \
    } while (0)

#endif
