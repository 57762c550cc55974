/* fsync_pause.c — an LD_PRELOAD library for test_privacy: holds a save still at the moment it is
 * most exposed, so a test can send a signal exactly then instead of racing a fast disk. It wraps
 * fsync(2): on the Nth fsync of a file named .pixeen-tmp-* (N = $PIXEEN_TEST_PAUSE_AT, default 1)
 * it writes that file's path to $PIXEEN_TEST_PAUSE_MARK and waits for signals forever. Any other
 * fsync goes to the C library. Test code only: never linked into Pixeen. */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fsync(int fd);

int fsync(int fd) {
    static int seen;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    const char *mark = getenv("PIXEEN_TEST_PAUSE_MARK");
    if (n > 0 && mark) {
        path[n] = 0;
        const char *name = strrchr(path, '/');
        const char *at = getenv("PIXEEN_TEST_PAUSE_AT");
        if (name && !strncmp(name + 1, ".pixeen-tmp-", 12) && ++seen == (at ? atoi(at) : 1)) {
            int m = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (m >= 0) {
                ssize_t w = write(m, path, (size_t)n);
                (void)w;
                close(m);
            }
            for (;;) pause();
        }
    }
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return real ? real(fd) : -1;
}
