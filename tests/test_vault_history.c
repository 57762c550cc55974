/* test_vault_history.c — the encrypted history: add (one age file per image, folder 0700), list
 * (parameters only, oldest first), export (plaintext PNG or re-encrypted), delete, purge,
 * rejection of ids that could name files outside the folder, and hostile entries (folders,
 * symbolic and hard links, truncated files, leftover temporaries) that are skipped and reported
 * while the rest is done, never written through. Uses a scratch XDG_DATA_HOME and
 * XDG_CONFIG_HOME. */
#include <dirent.h>
#include <unistd.h>

#include "test.h"

static char root[1024];

typedef struct seen {
    int count, undecryptable;
    char ids[8][PIXEEN_HISTORY_ID_SIZE];
    char first_params[256];
} seen;

static int on_entry(const char *id, const char *params, void *user) {
    seen *s = user;
    if (s->count < 8) snprintf(s->ids[s->count], PIXEEN_HISTORY_ID_SIZE, "%s", id);
    if (!params) s->undecryptable++;
    else if (s->count == 0) snprintf(s->first_params, sizeof s->first_params, "%s", params);
    s->count++;
    return 0;
}

static void entry_name(char *buf, size_t size, const char *hist, const char *id) {
    snprintf(buf, size, "%s/%s.age", hist, id);
}

/* F11/F12/F13: a folder, a symbolic link, a truncated file and a hard link to an outside file among
 * the entries. list, export --all and purge skip and report what they cannot handle and finish
 * the rest; purge empties the folder in one go (an empty folder and a link lose their names) and
 * never writes through a link: the outside files keep their bytes. */
static void test_hostile_entries(const char *hist, const char *out, const pixeen_secret *png) {
    char good[2][PIXEEN_HISTORY_ID_SIZE], path[1400], outside[1400], outside2[1400];
    /* ids that sort between and around the good ones: bad entries first, in the middle, last */
    const char *dir_id = "20000101T000000Z-00000001", *link_id = "20000101T000000Z-00000002",
               *trunc_id = "29990101T000000Z-00000003", *hard_id = "29990101T000000Z-00000004",
               *full_dir_id = "29990101T000000Z-00000005";
    for (int i = 0; i < 2; i++)
        CHECK_OK(pixeen_history_add(pixeen_secret_data(png), pixeen_secret_size(png), NULL, good[i]));
    entry_name(path, sizeof path, hist, dir_id);
    CHECK(mkdir(path, 0700) == 0);
    entry_name(path, sizeof path, hist, full_dir_id);
    CHECK(mkdir(path, 0700) == 0);
    strcat(path, "/keep");
    FILE *f = fopen(path, "w");
    if (f) fclose(f);
    snprintf(outside, sizeof outside, "%s/outside-target.txt", out);
    f = fopen(outside, "w");
    fputs("outside bytes, not ours", f);
    fclose(f);
    entry_name(path, sizeof path, hist, link_id);
    CHECK(symlink(outside, path) == 0);
    /* a truncated entry: the first 60 bytes of a good one */
    char src[1400];
    entry_name(src, sizeof src, hist, good[0]);
    entry_name(path, sizeof path, hist, trunc_id);
    uint8_t head[60];
    f = fopen(src, "rb");
    CHECK(f && fread(head, 1, sizeof head, f) == sizeof head);
    if (f) fclose(f);
    f = fopen(path, "wb");
    fwrite(head, 1, sizeof head, f);
    fclose(f);
    /* a hard link to an outside file, planted as an entry */
    snprintf(outside2, sizeof outside2, "%s/outside-hardlinked.txt", out);
    f = fopen(outside2, "w");
    fputs("hard-linked bytes, not ours", f);
    fclose(f);
    entry_name(path, sizeof path, hist, hard_id);
    CHECK(link(outside2, path) == 0);

    /* list: every good entry, the truncated and hard-linked ones as undecryptable; no stop */
    seen s = {0};
    CHECK_OK(pixeen_history_list(NULL, on_entry, &s));
    CHECK(s.count == 4 && s.undecryptable == 2);
    /* export --all: the good ones are written, the bad ones counted in the status */
    char exp[1200];
    snprintf(exp, sizeof exp, "%s/all", out);
    mkdir(exp, 0700);
    pixeen_status st = pixeen_history_export(NULL, NULL, exp, NULL);
    CHECK(st != PIXEEN_OK && strstr(pixeen_last_error(), "5 of 7 entries not exported"));
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s.png", exp, good[i]);
        CHECK(access(path, F_OK) == 0);
    }
    /* purge: one call removes all but the folder that is not empty, and reports that one */
    st = pixeen_history_purge();
    CHECK(st != PIXEEN_OK && strstr(pixeen_last_error(), "1 of 7 entries not deleted") &&
          strstr(pixeen_last_error(), full_dir_id));
    memset(&s, 0, sizeof s);
    CHECK_OK(pixeen_history_list(NULL, on_entry, &s));
    CHECK(s.count == 0);
    char buf[64] = "";
    f = fopen(outside, "r");
    CHECK(f && fgets(buf, sizeof buf, f) && !strcmp(buf, "outside bytes, not ours"));
    if (f) fclose(f);
    f = fopen(outside2, "r");
    CHECK(f && fgets(buf, sizeof buf, f) && !strcmp(buf, "hard-linked bytes, not ours"));
    if (f) fclose(f);
    entry_name(path, sizeof path, hist, full_dir_id);
    char cmd[1500];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    CHECK(system(cmd) == 0);
    CHECK_OK(pixeen_history_purge());

    /* a leftover temporary of a killed `--history` save: a decryptable entry that purge removes */
    snprintf(path, sizeof path, "%s/.pixeen-tmp-Ab3xYz", hist);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("age-encryption.org/v1 (pretend)", f);
        fclose(f);
    }
    CHECK_OK(pixeen_history_purge());
    CHECK(access(path, F_OK) != 0);
}

int main(void) {
    const char *base = getenv("PIXEEN_TEST_BIN");
    snprintf(root, sizeof root, "%s/vault-history-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(root)) TEST_SKIP("cannot create a scratch folder");
    char data_home[1100], config_home[1100], hist[1200], out[1100];
    snprintf(data_home, sizeof data_home, "%s/data", root);
    snprintf(config_home, sizeof config_home, "%s/config", root);
    snprintf(out, sizeof out, "%s/out", root);
    mkdir(out, 0700);
    setenv("XDG_DATA_HOME", data_home, 1);
    setenv("XDG_CONFIG_HOME", config_home, 1);
    CHECK_OK(pixeen_history_dir(hist, sizeof hist));
    char want[1300];
    snprintf(want, sizeof want, "%s/pixeen/history", data_home);
    CHECK(!strcmp(hist, want));

    /* Empty history (no folder yet). */
    seen s = {0};
    char rcpt[PIXEEN_RECIPIENT_SIZE];
    CHECK_OK(pixeen_identity_generate(NULL, rcpt));
    CHECK_OK(pixeen_history_list(NULL, on_entry, &s));
    CHECK(s.count == 0);

    uint8_t rgb[8 * 8 * 3] = {0};
    pixeen_secret *png1 = NULL, *png2 = NULL;
    CHECK_OK(pixeen_png_encode(rgb, 8, 8, "first prompt\nSteps: 1, CFG scale: 7.0, Seed: 1, Size: 8x8", &png1));
    CHECK_OK(pixeen_png_encode(rgb, 8, 8, "second prompt\nSteps: 2, CFG scale: 7.0, Seed: 2, Size: 8x8", &png2));
    char id1[PIXEEN_HISTORY_ID_SIZE], id2[PIXEEN_HISTORY_ID_SIZE];
    CHECK_OK(pixeen_history_add(pixeen_secret_data(png1), pixeen_secret_size(png1), NULL, id1));
    CHECK_OK(pixeen_history_add(pixeen_secret_data(png2), pixeen_secret_size(png2), rcpt, id2));
    struct stat st;
    CHECK(stat(hist, &st) == 0 && (st.st_mode & 0777) == 0700);
    char path[1400];
    snprintf(path, sizeof path, "%s/%s.age", hist, id1);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    /* The file on disk is an age file, not a PNG with a readable prompt. */
    FILE *f = fopen(path, "rb");
    char head[32] = "";
    CHECK(f && fread(head, 1, 21, f) == 21 && !memcmp(head, "age-encryption.org/v1", 21));
    if (f) fclose(f);

    memset(&s, 0, sizeof s);
    CHECK_OK(pixeen_history_list(NULL, on_entry, &s));
    CHECK(s.count == 2 && s.undecryptable == 0);
    int ordered = strcmp(id1, id2) < 0; /* same second: random part decides; else time order */
    CHECK(!strncmp(s.first_params, ordered ? "first prompt" : "second prompt", 6));

    /* Export one as plaintext, all re-encrypted; plaintext exports never overwrite. */
    CHECK_OK(pixeen_history_export(NULL, id1, out, NULL));
    snprintf(path, sizeof path, "%s/%s.png", out, id1);
    CHECK(stat(path, &st) == 0 && (size_t)st.st_size == pixeen_secret_size(png1));
    CHECK_STATUS(pixeen_history_export(NULL, id1, out, NULL), PIXEEN_ERROR_EXISTS);
    const char *list[] = {rcpt};
    pixeen_seal_desc reseal = {.recipients = list, .recipient_count = 1};
    CHECK_OK(pixeen_history_export(NULL, NULL, out, &reseal));
    snprintf(path, sizeof path, "%s/%s.png.age", out, id2);
    pixeen_secret *back = NULL;
    CHECK_OK(pixeen_vault_open_file(NULL, path, &back));
    CHECK(back && pixeen_secret_size(back) == pixeen_secret_size(png2));
    pixeen_secret_destroy(back);

    /* Ids that are not ids. */
    CHECK_STATUS(pixeen_history_delete("../../identity"), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(pixeen_history_delete("20260101T000000Z-0000000g"), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(pixeen_history_delete("20260101T000000Z-00000000"), PIXEEN_ERROR_INVALID_ARGUMENT);

    CHECK_OK(pixeen_history_delete(id1));
    memset(&s, 0, sizeof s);
    CHECK_OK(pixeen_history_list(NULL, on_entry, &s));
    CHECK(s.count == 1 && !strcmp(s.ids[0], id2));
    CHECK_OK(pixeen_history_purge());
    memset(&s, 0, sizeof s);
    CHECK_OK(pixeen_history_list(NULL, on_entry, &s));
    CHECK(s.count == 0);

    test_hostile_entries(hist, out, png1);

    pixeen_secret_destroy(png1);
    pixeen_secret_destroy(png2);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
    return test_finish();
}
