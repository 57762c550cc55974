/* process.c — the opt-in protections of the whole process (pixeen_process_protect) and the
 * signal-safe abandonment of saves in progress (pixeen_saves_abort). The operating system's part
 * (rlimit, prctl, signal handlers, and their Windows counterparts) is in core/platform_*.c.
 * Entry points: pixeen_process_protect, pixeen_saves_abort. */
#include <errno.h>
#include <string.h>

#include "core/platform.h"

#include "api/internal.h"
#include "vault/file.h"
#include "vault/passphrase.h"

PIXEEN_API void pixeen_saves_abort(void) {
    vault_file_abort_temporaries();
    vault_passphrase_abort();
}

PIXEEN_API pixeen_status pixeen_process_protect(int handle_signals) {
    error_clear();
    pixeen_status status = PIXEEN_OK;
    const char *failed_call = "";
    if (platform_disable_crash_dumps(&failed_call) != 0)
        status = error_set(PIXEEN_ERROR_IO, "process: cannot disable core dumps (%s): %s", failed_call,
                           strerror(errno));
    /* On a fatal signal, pixeen_saves_abort first: temporaries removed, the terminal's echo back on. */
    int failed_signal = 0;
    if (handle_signals && platform_on_fatal_signals(pixeen_saves_abort, &failed_signal) != 0)
        status = error_set(PIXEEN_ERROR_IO, "process: cannot install a handler for signal %d: %s", failed_signal,
                           strerror(errno));
    return status;
}
