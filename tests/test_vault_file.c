/* test_vault_file.c — atomic, private file writes and the sealed-file API: mode 0600, no
 * overwrite without force, nothing left behind when a write fails (file size limit reached, as a
 * stand-in for a full disk; missing folder), sealing to recipients / a recipients file / a
 * passphrase and opening with an identity file or the passphrase, PIXEEN_ERROR_DECRYPT for a
 * wrong identity, and identity generation (mode 0600, refuses to overwrite). Hostile files (#15):
 * --force replaces regular files only (F8), leftover temporaries are swept but live ones kept
 * (F10), pipes are read with a bound and FIFOs without writers refused at once (F14), junk
 * recipients files are not echoed and decrypt messages tell empty and text files from wrong keys. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include "test.h"
#include "vault/file.h"
#include "vault/keys.h"
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

/* F8: --force replaces regular files only. A FIFO, a folder, a symbolic link (to a file outside)
 * and, where one exists, a device node stay what they were; the target of the link keeps its
 * bytes; no temporary is left. */
static void test_force_regular_only(void) {
    char path[2048], outside[2048], link_path[2048];
    struct stat st;
    snprintf(path, sizeof path, "%s/fifo", dir);
    CHECK(mkfifo(path, 0600) == 0);
    CHECK_STATUS(pixeen_file_write_atomic(path, "png", 3, 1), PIXEEN_ERROR_EXISTS);
    CHECK(strstr(pixeen_last_error(), "a FIFO") && strstr(pixeen_last_error(), "regular files only"));
    CHECK(lstat(path, &st) == 0 && S_ISFIFO(st.st_mode));
    snprintf(path, sizeof path, "%s/folder", dir);
    CHECK(mkdir(path, 0700) == 0);
    CHECK_STATUS(pixeen_file_write_atomic(path, "png", 3, 1), PIXEEN_ERROR_EXISTS);
    CHECK(lstat(path, &st) == 0 && S_ISDIR(st.st_mode));
    snprintf(outside, sizeof outside, "%s/outside.txt", dir);
    FILE *f = fopen(outside, "w");
    fputs("keep", f);
    fclose(f);
    snprintf(link_path, sizeof link_path, "%s/link", dir);
    CHECK(symlink(outside, link_path) == 0);
    CHECK_STATUS(pixeen_file_write_atomic(link_path, "png", 3, 1), PIXEEN_ERROR_EXISTS);
    CHECK(strstr(pixeen_last_error(), "a symbolic link"));
    CHECK(lstat(link_path, &st) == 0 && S_ISLNK(st.st_mode) && stat(outside, &st) == 0 && st.st_size == 4);
    /* /dev/null is never touched: refused before any temporary is made in /dev */
    CHECK_STATUS(pixeen_file_write_atomic("/dev/null", "png", 3, 1), PIXEEN_ERROR_EXISTS);
    CHECK(strstr(pixeen_last_error(), "a character device"));
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
    /* a regular file is still replaced */
    CHECK_OK(pixeen_file_write_atomic(outside, "new!", 4, 1));
    char buf[8] = "";
    f = fopen(outside, "r");
    CHECK(f && fgets(buf, sizeof buf, f) && !strcmp(buf, "new!"));
    if (f) fclose(f);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) CHECK(strncmp(e->d_name, ".pixeen-tmp-", 12) != 0);
    if (d) closedir(d);
}

/* F10: the temporaries a killed save leaves are removed by the next write into their folder —
 * but not one a live save holds (its lock is taken), not a symbolic link of that name, and not a
 * name that only looks similar. */
static void test_leftover_temporaries(void) {
    char dead[2048], live[2048], link_path[2048], other[2048], outside[2048], target[2048];
    snprintf(dead, sizeof dead, "%s/.pixeen-tmp-dEad01", dir);
    snprintf(live, sizeof live, "%s/.pixeen-tmp-LIVE02", dir);
    snprintf(link_path, sizeof link_path, "%s/.pixeen-tmp-link03", dir);
    snprintf(other, sizeof other, "%s/.pixeen-tmp-notours-at-all", dir);
    snprintf(outside, sizeof outside, "%s/outside2.txt", dir);
    FILE *f = fopen(dead, "w");
    fputs("\x89PNG plaintext of a killed save", f);
    fclose(f);
    f = fopen(other, "w");
    fclose(f);
    f = fopen(outside, "w");
    fputs("keep", f);
    fclose(f);
    CHECK(symlink(outside, link_path) == 0);
    int fd = open(live, O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0); /* as a save in progress holds it */
    snprintf(target, sizeof target, "%s/next.png", dir);
    CHECK_OK(pixeen_file_write_atomic(target, "png", 3, 0));
    struct stat st;
    CHECK(lstat(dead, &st) != 0);
    CHECK(lstat(live, &st) == 0);
    CHECK(lstat(link_path, &st) == 0 && stat(outside, &st) == 0 && st.st_size == 4);
    CHECK(lstat(other, &st) == 0);
    close(fd); /* the "save" died: its lock is free, the next write removes it */
    CHECK_OK(pixeen_file_write_atomic(target, "png", 3, 1));
    CHECK(lstat(live, &st) != 0);
    unlink(link_path);
    unlink(other);
}

/* F14: pipes are read (bounded), a FIFO without a writer and things that are not files are
 * refused at once, never waited on. */
static void test_reading_pipes(void) {
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(write(p[1], "through a pipe\n", 15) == 15);
    close(p[1]);
    char path[2048];
    snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
    pixeen_secret *got = NULL;
    CHECK_OK(pixeen_file_read(path, 0, &got));
    CHECK(pixeen_secret_size(got) == 15 && !memcmp(pixeen_secret_data(got), "through a pipe\n", 15));
    pixeen_secret_destroy(got);
    close(p[0]);
    /* a passphrase through a pipe (`--passphrase-file <(...)`) */
    CHECK(pipe(p) == 0);
    CHECK(write(p[1], "pipe pass\n", 10) == 10);
    close(p[1]);
    snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
    pixeen_secret *pass = NULL;
    CHECK_OK(pixeen_passphrase_read(path, NULL, 0, &pass));
    CHECK(pixeen_secret_size(pass) == 9 && !strcmp((const char *)pixeen_secret_data(pass), "pipe pass"));
    pixeen_secret_destroy(pass);
    close(p[0]);
    /* more than the bound in a pipe: refused */
    CHECK(pipe(p) == 0);
    static char chunk[5000];
    CHECK(write(p[1], chunk, sizeof chunk) == (ssize_t)sizeof chunk);
    close(p[1]);
    snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
    got = NULL;
    CHECK_STATUS(pixeen_file_read(path, 4096, &got), PIXEEN_ERROR_IO);
    CHECK(got == NULL && strstr(pixeen_last_error(), "more than 4096 bytes"));
    close(p[0]);
    /* a named FIFO nobody writes to: an answer at once (the test would hang before) */
    snprintf(path, sizeof path, "%s/lonely-fifo", dir);
    CHECK(mkfifo(path, 0600) == 0);
    CHECK(pixeen_file_read(path, 0, &got) != PIXEEN_OK || pixeen_secret_size(got) == 0);
    pixeen_secret_destroy(got);
    got = NULL;
    pass = NULL;
    CHECK(pixeen_passphrase_read(path, NULL, 0, &pass) != PIXEEN_OK && pass == NULL);
    vault_identity_set ids = {0};
    CHECK(vault_identities_load(path, &ids) != PIXEEN_OK);
    /* a folder and a device: refused, saying what they are */
    CHECK_STATUS(pixeen_file_read(dir, 0, &got), PIXEEN_ERROR_IO);
    CHECK(strstr(pixeen_last_error(), "a folder"));
    CHECK_STATUS(pixeen_file_read("/dev/zero", 0, &got), PIXEEN_ERROR_IO);
    CHECK(strstr(pixeen_last_error(), "a character device"));
}

/* Unclear messages: a junk recipients file is never echoed (it may be a secret key); an empty
 * file and a text file are told apart from a wrong key. */
static void test_messages(void) {
    char rfile[2048], out[2048];
    snprintf(rfile, sizeof rfile, "%s/junk-recipients.txt", dir);
    snprintf(out, sizeof out, "%s/junk.age", dir);
    FILE *f = fopen(rfile, "w");
    fputs("# my notes\nsecret-note-7f3a \033]0;pwned\007\n", f);
    fclose(f);
    pixeen_seal_desc d = {.recipients_file = rfile};
    CHECK_STATUS(pixeen_vault_seal_file(&d, "x", 1, out), PIXEEN_ERROR_KEY);
    const char *m = pixeen_last_error();
    CHECK(strstr(m, "line 2") && !strstr(m, "secret-note-7f3a") && !strchr(m, '\033'));
    f = fopen(rfile, "w");
    fputs("AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n", f);
    fclose(f);
    CHECK_STATUS(pixeen_vault_seal_file(&d, "x", 1, out), PIXEEN_ERROR_KEY);
    CHECK(strstr(pixeen_last_error(), "secret key") && !strstr(pixeen_last_error(), "QQQQ"));
    const char *as_arg[] = {"AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"};
    pixeen_seal_desc d2 = {.recipients = as_arg, .recipient_count = 1};
    CHECK_STATUS(pixeen_vault_seal_file(&d2, "x", 1, out), PIXEEN_ERROR_KEY);
    CHECK(!strstr(pixeen_last_error(), "QQQQ"));
    /* no control character ever reaches a message */
    const char *esc[] = {"age1\033]0;pwned\007"};
    pixeen_seal_desc d3 = {.recipients = esc, .recipient_count = 1};
    CHECK_STATUS(pixeen_vault_seal_file(&d3, "x", 1, out), PIXEEN_ERROR_KEY);
    CHECK(!strchr(pixeen_last_error(), '\033') && !strchr(pixeen_last_error(), '\007') &&
          strstr(pixeen_last_error(), "\\x1b]0;pwned\\x07"));
    pixeen_secret *plain = NULL;
    char empty[2048], text[2048];
    snprintf(empty, sizeof empty, "%s/empty.age", dir);
    snprintf(text, sizeof text, "%s/text.age", dir);
    f = fopen(empty, "w");
    fclose(f);
    f = fopen(text, "w");
    fputs("just some notes\n", f);
    fclose(f);
    char id_path[2048], rcpt[PIXEEN_RECIPIENT_SIZE];
    snprintf(id_path, sizeof id_path, "%s/msg-id.txt", dir);
    CHECK_OK(pixeen_identity_generate(id_path, rcpt));
    pixeen_open_desc od = {.identity_file = id_path};
    CHECK_STATUS(pixeen_vault_open_file(&od, empty, &plain), PIXEEN_ERROR_DECRYPT);
    CHECK(strstr(pixeen_last_error(), "empty"));
    CHECK_STATUS(pixeen_vault_open_file(&od, text, &plain), PIXEEN_ERROR_DECRYPT);
    CHECK(strstr(pixeen_last_error(), "holds text, not age") && !strstr(pixeen_last_error(), "notes"));
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
    test_force_regular_only();
    test_leftover_temporaries();
    test_reading_pipes();
    snprintf(dir, sizeof dir, "%s", top);
    test_messages();
    test_seal_open();
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", top);
    return test_finish();
}
