/* file.c — atomic, private file writes, bounded reads of files and pipes, removal that never writes
 * through a link, and the temporaries of interrupted saves (see file.h).
 * Entry points: vault_file_write_atomic, vault_file_read, vault_input_open, vault_input_read,
 * vault_file_remove, vault_file_sweep_temporaries, vault_file_abort_temporaries, vault_file_temporary_*,
 * vault_mkdirs. */
#include "vault/file.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/platform.h"

#define TEMP_PREFIX ".pixeen-tmp-"
enum {
    TEMP_PREFIX_LEN = sizeof TEMP_PREFIX - 1,
    TEMP_SUFFIX_LEN = 6,     /* as mkstemp's XXXXXX: 62^6 names */
    TEMP_SLOTS = 16,         /* saves in flight at once in one process: one per thread at most */
    TEMP_NAME_TRIES = 64,    /* name collisions or a sweeper racing us: then give up */
};

static pixeen_status io_error(const char *what, const char *path) {
    return error_set(PIXEEN_ERROR_IO, "vault: %s %s: %s", what, path, strerror(errno));
}

/* What a non-regular file is, for messages. */
static const char *file_kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISLNK(mode)) return "a symbolic link";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    return S_ISREG(mode) ? "a regular file" : "not a regular file";
}

static void dir_of(const char *path, char *dir, size_t size) {
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, size, ".");
    else if (slash == path) snprintf(dir, size, "/");
    else snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

/* ---- temporaries of saves in progress ------------------------------------------------------ */

/* A slot is armed (2) only while its path names a temporary this process created (or is about to
 * create with O_EXCL); the signal handler unlinks armed paths. 1: claimed, path being written. */
static struct {
    atomic_int state;
    char path[4096 + 32];
} temp_slots[TEMP_SLOTS];

static int temp_slot_claim(void) {
    for (int i = 0; i < TEMP_SLOTS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&temp_slots[i].state, &expected, 1)) return i;
    }
    return -1; /* more saves in flight than slots: still safe, only not cleaned up by a signal */
}

void vault_file_abort_temporaries(void) {
    for (int i = 0; i < TEMP_SLOTS; i++)
        if (atomic_load(&temp_slots[i].state) == 2) unlink(temp_slots[i].path);
}

static int is_temp_name(const char *name) {
    if (strncmp(name, TEMP_PREFIX, TEMP_PREFIX_LEN) || strlen(name) != TEMP_PREFIX_LEN + TEMP_SUFFIX_LEN) return 0;
    for (const char *p = name + TEMP_PREFIX_LEN; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) return 0;
    return 1;
}

/* Creates dir/.pixeen-tmp-XXXXXX (0600, O_EXCL) holding its exclusive lock, in `tmp` (the slot's
 * path when a slot is free, so that a signal finds it). Returns the fd, or -1 with errno. */
static int temp_create(const char *dir, int slot, char *tmp, size_t size) {
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    char *path = slot >= 0 ? temp_slots[slot].path : tmp;
    size_t path_size = slot >= 0 ? sizeof temp_slots[slot].path : size;
    for (int attempt = 0; attempt < TEMP_NAME_TRIES; attempt++) {
        uint8_t rnd[TEMP_SUFFIX_LEN];
        if (platform_random_bytes(rnd, sizeof rnd) != 0) return -1;
        char suffix[TEMP_SUFFIX_LEN + 1];
        for (int i = 0; i < TEMP_SUFFIX_LEN; i++) suffix[i] = letters[rnd[i] % (sizeof letters - 1)];
        suffix[TEMP_SUFFIX_LEN] = 0;
        if (slot >= 0) atomic_store(&temp_slots[slot].state, 1);
        snprintf(path, path_size, "%s/" TEMP_PREFIX "%s", dir, suffix);
        if (slot >= 0) atomic_store(&temp_slots[slot].state, 2);
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST) continue;
            return -1;
        }
        /* Locked before anything is written: a sweeper that took the lock between our open and our
         * flock has removed the name, so the name must still be this file once the lock is ours. */
        struct stat by_fd, by_name;
        if (platform_lock_exclusive_nowait(fd) == 0 && fstat(fd, &by_fd) == 0 && lstat(path, &by_name) == 0 &&
            by_fd.st_ino == by_name.st_ino && by_fd.st_dev == by_name.st_dev) {
            if (path != tmp) snprintf(tmp, size, "%s", path);
            return fd;
        }
        close(fd);
    }
    errno = EEXIST;
    return -1;
}

static void temp_slot_release(int slot) {
    if (slot >= 0) atomic_store(&temp_slots[slot].state, 0);
}

int vault_file_temporary_create(const char *target, char *tmp, size_t size, int *slot) {
    char dir[4096];
    *slot = -1;
    if (strlen(target) >= sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    dir_of(target, dir, sizeof dir);
    vault_file_sweep_temporaries(dir, NULL);
    *slot = temp_slot_claim();
    int fd = temp_create(dir, *slot, tmp, size);
    if (fd < 0) {
        int saved = errno;
        temp_slot_release(*slot);
        *slot = -1;
        errno = saved;
    }
    return fd;
}

void vault_file_temporary_release(int slot) {
    temp_slot_release(slot);
}

pixeen_status vault_file_sweep_temporaries(const char *dir, int *removed) {
    if (removed) *removed = 0;
    int dfd = platform_dir_open(dir);
    if (dfd < 0) return PIXEEN_OK;
    DIR *d = fdopendir(dfd);
    if (!d) {
        platform_dir_close(dfd);
        return PIXEEN_OK;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_temp_name(e->d_name)) continue;
        /* O_NONBLOCK: a FIFO of that name must not hang us (it is then skipped as not regular). */
        int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) continue;
        struct stat st, again;
        int ours = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid();
        /* The lock is free only when the process that wrote the file is gone. */
        if (ours && platform_lock_exclusive_nowait(fd) == 0 && fstatat(dfd, e->d_name, &again, AT_SYMLINK_NOFOLLOW) == 0 &&
            again.st_ino == st.st_ino && again.st_dev == st.st_dev) {
            char shown[4096 + 300];
            snprintf(shown, sizeof shown, "%s/%s", dir, e->d_name);
            if (vault_file_remove(dfd, e->d_name, shown, NULL) == PIXEEN_OK) {
                log_warn("removed %s, the temporary file of a save that was interrupted", shown);
                if (removed) (*removed)++;
            } else {
                log_warn("%s", error_message());
                error_clear();
            }
        }
        close(fd);
    }
    closedir(d);
    return PIXEEN_OK;
}

/* ---- removal --------------------------------------------------------------------------------- */

pixeen_status vault_file_remove(int dirfd, const char *name, const char *shown, int *wiped) {
    if (wiped) *wiped = 0;
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return io_error("cannot examine", shown);
    if (S_ISDIR(st.st_mode)) {
        if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0)
            return error_set(PIXEEN_ERROR_IO, "vault: %s is a folder, not a file (left in place: %s)", shown,
                             strerror(errno));
        return PIXEEN_OK;
    }
    if (S_ISREG(st.st_mode) && st.st_nlink == 1) {
        /* O_NOFOLLOW and the second fstat: whatever replaced the name since is only unlinked. */
        int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        struct stat now;
        if (fd >= 0 && fstat(fd, &now) == 0 && S_ISREG(now.st_mode) && now.st_nlink == 1 && now.st_ino == st.st_ino &&
            now.st_dev == st.st_dev) {
            /* Overwriting erases the bytes on disks that rewrite in place; SSDs and copy-on-write
             * file systems may keep them (see the README): they are ciphertext or ours anyway. */
            static const uint8_t zeros[4096];
            int ok = 1;
            for (off_t done = 0; done < now.st_size && ok;) {
                size_t n = (size_t)(now.st_size - done) < sizeof zeros ? (size_t)(now.st_size - done) : sizeof zeros;
                ssize_t w = write(fd, zeros, n);
                if (w < 0 && errno == EINTR) continue;
                if (w <= 0) ok = 0;
                else done += w;
            }
            if (ok && fsync(fd) == 0 && wiped) *wiped = 1;
        }
        if (fd >= 0) close(fd);
    }
    if (unlinkat(dirfd, name, 0) != 0) return io_error("cannot delete", shown);
    return PIXEEN_OK;
}

/* ---- writing ------------------------------------------------------------------------------- */

/* PIXEEN_ERROR_EXISTS unless `path` is absent, or (with force) a regular file. */
static pixeen_status check_target(const char *path, int force) {
    struct stat st;
    if (lstat(path, &st) != 0) return PIXEEN_OK;
    if (!force) return error_set(PIXEEN_ERROR_EXISTS, "vault: %s already exists (refusing to replace it)", path);
    if (!S_ISREG(st.st_mode))
        return error_set(PIXEEN_ERROR_EXISTS, "vault: %s is %s (--force replaces regular files only)", path,
                         file_kind(st.st_mode));
    return PIXEEN_OK;
}

pixeen_status vault_file_write_atomic(const char *path, const uint8_t *data, size_t len, int force) {
    char dir[4096], tmp[4096 + 32];
    struct stat st;
    if (!path || !path[0]) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: empty output path");
    if (strlen(path) >= sizeof dir) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: output path too long");
    PX_TRY(check_target(path, force));
    dir_of(path, dir, sizeof dir);
    vault_file_sweep_temporaries(dir, NULL);
    int slot = temp_slot_claim();
    int fd = temp_create(dir, slot, tmp, sizeof tmp);
    if (fd < 0) {
        temp_slot_release(slot);
        return io_error("cannot create a temporary file in", dir);
    }
    pixeen_status status = PIXEEN_OK;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = ENOSPC;
            status = io_error("cannot write", path);
            break;
        }
        done += (size_t)n;
    }
    if (status == PIXEEN_OK && fsync(fd) != 0) status = io_error("cannot flush", path);
    /* The file stays open (and locked) until it has its final name: no sweeper takes it meanwhile. */
    if (status == PIXEEN_OK) {
        if (force) {
            /* Again, just before: what was checked at the start may have been replaced since. */
            status = check_target(path, 1);
            if (status == PIXEEN_OK && platform_rename_replace(tmp, path) != 0) status = io_error("cannot rename into", path);
        } else if (link(tmp, path) == 0) {
            unlink(tmp); /* link() refuses an existing target, atomically: no overwrite race */
        } else if (errno == EEXIST) {
            status = error_set(PIXEEN_ERROR_EXISTS, "vault: %s already exists (refusing to replace it)", path);
        } else if (errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP || errno == EXDEV) {
            /* File systems without hard links (FAT, some FUSE): check, then rename. */
            if (lstat(path, &st) == 0)
                status = error_set(PIXEEN_ERROR_EXISTS, "vault: %s already exists (refusing to replace it)", path);
            else if (platform_rename_replace(tmp, path) != 0)
                status = io_error("cannot rename into", path);
        } else {
            status = io_error("cannot link into", path);
        }
    }
    if (status != PIXEEN_OK) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
    }
    temp_slot_release(slot);
    if (close(fd) != 0 && status == PIXEEN_OK) status = io_error("cannot close", path);
    if (status != PIXEEN_OK) return status;
    if (platform_fsync_dir(dir) != 0) return io_error("cannot flush folder", dir);
    return PIXEEN_OK;
}

/* ---- reading ------------------------------------------------------------------------------- */

pixeen_status vault_input_open(const char *path, size_t max, int *fd_out, size_t *size) {
    *fd_out = -1;
    /* O_NONBLOCK: opening a FIFO that has no writer returns at once instead of waiting for one. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return io_error("cannot examine", path);
    }
    if (S_ISREG(st.st_mode)) {
        if ((uint64_t)st.st_size > max) {
            close(fd);
            return error_set(PIXEEN_ERROR_IO, "vault: %s is %lld bytes (expected at most %zu)", path,
                             (long long)st.st_size, max);
        }
        *size = (size_t)st.st_size;
    } else if (S_ISFIFO(st.st_mode)) {
        *size = SIZE_MAX;
    } else {
        close(fd);
        return error_set(PIXEEN_ERROR_IO, "vault: %s is %s, not a file or a pipe", path, file_kind(st.st_mode));
    }
    *fd_out = fd;
    return PIXEEN_OK;
}

/* One read(2) of at most `want` bytes into dst; waits on a pipe whose writer has not written yet,
 * as `age -d` does. *n is 0 at the end of the input. */
static pixeen_status read_some(int fd, const char *path, uint8_t *dst, size_t want, size_t *n) {
    for (;;) {
        ssize_t r = read(fd, dst, want);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (platform_wait_readable(fd) != 0 && errno != EINTR) return io_error("cannot wait for", path);
            continue;
        }
        if (r < 0) return io_error("cannot read", path);
        *n = (size_t)r;
        return PIXEEN_OK;
    }
}

static pixeen_status too_long(const char *path, size_t cap) {
    return error_set(PIXEEN_ERROR_IO, "vault: %s holds more than %zu bytes (expected at most that)", path, cap);
}

/* An empty regular file is an ordinary (if useless) input; a FIFO that ends before its first byte
 * had no writer (opened without blocking) or a writer that wrote nothing: say so, rather than
 * letting the caller report an empty passphrase or a file that is not age. */
static pixeen_status empty_pipe_check(int fd, const char *path) {
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
        return error_set(PIXEEN_ERROR_IO, "vault: the pipe or FIFO %s ended before its first byte (it has no writer, or one that wrote nothing)", path);
    return PIXEEN_OK;
}

pixeen_status vault_input_read(int fd, const char *path, uint8_t *buf, size_t cap, size_t *len) {
    *len = 0;
    for (;;) {
        size_t n = 0;
        if (*len == cap) {
            /* Full: one more byte decides between "exactly cap" and "too long". */
            uint8_t probe;
            PX_TRY(read_some(fd, path, &probe, 1, &n));
            return n ? too_long(path, cap) : PIXEEN_OK;
        }
        PX_TRY(read_some(fd, path, buf + *len, cap - *len, &n));
        if (n == 0) return *len == 0 ? empty_pipe_check(fd, path) : PIXEEN_OK;
        *len += n;
    }
}

pixeen_status vault_file_read(const char *path, size_t max, uint8_t **data, size_t *len) {
    *data = NULL;
    *len = 0;
    int fd = -1;
    size_t size = 0;
    PX_TRY(vault_input_open(path, max, &fd, &size));
    /* A regular file: its size (a file that grows meanwhile is read as it was). A pipe: a buffer
     * grown as the bytes come, up to max. */
    int is_pipe = size == SIZE_MAX;
    size_t cap = is_pipe ? (max < 65536 ? max : 65536) : size;
    uint8_t *buf = malloc(cap ? cap : 1);
    pixeen_status s = buf ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "vault: cannot allocate %zu bytes for %s", cap, path);
    size_t got = 0;
    while (s == PIXEEN_OK) {
        if (got == cap) {
            if (!is_pipe) break;
            uint8_t probe;
            size_t n = 0;
            if ((s = read_some(fd, path, &probe, 1, &n)) != PIXEEN_OK || n == 0) break;
            if (cap == max) {
                s = too_long(path, max);
                break;
            }
            size_t grown_cap = cap > max / 4 ? max : cap * 4;
            uint8_t *grown = realloc(buf, grown_cap);
            if (!grown) {
                s = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "vault: cannot allocate %zu bytes for %s", grown_cap, path);
                break;
            }
            buf = grown;
            cap = grown_cap;
            buf[got++] = probe;
            continue;
        }
        size_t n = 0;
        if ((s = read_some(fd, path, buf + got, cap - got, &n)) != PIXEEN_OK || n == 0) break;
        got += n;
    }
    close(fd);
    if (s != PIXEEN_OK) {
        free(buf);
        return s;
    }
    *data = buf;
    *len = got;
    return PIXEEN_OK;
}

pixeen_status vault_mkdirs(const char *path) {
    char buf[4096];
    if (strlen(path) >= sizeof buf) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: path too long");
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST) return io_error("cannot create folder", buf);
            *p = saved;
            if (!saved) break;
        }
    }
    return PIXEEN_OK;
}
