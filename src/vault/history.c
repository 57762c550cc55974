/* history.c — the encrypted generation history (see history.h). An id is
 * "YYYYMMDDTHHMMSSZ-xxxxxxxx": UTC time (so names sort by time) and 32 random bits (so two images
 * in the same second do not collide). Ids from the user are validated against that shape before
 * any path is built, so no id can name a file outside the folder.
 * Entry points: vault_history_dir, _add, _list, _export, _delete, _purge. */
#include "vault/history.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/platform.h"
#include "vault/age_file.h"
#include "vault/file.h"
#include "vault/keys.h"
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
    const char *xdg = getenv("XDG_DATA_HOME"), *home = platform_home_dir();
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

/* What an entry's name refers to: NULL for a regular file (a real entry), else what it is. Checked
 * without following links, so a planted symbolic link is neither read nor written through. */
static const char *entry_oddity(const char *path, char *why, size_t size) {
    struct stat st;
    if (lstat(path, &st) != 0) {
        snprintf(why, size, "cannot examine it: %s", strerror(errno));
        return why;
    }
    if (S_ISREG(st.st_mode)) return NULL;
    snprintf(why, size, "it is %s, not an entry file",
             S_ISDIR(st.st_mode) ? "a folder" : S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISFIFO(st.st_mode) ? "a FIFO"
             : S_ISSOCK(st.st_mode) ? "a socket" : "a device");
    return why;
}

/* Reads and decrypts one entry with identities loaded once for the whole command. */
static pixeen_status open_entry(const vault_identity_set *keys, const char *path, vault_secret **png) {
    uint8_t *file = NULL;
    size_t len = 0;
    PX_TRY(vault_file_read(path, VAULT_AGE_FILE_MAX, &file, &len));
    pixeen_status s = vault_open_buffer_with(keys, NULL, file, len, png);
    free(file);
    return s == PIXEEN_OK ? s : error_wrap(s, "%s: ", path);
}

/* The identities of identity_file (NULL: the default one). */
static pixeen_status load_keys(const char *identity_file, vault_identity_set *keys) {
    char default_path[4096];
    if (!identity_file) {
        PX_TRY(vault_identity_default_path(default_path, sizeof default_path));
        identity_file = default_path;
    }
    return vault_identities_load(identity_file, keys);
}

pixeen_status vault_history_list(const char *identity_file, pixeen_history_fn fn, void *user) {
    char **ids = NULL;
    size_t count = 0;
    PX_TRY(list_ids(&ids, &count));
    if (!count) return PIXEEN_OK;
    /* The identity is loaded once, first (it may be a pipe): after that every failure belongs to
     * one entry, which is reported and skipped while the others are listed. */
    vault_identity_set keys = {0};
    pixeen_status s = load_keys(identity_file, &keys);
    if (s != PIXEEN_OK) {
        free_ids(ids, count);
        return s;
    }
    for (size_t i = 0; i < count; i++) {
        char path[4096], why[128];
        vault_secret *png = NULL, *text = NULL;
        if ((s = entry_path(ids[i], path, sizeof path)) != PIXEEN_OK) break;
        if (entry_oddity(path, why, sizeof why)) {
            log_warn("history: skipped %s: %s", ids[i], why);
            continue;
        }
        s = open_entry(&keys, path, &png);
        if (s == PIXEEN_ERROR_OUT_OF_MEMORY) break;
        if (s == PIXEEN_ERROR_DECRYPT) {
            log_warn("history: %s: %s", ids[i], error_message()); /* what is wrong: key, damage, not age */
        } else if (s != PIXEEN_OK) {
            log_warn("history: skipped %s: %s", ids[i], error_message());
            error_clear();
            s = PIXEEN_OK;
            continue;
        }
        if (s == PIXEEN_OK && vault_png_read_parameters(png->data, png->len, &text) != PIXEEN_OK) text = NULL;
        error_clear();
        s = PIXEEN_OK;
        int stop = fn(ids[i], text ? (const char *)text->data : NULL, user);
        vault_secret_destroy(text);
        vault_secret_destroy(png);
        if (stop) break;
    }
    vault_identities_free(&keys);
    free_ids(ids, count);
    return s;
}

static pixeen_status export_one(const vault_identity_set *keys, const char *id, const char *dir,
                                const pixeen_seal_desc *reseal) {
    char path[4096], out[4096], why[128];
    PX_TRY(entry_path(id, path, sizeof path));
    if (entry_oddity(path, why, sizeof why))
        return error_set(PIXEEN_ERROR_IO, "history %s: %s", id, why);
    vault_secret *png = NULL;
    pixeen_status s = open_entry(keys, path, &png);
    if (s != PIXEEN_OK) return error_wrap(s, "history %s: ", id);
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

/* For the commands that act on every entry: each failure is reported as it happens and the rest
 * go on; the end result names how many failed and the first failure's reason. */
typedef struct batch_result {
    pixeen_status first;
    char first_message[512];
    size_t failed;
} batch_result;

static void batch_note(batch_result *b, pixeen_status s) {
    if (s == PIXEEN_OK) return;
    log_warn("%s", error_message());
    if (!b->failed++) {
        b->first = s;
        snprintf(b->first_message, sizeof b->first_message, "%s", error_message());
    }
    error_clear();
}

static pixeen_status batch_finish(const batch_result *b, const char *verb, size_t count) {
    if (!b->failed) return PIXEEN_OK;
    return error_set(b->first, "history: %zu of %zu entries not %s (each reported above); the first: %s", b->failed,
                     count, verb, b->first_message);
}

pixeen_status vault_history_export(const char *identity_file, const char *id, const char *dir,
                                   const pixeen_seal_desc *reseal) {
    if (!dir) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "history: export without a folder");
    vault_identity_set keys = {0};
    char **ids = NULL;
    size_t count = 0;
    if (!id) PX_TRY(list_ids(&ids, &count));
    if (!id && !count) return PIXEEN_OK;
    pixeen_status s = load_keys(identity_file, &keys);
    if (s != PIXEEN_OK) {
        free_ids(ids, count);
        return s;
    }
    if (id) {
        s = export_one(&keys, id, dir, reseal);
        vault_identities_free(&keys);
        return s;
    }
    batch_result b = {0};
    for (size_t i = 0; i < count; i++) {
        s = export_one(&keys, ids[i], dir, reseal);
        if (s == PIXEEN_ERROR_OUT_OF_MEMORY) break;
        batch_note(&b, s);
        s = PIXEEN_OK;
    }
    vault_identities_free(&keys);
    free_ids(ids, count);
    return s != PIXEEN_OK ? s : batch_finish(&b, "exported", count);
}

/* Removes one entry by name from the history folder open as dirfd (see vault_file_remove: a
 * symbolic link or a file with other hard links loses its name only, and that is said). */
static pixeen_status remove_entry(int dirfd, const char *dir, const char *id) {
    char name[64], shown[4200];
    snprintf(name, sizeof name, "%s.age", id);
    snprintf(shown, sizeof shown, "%s/%s", dir, name);
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return error_set(PIXEEN_ERROR_IO, "history: cannot examine %s: %s", shown, strerror(errno));
    int wiped = 0;
    PX_TRY(vault_file_remove(dirfd, name, shown, &wiped));
    if (!wiped && S_ISLNK(st.st_mode))
        log_warn("history: %s was a symbolic link: removed the link only (its target was not touched)", id);
    else if (!wiped && S_ISREG(st.st_mode) && st.st_nlink > 1)
        log_warn("history: %s had %lu other hard link(s): removed this name only (nothing was overwritten)", id,
                 (unsigned long)st.st_nlink - 1);
    else if (S_ISDIR(st.st_mode))
        log_warn("history: %s was an empty folder, not an entry: removed it", id);
    else if (!wiped && !S_ISREG(st.st_mode))
        log_warn("history: %s was not a file: removed its name only", id);
    return PIXEEN_OK;
}

static int open_history_dir(char *dir, size_t size) {
    if (vault_history_dir(dir, size) != PIXEEN_OK) return -1;
    return platform_dir_open(dir);
}

pixeen_status vault_history_delete(const char *id) {
    char path[4096], dir[4000];
    PX_TRY(entry_path(id, path, sizeof path));
    struct stat st;
    if (lstat(path, &st) != 0) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "history: no entry %s", id);
    int dfd = open_history_dir(dir, sizeof dir);
    if (dfd < 0) return error_set(PIXEEN_ERROR_IO, "history: cannot open %s: %s", dir, strerror(errno));
    pixeen_status s = remove_entry(dfd, dir, id);
    platform_fsync_dir(dir);
    platform_dir_close(dfd);
    return s;
}

pixeen_status vault_history_purge(void) {
    char dir[4000];
    PX_TRY(vault_history_dir(dir, sizeof dir));
    /* Interrupted saves first: a killed `--history` leaves a complete, decryptable temporary. */
    vault_file_sweep_temporaries(dir, NULL);
    char **ids = NULL;
    size_t count = 0;
    PX_TRY(list_ids(&ids, &count));
    if (!count) return PIXEEN_OK;
    int dfd = open_history_dir(dir, sizeof dir);
    if (dfd < 0) {
        free_ids(ids, count);
        return error_set(PIXEEN_ERROR_IO, "history: cannot open %s: %s", dir, strerror(errno));
    }
    batch_result b = {0};
    for (size_t i = 0; i < count; i++) batch_note(&b, remove_entry(dfd, dir, ids[i]));
    platform_fsync_dir(dir);
    platform_dir_close(dfd);
    free_ids(ids, count);
    return batch_finish(&b, "deleted", count);
}
