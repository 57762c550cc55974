/* test_vault_file.c — atomic, private file writes and the sealed-file API: mode 0600, no
 * overwrite without force, nothing left behind when a write fails (file size limit reached, as a
 * stand-in for a full disk; missing folder), sealing to recipients / a recipients file / a
 * passphrase and opening with an identity file or the passphrase, PIXEEN_ERROR_DECRYPT for a
 * wrong identity, and identity generation (mode 0600, refuses to overwrite). */
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "test.h"
#include "vault/file.h"
#include "vault/secret.h"

static char dir[1024];

static int count_entries(const char *path) {
    DIR *d = opendir(path);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

static void test_atomic(void) {
    char path[2048];
    struct stat st;
    snprintf(path, sizeof path, "%s/a.bin", dir);
    CHECK_OK(pixeen_file_write_atomic(path, "hello", 5, 0));
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 5);
    CHECK_STATUS(pixeen_file_write_atomic(path, "other", 5, 0), PIXEEN_ERROR_EXISTS);
    CHECK(stat(path, &st) == 0 && st.st_size == 5);
    CHECK_OK(pixeen_file_write_atomic(path, "longer!", 7, 1));
    CHECK(stat(path, &st) == 0 && st.st_size == 7);
    CHECK(count_entries(dir) == 1); /* no temporary left */

    /* A write that fails part way (RLIMIT_FSIZE = 4 KiB; SIGXFSZ ignored so write() returns EFBIG). */
    size_t big = 64 * 1024;
    uint8_t *data = calloc(1, big);
    struct rlimit old, small = {4096, 4096};
    getrlimit(RLIMIT_FSIZE, &old);
    small.rlim_max = old.rlim_max;
    signal(SIGXFSZ, SIG_IGN);
    snprintf(path, sizeof path, "%s/big.bin", dir);
    CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
    CHECK_STATUS(pixeen_file_write_atomic(path, data, big, 0), PIXEEN_ERROR_IO);
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(stat(path, &st) != 0);
    CHECK(count_entries(dir) == 1);
    /* Replacing an existing file fails the same way: the old content stays whole. */
    snprintf(path, sizeof path, "%s/a.bin", dir);
    CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
    CHECK_STATUS(pixeen_file_write_atomic(path, data, big, 1), PIXEEN_ERROR_IO);
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(stat(path, &st) == 0 && st.st_size == 7);
    CHECK(count_entries(dir) == 1);
    free(data);
    /* A folder that does not exist. */
    snprintf(path, sizeof path, "%s/missing/x.bin", dir);
    CHECK_STATUS(pixeen_file_write_atomic(path, "x", 1, 0), PIXEEN_ERROR_IO);
    /* A location where nothing can be created, even by root (/proc). */
    if (stat("/proc/self", &st) == 0) {
        CHECK_STATUS(pixeen_file_write_atomic("/proc/pixeen-test.bin", "x", 1, 0), PIXEEN_ERROR_IO);
        CHECK(stat("/proc/pixeen-test.bin", &st) != 0);
    }
    /* A read-only folder (skipped as root, which ignores permissions). */
    if (geteuid() != 0) {
        char ro[1100];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        mkdir(ro, 0500);
        snprintf(path, sizeof path, "%s/x.bin", ro);
        CHECK_STATUS(pixeen_file_write_atomic(path, "x", 1, 0), PIXEEN_ERROR_IO);
        CHECK(count_entries(ro) == 0);
        rmdir(ro);
    }
}

static void test_seal_open(void) {
    char id_path[1100], id2_path[1100], out[1100], rfile[1100], pfile[1100];
    char rcpt[PIXEEN_RECIPIENT_SIZE], rcpt2[PIXEEN_RECIPIENT_SIZE], again[PIXEEN_RECIPIENT_SIZE];
    struct stat st;
    snprintf(id_path, sizeof id_path, "%s/id.txt", dir);
    snprintf(id2_path, sizeof id2_path, "%s/id2.txt", dir);
    CHECK_OK(pixeen_identity_generate(id_path, rcpt));
    CHECK(stat(id_path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_STATUS(pixeen_identity_generate(id_path, rcpt2), PIXEEN_ERROR_EXISTS);
    CHECK_OK(pixeen_identity_generate(id2_path, rcpt2));
    CHECK_OK(pixeen_identity_recipient(id_path, again));
    CHECK(!strcmp(again, rcpt));
    FILE *f = fopen(id_path, "r");
    char line[128] = "";
    CHECK(f && fgets(line, sizeof line, f) && !strncmp(line, "# created: ", 11));
    CHECK(f && fgets(line, sizeof line, f) && !strncmp(line, "# public key: age1", 18));
    CHECK(f && fgets(line, sizeof line, f) && !strncmp(line, "AGE-SECRET-KEY-1", 16));
    if (f) fclose(f);

    const char msg[] = "\x89PNG pretend image bytes";
    const char *list[] = {rcpt};
    pixeen_seal_desc desc = {.recipients = list, .recipient_count = 1};
    snprintf(out, sizeof out, "%s/img.png.age", dir);
    CHECK_OK(pixeen_vault_seal_file(&desc, msg, sizeof msg, out));
    CHECK(stat(out, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_STATUS(pixeen_vault_seal_file(&desc, msg, sizeof msg, out), PIXEEN_ERROR_EXISTS);
    pixeen_secret *plain = NULL;
    CHECK_OK(pixeen_vault_open_file(&(pixeen_open_desc){.identity_file = id_path}, out, &plain));
    CHECK(pixeen_secret_size(plain) == sizeof msg && !memcmp(pixeen_secret_data(plain), msg, sizeof msg));
    pixeen_secret_destroy(plain);
    plain = NULL;
    CHECK_STATUS(pixeen_vault_open_file(&(pixeen_open_desc){.identity_file = id2_path}, out, &plain),
                 PIXEEN_ERROR_DECRYPT);
    CHECK(plain == NULL);
    /* The message says it is the key (any age tool says as much to whoever holds the file). */
    CHECK(strstr(pixeen_last_error(), "wrong identity or passphrase") != NULL);

    /* Recipients file with both keys (comments and blank lines allowed); armor. */
    snprintf(rfile, sizeof rfile, "%s/recipients.txt", dir);
    f = fopen(rfile, "w");
    fprintf(f, "# team\n%s\n\n%s\n", rcpt, rcpt2);
    fclose(f);
    pixeen_seal_desc desc2 = {.recipients_file = rfile, .armor = 1, .force = 1};
    CHECK_OK(pixeen_vault_seal_file(&desc2, msg, sizeof msg, out));
    CHECK_OK(pixeen_vault_open_file(&(pixeen_open_desc){.identity_file = id2_path}, out, &plain));
    pixeen_secret_destroy(plain);
    plain = NULL;

    /* Truncated file: the same status as the wrong key, a message that says what is wrong. */
    CHECK(truncate(out, 100) == 0);
    CHECK_STATUS(pixeen_vault_open_file(&(pixeen_open_desc){.identity_file = id_path}, out, &plain),
                 PIXEEN_ERROR_DECRYPT);
    CHECK(strstr(pixeen_last_error(), "wrong identity") == NULL && strstr(pixeen_last_error(), "truncated"));

    /* Passphrase from a file (first line only). */
    snprintf(pfile, sizeof pfile, "%s/pass.txt", dir);
    f = fopen(pfile, "w");
    fprintf(f, "tide pool\nignored\n");
    fclose(f);
    pixeen_secret *pass = NULL;
    CHECK_OK(pixeen_passphrase_read(pfile, NULL, 0, &pass));
    CHECK(pixeen_secret_size(pass) == 9 && !strcmp((const char *)pixeen_secret_data(pass), "tide pool"));
    pixeen_seal_desc pdesc = {.passphrase = pass, .scrypt_log_n = 10, .force = 1};
    CHECK_OK(pixeen_vault_seal_file(&pdesc, msg, sizeof msg, out));
    CHECK_OK(pixeen_vault_open_file(&(pixeen_open_desc){.passphrase = pass}, out, &plain));
    CHECK(pixeen_secret_size(plain) == sizeof msg);
    pixeen_secret_destroy(plain);
    pixeen_seal_desc bad = {.passphrase = pass, .recipients = list, .recipient_count = 1, .force = 1};
    CHECK_STATUS(pixeen_vault_seal_file(&bad, msg, sizeof msg, out), PIXEEN_ERROR_INVALID_ARGUMENT);
    pixeen_secret_destroy(pass);
    const char *bad_list[] = {"age1notakey"};
    pixeen_seal_desc badr = {.recipients = bad_list, .recipient_count = 1, .force = 1};
    CHECK_STATUS(pixeen_vault_seal_file(&badr, msg, sizeof msg, out), PIXEEN_ERROR_KEY);

    /* The default identity location follows XDG_CONFIG_HOME. */
    char cfg[1100], path[1200];
    snprintf(cfg, sizeof cfg, "%s/config", dir);
    setenv("XDG_CONFIG_HOME", cfg, 1);
    CHECK_OK(pixeen_identity_default_path(path, sizeof path));
    char want[1300];
    snprintf(want, sizeof want, "%s/pixeen/identity.txt", cfg);
    CHECK(!strcmp(path, want));
    CHECK_OK(pixeen_identity_generate(NULL, rcpt));
    CHECK(stat(want, &st) == 0 && (st.st_mode & 0777) == 0600);
    snprintf(want, sizeof want, "%s/pixeen", cfg);
    CHECK(stat(want, &st) == 0 && (st.st_mode & 0777) == 0700);
}

int main(void) {
    const char *base = getenv("PIXEEN_TEST_BIN");
    snprintf(dir, sizeof dir, "%s/vault-file-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(dir)) TEST_SKIP("cannot create a scratch folder");
    char sub[1100];
    snprintf(sub, sizeof sub, "%s/atomic", dir);
    mkdir(sub, 0700);
    char top[1024];
    snprintf(top, sizeof top, "%s", dir);
    snprintf(dir, sizeof dir, "%.1000s", sub);
    test_atomic();
    snprintf(dir, sizeof dir, "%s", top);
    test_seal_open();
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", top);
    return test_finish();
}
