/* held_save.h — for tests that signal a process in the middle of a save: the command runs under
 * tests/preload/fsync_pause.c (PIXEEN_FSYNC_PAUSE_LIB, set by tests/CMakeLists.txt for the tests
 * that use it), which holds it still at its Nth fsync of a save's temporary (.pixeen-tmp-*) and
 * names that temporary in a mark file, so the signal arrives exactly then instead of racing a
 * fast disk. */
#ifndef PIXEEN_HELD_SAVE_H
#define PIXEEN_HELD_SAVE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

/* Runs the shell command `line` (`exec` it, so the signal reaches pixeen itself) held at its
 * `pause_at`-th temporary, calls held(pid, user) (may be NULL) while it is held, sends `sig`, and
 * returns the wait status (-1 if it ended before it was held). The held temporary's path goes to
 * temp; `mark` is a scratch file for the wrapper. With `core`, the command starts as under
 * `ulimit -c unlimited`. */
static inline int held_save_run(const char *line, const char *mark, int pause_at, int sig, bool core,
                                void (*held)(pid_t pid, void *user), void *user, char *temp, size_t temp_size) {
    unlink(mark);
    temp[0] = '\0';
    pid_t pid = fork();
    if (pid == 0) {
        char at[16], asan[1024];
        snprintf(at, sizeof at, "%d", pause_at);
        setenv("LD_PRELOAD", PIXEEN_FSYNC_PAUSE_LIB, 1);
        setenv("PIXEEN_TEST_PAUSE_MARK", mark, 1);
        setenv("PIXEEN_TEST_PAUSE_AT", at, 1);
        /* a sanitized pixeen: the wrapper is preloaded before the ASan runtime */
        const char *old = getenv("ASAN_OPTIONS");
        snprintf(asan, sizeof asan, "%s%sverify_asan_link_order=0", old ? old : "", old && old[0] ? ":" : "");
        setenv("ASAN_OPTIONS", asan, 1);
        if (core) {
            struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
            setrlimit(RLIMIT_CORE, &unlimited);
        }
        execl("/bin/sh", "sh", "-c", line, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    /* Wait until the save is held (bounded only against a hang: a loaded machine may take minutes
     * to generate; nothing here is a timing assertion). */
    for (int i = 0; i < 6000; i++) {
        struct stat st;
        if (stat(mark, &st) == 0 && st.st_size > 0) break;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "  '%s' ended before its save was held (status %d)\n", line, status);
            return -1;
        }
        usleep(100 * 1000);
    }
    FILE *f = fopen(mark, "r");
    if (f) {
        if (!fgets(temp, (int)temp_size, f)) temp[0] = '\0';
        fclose(f);
    }
    unlink(mark);
    if (held) held(pid, user);
    kill(pid, sig);
    waitpid(pid, &status, 0);
    return status;
}

#endif
