/* test_vault_history.c — the encrypted history: add (one age file per image, folder 0700), list
 * (parameters only, oldest first), export (plaintext PNG or re-encrypted), delete, purge, and
 * rejection of ids that could name files outside the folder. Uses a scratch XDG_DATA_HOME and
 * XDG_CONFIG_HOME. */
#include <dirent.h>

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

    pixeen_secret_destroy(png1);
    pixeen_secret_destroy(png2);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
    return test_finish();
}
