/* file.c — atomic, private file writes and whole-file reads (see file.h).
 * Entry points: vault_file_write_atomic, vault_file_read, vault_mkdirs. */
#include "vault/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pixeen_status io_error(const char *what, const char *path) {
    return error_set(PIXEEN_ERROR_IO, "vault: %s %s: %s", what, path, strerror(errno));
}

static void dir_of(const char *path, char *dir, size_t size) {
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, size, ".");
    else if (slash == path) snprintf(dir, size, "/");
    else snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

static int fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

pixeen_status vault_file_write_atomic(const char *path, const uint8_t *data, size_t len, int force) {
    char dir[4096], tmp[4096 + 32];
    struct stat st;
    if (!path || !path[0]) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: empty output path");
    if (strlen(path) >= sizeof dir) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: output path too long");
    if (!force && lstat(path, &st) == 0)
        return error_set(PIXEEN_ERROR_EXISTS, "vault: %s already exists (refusing to replace it)", path);
    dir_of(path, dir, sizeof dir);
    snprintf(tmp, sizeof tmp, "%s/.pixeen-tmp-XXXXXX", dir);
    mode_t old_mask = umask(077);
    int fd = mkstemp(tmp); /* O_CREAT | O_EXCL, mode 0600 */
    umask(old_mask);
    if (fd < 0) return io_error("cannot create a temporary file in", dir);
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
    if (close(fd) != 0 && status == PIXEEN_OK) status = io_error("cannot close", path);
    if (status == PIXEEN_OK) {
        if (force) {
            if (rename(tmp, path) != 0) status = io_error("cannot rename into", path);
        } else if (link(tmp, path) == 0) {
            unlink(tmp); /* link() refuses an existing target, atomically: no overwrite race */
        } else if (errno == EEXIST) {
            status = error_set(PIXEEN_ERROR_EXISTS, "vault: %s already exists (refusing to replace it)", path);
        } else if (errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP || errno == EXDEV) {
            /* File systems without hard links (FAT, some FUSE): check, then rename. */
            if (lstat(path, &st) == 0)
                status = error_set(PIXEEN_ERROR_EXISTS, "vault: %s already exists (refusing to replace it)", path);
            else if (rename(tmp, path) != 0)
                status = io_error("cannot rename into", path);
        } else {
            status = io_error("cannot link into", path);
        }
    }
    if (status != PIXEEN_OK) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
        return status;
    }
    if (fsync_dir(dir) != 0) return io_error("cannot flush folder", dir);
    return PIXEEN_OK;
}

pixeen_status vault_file_read(const char *path, size_t max, uint8_t **data, size_t *len) {
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return error_set(PIXEEN_ERROR_IO, "vault: %s is not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return error_set(PIXEEN_ERROR_IO, "vault: %s is %lld bytes (expected at most %zu)", path,
                         (long long)st.st_size, max);
    }
    size_t size = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        close(fd);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "vault: cannot allocate %zu bytes for %s", size, path);
    }
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            free(buf);
            close(fd);
            return io_error("cannot read", path);
        }
        if (n == 0) break;
        got += (size_t)n;
    }
    close(fd);
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
