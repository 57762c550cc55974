/* history.c — the encrypted generation history (see history.h). An id is
 * "YYYYMMDDTHHMMSSZ-xxxxxxxx": UTC time (so names sort by time) and 32 random bits (so two images
 * in the same second do not collide). Ids from the user are validated against that shape before
 * any path is built, so no id can name a file outside the folder.
 * Entry points: vault_history_dir, _add, _list, _export, _delete, _purge. */
#include "vault/history.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vault/age_file.h"
#include "vault/file.h"
#include "vault/png.h"

enum { ID_LEN = 25 }; /* 16 (time) + 1 + 8 (hex) */

static int id_valid(const char *id) {
    if (!id || strlen(id) != ID_LEN || id[8] != 'T' || id[15] != 'Z' || id[16] != '-') return 0;
    for (int i = 0; i < ID_LEN; i++) {
        char c = id[i];
        if (i == 8 || i == 15 || i == 16) continue;
        if (i < 15 ? !(c >= '0' && c <= '9') : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return 0;
    }
    return 1;
}

pixeen_status vault_history_dir(char *buf, size_t size) {
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/') n = snprintf(buf, size, "%s/pixeen/history", xdg);
    else if (home && home[0]) n = snprintf(buf, size, "%s/.local/share/pixeen/history", home);
    else return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "history: neither XDG_DATA_HOME nor HOME is set");
    if (n < 0 || (size_t)n >= size) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "history: path too long");
    return PIXEEN_OK;
}

static pixeen_status entry_path(const char *id, char *path, size_t size) {
    if (!id_valid(id))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "history: '%.40s' is not a history id (expected "
                         "YYYYMMDDTHHMMSSZ-xxxxxxxx, as `pixeen history list` shows)", id ? id : "");
    char dir[4000];
    PX_TRY(vault_history_dir(dir, sizeof dir));
    snprintf(path, size, "%s/%s.age", dir, id);
    return PIXEEN_OK;
}

pixeen_status vault_history_add(const uint8_t *png, size_t size, const char *recipient, char *id_out) {
    char rcpt[PIXEEN_RECIPIENT_SIZE], dir[4000], path[4096], id[PIXEEN_HISTORY_ID_SIZE];
    if (!recipient) {
        PX_TRY(vault_identity_file_recipient(NULL, rcpt));
        recipient = rcpt;
    }
    PX_TRY(vault_init());
    PX_TRY(vault_history_dir(dir, sizeof dir));
    PX_TRY(vault_mkdirs(dir));
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(id, sizeof id, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(id + 16, sizeof id - 16, "-%08x", (unsigned)randombytes_random());
    snprintf(path, sizeof path, "%s/%s.age", dir, id);
    const char *list[] = {recipient};
    pixeen_seal_desc desc = {.recipients = list, .recipient_count = 1};
    PX_TRY(vault_seal_file(&desc, png, size, path));
    if (id_out) snprintf(id_out, PIXEEN_HISTORY_ID_SIZE, "%s", id);
    return PIXEEN_OK;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted ids in the folder (an absent folder is an empty history). */
static pixeen_status list_ids(char ***ids_out, size_t *count_out) {
    char dir[4000];
    *ids_out = NULL;
    *count_out = 0;
    PX_TRY(vault_history_dir(dir, sizeof dir));
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) return PIXEEN_OK;
        return error_set(PIXEEN_ERROR_IO, "history: cannot open %s: %s", dir, strerror(errno));
    }
    char **ids = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    pixeen_status s = PIXEEN_OK;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n != ID_LEN + 4 || strcmp(e->d_name + ID_LEN, ".age")) continue;
        char id[ID_LEN + 1];
        memcpy(id, e->d_name, ID_LEN);
        id[ID_LEN] = 0;
        if (!id_valid(id)) continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(ids, cap * sizeof *grown);
            if (!grown) {
                s = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "history: out of memory");
                break;
            }
            ids = grown;
        }
        if (!(ids[count] = strdup(id))) {
            s = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "history: out of memory");
            break;
        }
        count++;
    }
    closedir(d);
    if (s == PIXEEN_OK && count) qsort(ids, count, sizeof *ids, compare_names);
    *ids_out = ids;
    *count_out = count;
    return s;
}

static void free_ids(char **ids, size_t count) {
    for (size_t i = 0; i < count; i++) free(ids[i]);
    free(ids);
}

pixeen_status vault_history_list(const char *identity_file, pixeen_history_fn fn, void *user) {
    char **ids = NULL;
    size_t count = 0;
    PX_TRY(list_ids(&ids, &count));
    pixeen_status s = PIXEEN_OK;
    pixeen_open_desc desc = {.identity_file = identity_file};
    for (size_t i = 0; i < count; i++) {
        char path[4096];
        vault_secret *png = NULL, *text = NULL;
        if ((s = entry_path(ids[i], path, sizeof path)) != PIXEEN_OK) break;
        s = vault_open_file(&desc, path, &png);
        if (s == PIXEEN_ERROR_IO || s == PIXEEN_ERROR_KEY || s == PIXEEN_ERROR_OUT_OF_MEMORY ||
            s == PIXEEN_ERROR_UNSUPPORTED || s == PIXEEN_ERROR_INVALID_ARGUMENT)
            break; /* the identity itself is unusable: no point going on */
        if (s == PIXEEN_OK && vault_png_read_parameters(png->data, png->len, &text) != PIXEEN_OK) text = NULL;
        error_clear();
        s = PIXEEN_OK;
        int stop = fn(ids[i], text ? (const char *)text->data : NULL, user);
        vault_secret_destroy(text);
        vault_secret_destroy(png);
        if (stop) break;
    }
    free_ids(ids, count);
    return s;
}

static pixeen_status export_one(const char *identity_file, const char *id, const char *dir,
                                const pixeen_seal_desc *reseal) {
    char path[4096], out[4096];
    PX_TRY(entry_path(id, path, sizeof path));
    pixeen_open_desc desc = {.identity_file = identity_file};
    vault_secret *png = NULL;
    PX_TRY(vault_open_file(&desc, path, &png));
    pixeen_status s;
    if (reseal) {
        snprintf(out, sizeof out, "%s/%s.png.age", dir, id);
        s = vault_seal_file(reseal, png->data, png->len, out);
    } else {
        snprintf(out, sizeof out, "%s/%s.png", dir, id);
        s = vault_file_write_atomic(out, png->data, png->len, 0);
    }
    vault_secret_destroy(png);
    return s == PIXEEN_OK ? s : error_wrap(s, "history %s: ", id);
}

pixeen_status vault_history_export(const char *identity_file, const char *id, const char *dir,
                                   const pixeen_seal_desc *reseal) {
    if (!dir) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "history: export without a folder");
    if (id) return export_one(identity_file, id, dir, reseal);
    char **ids = NULL;
    size_t count = 0;
    PX_TRY(list_ids(&ids, &count));
    pixeen_status s = PIXEEN_OK;
    for (size_t i = 0; i < count && s == PIXEEN_OK; i++) s = export_one(identity_file, ids[i], dir, reseal);
    free_ids(ids, count);
    return s;
}

/* Overwrites the file's bytes with zeros and flushes before unlinking: on a disk that rewrites in
 * place this erases the ciphertext; on SSDs and copy-on-write file systems it may not (see the
 * README) — the ciphertext is useless without the identity either way. */
static pixeen_status wipe_and_unlink(const char *path) {
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return error_set(PIXEEN_ERROR_IO, "history: cannot open %s: %s", path, strerror(errno));
    off_t size = lseek(fd, 0, SEEK_END);
    lseek(fd, 0, SEEK_SET);
    static const uint8_t zeros[4096];
    for (off_t done = 0; done < size;) {
        size_t n = (size_t)(size - done) < sizeof zeros ? (size_t)(size - done) : sizeof zeros;
        ssize_t w = write(fd, zeros, n);
        if (w <= 0) break;
        done += w;
    }
    fsync(fd);
    close(fd);
    if (unlink(path) != 0) return error_set(PIXEEN_ERROR_IO, "history: cannot delete %s: %s", path, strerror(errno));
    return PIXEEN_OK;
}

pixeen_status vault_history_delete(const char *id) {
    char path[4096], dir[4000];
    PX_TRY(entry_path(id, path, sizeof path));
    if (access(path, F_OK) != 0)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "history: no entry %s", id);
    PX_TRY(wipe_and_unlink(path));
    PX_TRY(vault_history_dir(dir, sizeof dir));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return PIXEEN_OK;
}

pixeen_status vault_history_purge(void) {
    char **ids = NULL;
    size_t count = 0;
    PX_TRY(list_ids(&ids, &count));
    pixeen_status s = PIXEEN_OK;
    for (size_t i = 0; i < count && s == PIXEEN_OK; i++) s = vault_history_delete(ids[i]);
    free_ids(ids, count);
    return s;
}
