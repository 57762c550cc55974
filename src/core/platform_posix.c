/* platform_posix.c — core/platform.h on Linux, the BSDs and macOS: the calls the code made before
 * the platform layer existed, unchanged. */
#if !defined(_WIN32)

#if defined(__APPLE__)
#define __STDC_WANT_LIB_EXT1__ 1 /* memset_s */
#endif
#include "core/platform.h"
#include <pthread.h>
#include <stdatomic.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <termios.h>
#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/random.h>
#elif defined(__APPLE__)
#include <sys/random.h> /* getentropy */
#endif

int platform_random_bytes(void *buf, size_t n) {
    uint8_t *p = buf;
    while (n > 0) {
#if defined(__linux__)
        /* getrandom blocks only until the pool is first seeded; at most 256 bytes per call never
         * returns short unless interrupted. */
        size_t want = n < 256 ? n : 256;
        ssize_t got = getrandom(p, want, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
#else
        size_t want = n < 256 ? n : 256;
        if (getentropy(p, want) != 0) return -1; /* macOS, the BSDs: at most 256 bytes a call */
        size_t got = want;
#endif
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

void *platform_map_file(int fd, size_t size) {
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    return map == MAP_FAILED ? NULL : map;
}

void platform_unmap_file(void *map, size_t size) {
    if (map) munmap(map, size);
}

void platform_map_advise_sequential(void *map, size_t size) {
    madvise(map, size, MADV_SEQUENTIAL);
}

void platform_map_drop(const void *map_start, size_t map_size, const void *p, size_t size) {
    long page_size = sysconf(_SC_PAGESIZE);
    if (page_size <= 0 || !size) return;
    size_t page = (size_t)page_size;
    size_t begin = (size_t)((const uint8_t *)p - (const uint8_t *)map_start), end = begin + size;
    /* `begin` rounds down (its page was read by the previous chunk); the page holding `end` is
     * kept unless the mapping ends there: the next read goes on in it, and a page dropped and read
     * again faults in a whole fault-around window, pages already dropped included (see
     * safetensors.c's release_pages: rounding `end` up kept half of every checkpoint resident). */
    size_t b = begin - begin % page;
    size_t e = end >= map_size ? map_size : end - end % page;
    if (e > b) madvise((void *)((uintptr_t)map_start + b), e - b, MADV_DONTNEED);
}

void platform_memory_advise_huge(void *p, size_t size) {
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t begin = ((uintptr_t)p + huge - 1) & ~(huge - 1), end = ((uintptr_t)p + size) & ~(huge - 1);
    if (end > begin) madvise((void *)begin, end - begin, MADV_HUGEPAGE);
#else
    (void)p;
    (void)size;
#endif
}

void *platform_memory_reserve(size_t size) {
    const size_t huge = (size_t)2 << 20;
    if (size == 0 || size > SIZE_MAX - huge) {
        errno = EINVAL;
        return NULL;
    }
    /* Map a 2 MiB more and trim both ends, so the range starts on a huge-page boundary. */
    uint8_t *raw = mmap(NULL, size + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
    if (p > raw) munmap(raw, (size_t)(p - raw));
    size_t tail = (size_t)(raw + size + huge - (p + size));
    if (tail) munmap(p + size, tail);
    platform_memory_advise_huge(p, size);
#ifdef MADV_DONTDUMP
    madvise(p, size, MADV_DONTDUMP);
#endif
    return p;
}

void platform_memory_release(void *p, size_t size) {
    if (p) munmap(p, size);
}

struct platform_prefault {
    pthread_t thread;
    uint8_t *p;
    size_t size;
    atomic_int stop;
};

static void *prefault_run(void *arg) {
#ifdef MADV_POPULATE_WRITE
    platform_prefault *job = arg;
    const size_t chunk = (size_t)2 << 20;
    for (size_t end = job->size; end > 0 && !atomic_load_explicit(&job->stop, memory_order_relaxed);) {
        size_t begin = end > chunk ? end - chunk : 0;
        if (madvise(job->p + begin, end - begin, MADV_POPULATE_WRITE) != 0) break; /* EINVAL: Linux < 5.14 */
        end = begin;
    }
#else
    (void)arg;
#endif
    return NULL;
}

platform_prefault *platform_memory_prefault_start(void *p, size_t size) {
#ifdef MADV_POPULATE_WRITE
    platform_prefault *job = calloc(1, sizeof *job);
    if (!job) return NULL;
    job->p = p;
    job->size = size;
    atomic_init(&job->stop, 0);
    if (pthread_create(&job->thread, NULL, prefault_run, job) != 0) {
        free(job);
        return NULL;
    }
    return job;
#else
    (void)p;
    (void)size;
    return NULL;
#endif
}

void platform_memory_prefault_stop(platform_prefault *job) {
    if (!job) return;
    atomic_store(&job->stop, 1);
    pthread_join(job->thread, NULL);
    free(job);
}

int platform_read_at(int fd, void *buf, size_t n, uint64_t offset) {
    uint8_t *at = buf;
    while (n > 0) {
        ssize_t got = pread(fd, at, n, (off_t)offset);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return -1;
        if (got == 0) {
            errno = EIO;
            return -1;
        }
        at += got;
        n -= (size_t)got;
        offset += (uint64_t)got;
    }
    return 0;
}

uint64_t platform_physical_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

int platform_rename_replace(const char *from, const char *to) {
    return rename(from, to);
}

int platform_fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int platform_lock_exclusive_nowait(int fd) {
    return flock(fd, LOCK_EX | LOCK_NB);
}

int platform_wait_readable(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, -1) < 0 ? -1 : 0;
}

int platform_dir_open(const char *dir) {
    return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int platform_dir_close(int dirfd) {
    return close(dirfd);
}

int platform_mkdir(const char *path, unsigned mode) {
    return mkdir(path, (mode_t)mode);
}

int platform_set_mode(int fd, unsigned mode) {
    return fchmod(fd, (mode_t)mode);
}

const char *platform_home_dir(void) {
    const char *home = getenv("HOME");
    return home && home[0] ? home : NULL;
}

int64_t platform_mtime_ns(const struct stat *st) {
#if defined(__APPLE__)
    return (int64_t)st->st_mtimespec.tv_sec * 1000000000 + st->st_mtimespec.tv_nsec;
#else
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
#endif
}

void platform_wipe(void *p, size_t n) {
#if defined(__APPLE__)
    if (p && n) memset_s(p, n, 0, n); /* macOS has no explicit_bzero */
#else
    if (p && n) explicit_bzero(p, n);
#endif
}

int platform_disable_crash_dumps(const char **failed_call) {
    /* Soft and hard limit to 0: a crash or SIGQUIT writes no core file holding prompts or keys. */
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) {
        *failed_call = "setrlimit RLIMIT_CORE";
        return -1;
    }
#if defined(__linux__)
    /* Also covers core_pattern pipes (which ignore RLIMIT_CORE) and ptrace by the same user. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        *failed_call = "PR_SET_DUMPABLE";
        return -1;
    }
#endif
    return 0;
}

static void (*fatal_cleanup)(void);

/* Runs the cleanup, then lets the signal end the process as it would have without us (the exit
 * status a shell sees stays "killed by SIGINT", so scripts and `wait` behave as usual). */
static void on_fatal_signal(int sig) {
    int saved = errno;
    if (fatal_cleanup) fatal_cleanup();
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    errno = saved; /* reached only if the default action does not end the process */
}

int platform_on_fatal_signals(void (*cleanup)(void), int *failed_signal) {
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    fatal_cleanup = cleanup;
    int rc = 0;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction old, sa;
        if (sigaction(signals[i], NULL, &old) != 0) continue;
        /* An ignored signal (nohup, a background job) or the application's own handler stays. */
        if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigfillset(&sa.sa_mask); /* one handler at a time: a second signal waits for the first */
        if (sigaction(signals[i], &sa, NULL) != 0) {
            *failed_signal = signals[i];
            rc = -1;
        }
    }
    return rc;
}

int platform_tty_open(void) {
    return open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
}

_Static_assert(sizeof(struct termios) <= sizeof(platform_tty_state), "platform_tty_state too small");

int platform_tty_save(int fd, platform_tty_state *saved) {
    struct termios old;
    if (tcgetattr(fd, &old) != 0) return 0;
    memcpy(saved->bytes, &old, sizeof old);
    return 1;
}

void platform_tty_echo_off(int fd, const platform_tty_state *saved) {
    struct termios quiet;
    memcpy(&quiet, saved->bytes, sizeof quiet);
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    tcsetattr(fd, TCSAFLUSH, &quiet);
}

void platform_tty_restore(int fd, const platform_tty_state *saved) {
    struct termios old;
    memcpy(&old, saved->bytes, sizeof old);
    tcsetattr(fd, TCSAFLUSH, &old);
}

void platform_tty_restore_now(int fd, const platform_tty_state *saved) {
    /* memcpy and tcsetattr are both async-signal-safe (POSIX.1-2008 and later). */
    struct termios old;
    memcpy(&old, saved->bytes, sizeof old);
    tcsetattr(fd, TCSANOW, &old);
}

#endif
