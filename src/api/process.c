/* process.c — the opt-in protections of the whole process (pixeen_process_protect) and the
 * signal-safe abandonment of saves in progress (pixeen_saves_abort). The one place for the
 * POSIX/Linux process calls (signals, rlimit, prctl): a port to another system replaces this file
 * and vault/file.c's temporaries. Entry points: pixeen_process_protect, pixeen_saves_abort. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "api/internal.h"
#include "vault/file.h"
#include "vault/passphrase.h"

PIXEEN_API void pixeen_saves_abort(void) {
    vault_file_abort_temporaries();
    vault_passphrase_abort();
}

/* Removes the temporaries, then lets the signal end the process as it would have without us (the
 * exit status a shell sees stays "killed by SIGINT", so scripts and `wait` behave as usual). */
static void on_fatal_signal(int sig) {
    int saved = errno;
    pixeen_saves_abort();
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    errno = saved; /* reached only if the default action does not end the process */
}

PIXEEN_API pixeen_status pixeen_process_protect(int handle_signals) {
    error_clear();
    pixeen_status status = PIXEEN_OK;
    /* Soft and hard limit to 0: a crash or SIGQUIT writes no core file holding prompts or keys. */
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0)
        status = error_set(PIXEEN_ERROR_IO, "process: cannot disable core dumps (setrlimit RLIMIT_CORE): %s",
                           strerror(errno));
#if defined(__linux__)
    /* Also covers core_pattern pipes (which ignore RLIMIT_CORE) and ptrace by the same user. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        status = error_set(PIXEEN_ERROR_IO, "process: cannot mark the process not dumpable (PR_SET_DUMPABLE): %s",
                           strerror(errno));
#endif
    if (handle_signals) {
        static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
        for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
            struct sigaction old, sa;
            if (sigaction(signals[i], NULL, &old) != 0) continue;
            /* An ignored signal (nohup, a background job) or the application's own handler stays. */
            if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_fatal_signal;
            sigfillset(&sa.sa_mask); /* one handler at a time: a second signal waits for the first */
            if (sigaction(signals[i], &sa, NULL) != 0)
                status = error_set(PIXEEN_ERROR_IO, "process: cannot install a handler for signal %d: %s", signals[i],
                                   strerror(errno));
        }
    }
    return status;
}
