/* platform_win32.c — core/platform.h on Windows (built with mingw-w64 by scripts/cross-mingw.sh and
 * run under wine there; never run on a real Windows machine yet: README, "Windows and macOS").
 * The named concepts map onto Win32 calls; the POSIX file vocabulary onto the C runtime, with the
 * folder-relative *at() calls emulated by a small table of open folder paths. */
#if defined(_WIN32)

#include "core/platform.h"

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <bcrypt.h>


int platform_random_bytes(void *buf, size_t n) {
    uint8_t *p = buf;
    while (n > 0) {
        ULONG want = n > ULONG_MAX ? ULONG_MAX : (ULONG)n;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, p, want, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
            errno = EIO;
            return -1;
        }
        p += want;
        n -= want;
    }
    return 0;
}

void *platform_map_file(int fd, size_t size) {
    HANDLE file = (HANDLE)_get_osfhandle(fd);
    if (file == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return NULL;
    }
    HANDLE mapping = CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL);
    if (!mapping) {
        errno = EACCES;
        return NULL;
    }
    void *view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, size);
    CloseHandle(mapping); /* the view keeps the mapping alive */
    if (!view) errno = ENOMEM;
    return view;
}

void platform_unmap_file(void *map, size_t size) {
    (void)size;
    if (map) UnmapViewOfFile(map);
}

void platform_map_advise_sequential(void *map, size_t size) {
    (void)map;
    (void)size;
}

void platform_map_drop(const void *map_start, size_t map_size, const void *p, size_t size) {
    (void)map_start;
    (void)map_size;
    (void)p;
    (void)size;
}

void platform_memory_advise_huge(void *p, size_t size) {
    (void)p;
    (void)size;
}

void *platform_memory_reserve(size_t size) {
    void *p = size ? VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) : NULL;
    if (!p) errno = ENOMEM;
    return p;
}

void platform_memory_release(void *p, size_t size) {
    (void)size;
    if (p) VirtualFree(p, 0, MEM_RELEASE);
}

platform_prefault *platform_memory_prefault_start(void *p, size_t size) {
    (void)p;
    (void)size;
    return NULL; /* VirtualAlloc's pages: no slow first touch measured there */
}

void platform_memory_prefault_stop(platform_prefault *job) { (void)job; }

int platform_read_at(int fd, void *buf, size_t n, uint64_t offset) {
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    uint8_t *at = buf;
    while (n > 0) {
        DWORD want = n > 0x40000000u ? 0x40000000u : (DWORD)n, got = 0;
        OVERLAPPED where = {.Offset = (DWORD)offset, .OffsetHigh = (DWORD)(offset >> 32)};
        if (!ReadFile(h, at, want, &got, &where)) {
            errno = EIO;
            return -1;
        }
        if (got == 0) {
            errno = EIO;
            return -1;
        }
        at += got;
        n -= got;
        offset += got;
    }
    return 0;
}

uint64_t platform_physical_memory(void) {
    MEMORYSTATUSEX status = {.dwLength = sizeof status};
    return GlobalMemoryStatusEx(&status) ? (uint64_t)status.ullTotalPhys : 0;
}

static int errno_from_win32(DWORD e) {
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND: return ENOENT;
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS: return EEXIST;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION: return EACCES;
    case ERROR_NOT_SAME_DEVICE: return EXDEV;
    case ERROR_LOCK_VIOLATION: return EWOULDBLOCK;
    case ERROR_NOT_SUPPORTED:
    case ERROR_INVALID_FUNCTION: return ENOTSUP;
    case ERROR_DISK_FULL: return ENOSPC;
    default: return EIO;
    }
}

int platform_rename_replace(const char *from, const char *to) {
    if (MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) return 0;
    errno = errno_from_win32(GetLastError());
    return -1;
}

int platform_fsync_dir(const char *dir) {
    (void)dir;
    return 0;
}

int platform_win32_fsync(int fd) {
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    if (FlushFileBuffers(h)) return 0;
    errno = errno_from_win32(GetLastError());
    return -1;
}

int platform_lock_exclusive_nowait(int fd) {
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    OVERLAPPED at = {0};
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    if (LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD, &at)) return 0;
    errno = EWOULDBLOCK;
    return -1;
}

int platform_wait_readable(int fd) {
    (void)fd;
    return 0;
}

int platform_mkdir(const char *path, unsigned mode) {
    (void)mode;
    return _mkdir(path);
}

int platform_set_mode(int fd, unsigned mode) {
    (void)fd;
    (void)mode;
    return 0;
}

const char *platform_home_dir(void) {
    const char *home = getenv("HOME");
    if (home && home[0]) return home;
    home = getenv("USERPROFILE");
    return home && home[0] ? home : NULL;
}

int64_t platform_mtime_ns(const struct stat *st) {
    return (int64_t)st->st_mtime * 1000000000;
}

void platform_wipe(void *p, size_t n) {
    if (p && n) SecureZeroMemory(p, n);
}

int platform_disable_crash_dumps(const char **failed_call) {
    /* No "program has stopped working" dialog (which would hold the process, and its memory, open
     * for a debugger) and no fault reports sent with the process's memory. */
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    (void)failed_call;
    return 0;
}

static void (*fatal_cleanup)(void);

static void on_fatal_signal(int sig) {
    if (fatal_cleanup) fatal_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

int platform_on_fatal_signals(void (*cleanup)(void), int *failed_signal) {
    /* Windows' C runtime knows SIGINT (Ctrl+C) and SIGTERM; there is no sigaction to ask for an
     * existing handler without replacing it, so signal() is asked and undone if one existed. */
    static const int signals[] = {SIGINT, SIGTERM};
    fatal_cleanup = cleanup;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        void (*old)(int) = signal(signals[i], on_fatal_signal);
        if (old == SIG_ERR) {
            *failed_signal = signals[i];
            return -1;
        }
        if (old != SIG_DFL) signal(signals[i], old);
    }
    return 0;
}

int platform_tty_open(void) {
    errno = ENOTTY;
    return -1;
}

int platform_tty_save(int fd, platform_tty_state *saved) {
    (void)fd;
    (void)saved;
    return 0;
}

void platform_tty_echo_off(int fd, const platform_tty_state *saved) {
    (void)fd;
    (void)saved;
}

void platform_tty_restore(int fd, const platform_tty_state *saved) {
    (void)fd;
    (void)saved;
}

void platform_tty_restore_now(int fd, const platform_tty_state *saved) {
    (void)fd;
    (void)saved;
}

/* The product of two floats is exact in double (24 + 24 bits < 53); their sum with c, rounded to
 * double, is then off the exact value by `err` (TwoSum). Rounding that double to float is correct
 * unless it lies exactly halfway between two floats: then err says which way the exact sum lies. */
float platform_fmaf(float a, float b, float c) {
    double p = (double)a * (double)b;
    double s = p + (double)c;
    double bv = s - p;
    double err = (p - (s - bv)) + ((double)c - bv);
    float r = (float)s;
    if (err == 0.0 || !isfinite(s) || (double)r == s) return r;
    float other = nextafterf(r, (double)r < s ? INFINITY : -INFINITY);
    double mid = ((double)r + (double)other) / 2.0; /* exact: 25 bits */
    if (mid != s) return r;
    /* s is a tie, so the exact value is on err's side of it. */
    return (err > 0) == ((double)other > s) ? other : r;
}

int link(const char *from, const char *to) {
    if (CreateHardLinkA(to, from, NULL)) return 0;
    errno = errno_from_win32(GetLastError());
    return -1;
}

/* ---- folder-relative calls: a folder "fd" is an index into this table of paths --------------- */

enum { DIR_SLOTS = 16, DIR_FD_BASE = 1 << 20 }; /* far above the C runtime's own descriptors */
static char *dir_paths[DIR_SLOTS];

int platform_dir_open(const char *dir) {
    struct stat st;
    if (stat(dir, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    for (int i = 0; i < DIR_SLOTS; i++) {
        if (dir_paths[i]) continue;
        dir_paths[i] = _strdup(dir);
        if (!dir_paths[i]) {
            errno = ENOMEM;
            return -1;
        }
        return DIR_FD_BASE + i;
    }
    errno = EMFILE;
    return -1;
}

static const char *dir_path(int dirfd) {
    int i = dirfd - DIR_FD_BASE;
    if (i < 0 || i >= DIR_SLOTS || !dir_paths[i]) {
        errno = EBADF;
        return NULL;
    }
    return dir_paths[i];
}

int platform_dir_close(int dirfd) {
    if (!dir_path(dirfd)) return -1;
    free(dir_paths[dirfd - DIR_FD_BASE]);
    dir_paths[dirfd - DIR_FD_BASE] = NULL;
    return 0;
}

static int join(int dirfd, const char *name, char *out, size_t size) {
    const char *dir = dir_path(dirfd);
    if (!dir) return -1;
    if ((size_t)snprintf(out, size, "%s/%s", dir, name) >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int openat(int dirfd, const char *name, int flags, ...) {
    char path[MAX_PATH * 4];
    int mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    if (join(dirfd, name, path, sizeof path) != 0) return -1;
    return open(path, flags, mode);
}

int fstatat(int dirfd, const char *name, struct stat *st, int flags) {
    char path[MAX_PATH * 4];
    (void)flags;
    if (join(dirfd, name, path, sizeof path) != 0) return -1;
    return stat(path, st);
}

int unlinkat(int dirfd, const char *name, int flags) {
    char path[MAX_PATH * 4];
    if (join(dirfd, name, path, sizeof path) != 0) return -1;
    return (flags & AT_REMOVEDIR) ? _rmdir(path) : unlink(path);
}

DIR *fdopendir(int dirfd) {
    const char *dir = dir_path(dirfd);
    if (!dir) return NULL;
    DIR *d = opendir(dir);
    /* POSIX hands dirfd to the DIR; closedir cannot release a table slot here, so release it now
     * (the path was copied by opendir). */
    platform_dir_close(dirfd);
    return d;
}

int setenv(const char *name, const char *value, int overwrite) {
    if (!overwrite && getenv(name)) return 0;
    return _putenv_s(name, value) == 0 ? 0 : -1;
}

int unsetenv(const char *name) {
    return _putenv_s(name, "") == 0 ? 0 : -1; /* an empty value removes the variable on Windows */
}

char *mkdtemp(char *templ) {
    size_t len = strlen(templ);
    if (len < 6 || strcmp(templ + len - 6, "XXXXXX") != 0) {
        errno = EINVAL;
        return NULL;
    }
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (int attempt = 0; attempt < 64; attempt++) {
        uint8_t rnd[6];
        if (platform_random_bytes(rnd, sizeof rnd) != 0) return NULL;
        for (int i = 0; i < 6; i++) templ[len - 6 + i] = letters[rnd[i] % (sizeof letters - 1)];
        if (_mkdir(templ) == 0) return templ;
        if (errno != EEXIST) return NULL;
    }
    return NULL;
}

int alphasort(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

int scandir(const char *dir, struct dirent ***names, int (*filter)(const struct dirent *),
            int (*compare)(const struct dirent **, const struct dirent **)) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent **list = NULL, *e;
    size_t count = 0, cap = 0;
    while ((e = readdir(d)) != NULL) {
        if (filter && !filter(e)) continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            struct dirent **grown = realloc(list, cap * sizeof *list);
            if (!grown) goto fail;
            list = grown;
        }
        list[count] = malloc(sizeof *e);
        if (!list[count]) goto fail;
        memcpy(list[count++], e, sizeof *e);
    }
    closedir(d);
    if (compare) qsort(list, count, sizeof *list, (int (*)(const void *, const void *))compare);
    *names = list;
    return (int)count;
fail:
    for (size_t i = 0; i < count; i++) free(list[i]);
    free(list);
    closedir(d);
    errno = ENOMEM;
    return -1;
}

#endif
