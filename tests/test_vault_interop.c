/* test_vault_interop.c — interoperability with the reference `age` tool (Debian's age package):
 * files Pixeen writes open with `age -d`, files `age -e` writes open with Pixeen, for X25519
 * (binary and armored, with Pixeen's and age-keygen's identity files) and for passphrases. age reads
 * passphrases only from the terminal, so those runs get a pseudo-terminal (posix_openpt): the test
 * answers each "passphrase" prompt it sees. Skips (77) when `age` is not installed;
 * $PIXEEN_AGE_BIN names another binary folder. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static char dir[1024], age_bin[1100], keygen_bin[1100];

static int run(const char *cmd) {
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc;
}

static void write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* Runs argv on a new pseudo-terminal (its controlling terminal) and types `passphrase` + Enter at
 * every prompt containing "passphrase". Returns the exit status, or -1. */
static int run_on_pty(char *const argv[], const char *passphrase) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master)) return -1;
    char slave_name[256];
    snprintf(slave_name, sizeof slave_name, "%s", ptsname(master));
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        setsid();
        int slave = open(slave_name, O_RDWR); /* first terminal opened by a session leader: controlling */
        if (slave < 0) _exit(126);
        dup2(slave, 0);
        close(master);
        execv(argv[0], argv);
        _exit(127);
    }
    char seen[4096];
    size_t seen_len = 0, answered = 0;
    time_t start = time(NULL);
    for (;;) {
        struct pollfd p = {master, POLLIN, 0};
        int r = poll(&p, 1, 200);
        if (r > 0) {
            char buf[512];
            ssize_t n = read(master, buf, sizeof buf);
            if (n <= 0) break; /* EIO once the child closed the terminal */
            for (ssize_t i = 0; i < n && seen_len < sizeof seen - 1; i++) {
                char c = buf[i];
                seen[seen_len++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
            }
            seen[seen_len] = 0;
            size_t prompts = 0;
            for (const char *q = seen; (q = strstr(q, "passphrase")) != NULL; q++) {
                const char *colon = strchr(q, ':');
                if (colon) prompts++;
                q = colon ? colon : q;
            }
            while (answered < prompts) {
                if (write(master, passphrase, strlen(passphrase)) < 0 || write(master, "\r", 1) < 0) break;
                answered++;
            }
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            close(master);
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        if (time(NULL) - start > 60) { /* 60 s: a scrypt at 2^18 takes about one */
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            close(master);
            fprintf(stderr, "pty run timed out; terminal said: %s\n", seen);
            return -1;
        }
    }
    int status;
    waitpid(pid, &status, 0);
    close(master);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void) {
    const char *bin_dir = getenv("PIXEEN_AGE_BIN");
    snprintf(age_bin, sizeof age_bin, "%s/age", bin_dir ? bin_dir : "/usr/bin");
    snprintf(keygen_bin, sizeof keygen_bin, "%s/age-keygen", bin_dir ? bin_dir : "/usr/bin");
    if (access(age_bin, X_OK) || access(keygen_bin, X_OK)) TEST_SKIP("age / age-keygen not installed");
    const char *base = getenv("PIXEEN_TEST_BIN");
    snprintf(dir, sizeof dir, "%s/vault-interop-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(dir)) TEST_SKIP("cannot create a scratch folder");

    char ours_id[1200], their_id[1200], plain[1200], sealed[1200], out[1200], cmd[8192];
    snprintf(ours_id, sizeof ours_id, "%s/ours.txt", dir);
    snprintf(their_id, sizeof their_id, "%s/theirs.txt", dir);
    snprintf(plain, sizeof plain, "%s/plain.bin", dir);
    /* 70000 bytes: two STREAM chunks, the second short. */
    size_t len = 70000;
    uint8_t *data = malloc(len), *back = malloc(len + 16);
    for (size_t i = 0; i < len; i++) data[i] = (uint8_t)(i * 31 + (i >> 8));
    write_file(plain, data, len);

    /* 1. Pixeen's identity file and file, opened by age. */
    char rcpt[PIXEEN_RECIPIENT_SIZE];
    CHECK_OK(pixeen_identity_generate(ours_id, rcpt));
    for (int armor = 0; armor <= 1; armor++) {
        snprintf(sealed, sizeof sealed, "%s/ours%d.age", dir, armor);
        snprintf(out, sizeof out, "%s/ours%d.out", dir, armor);
        const char *list[] = {rcpt};
        pixeen_seal_desc d = {.recipients = list, .recipient_count = 1, .armor = armor};
        CHECK_OK(pixeen_vault_seal_file(&d, data, len, sealed));
        snprintf(cmd, sizeof cmd, "'%s' -d -i '%s' -o '%s' '%s'", age_bin, ours_id, out, sealed);
        CHECK(run(cmd) == 0);
        CHECK(read_file(out, back, len + 16) == len && !memcmp(back, data, len));
    }
    /* age-keygen -y derives the same recipient from Pixeen's identity file. */
    snprintf(cmd, sizeof cmd, "'%s' -y '%s' > '%s/y.txt'", keygen_bin, ours_id, dir);
    CHECK(run(cmd) == 0);
    snprintf(out, sizeof out, "%s/y.txt", dir);
    char y[128] = "";
    read_file(out, (uint8_t *)y, sizeof y - 1);
    CHECK(!strncmp(y, rcpt, strlen(rcpt)));

    /* 2. age-keygen's identity, age's files (binary and armored), opened by Pixeen. */
    snprintf(cmd, sizeof cmd, "'%s' -o '%s' 2>/dev/null", keygen_bin, their_id);
    CHECK(run(cmd) == 0);
    char their_rcpt[PIXEEN_RECIPIENT_SIZE];
    CHECK_OK(pixeen_identity_recipient(their_id, their_rcpt));
    for (int armor = 0; armor <= 1; armor++) {
        snprintf(sealed, sizeof sealed, "%s/theirs%d.age", dir, armor);
        snprintf(cmd, sizeof cmd, "'%s' -e %s -r '%s' -o '%s' '%s'", age_bin, armor ? "-a" : "", their_rcpt, sealed,
                 plain);
        CHECK(run(cmd) == 0);
        pixeen_secret *p = NULL;
        CHECK_OK(pixeen_vault_open_file(&(pixeen_open_desc){.identity_file = their_id}, sealed, &p));
        CHECK(p && pixeen_secret_size(p) == len && !memcmp(pixeen_secret_data(p), data, len));
        pixeen_secret_destroy(p);
        p = NULL;
        CHECK_STATUS(pixeen_vault_open_file(&(pixeen_open_desc){.identity_file = ours_id}, sealed, &p),
                     PIXEEN_ERROR_DECRYPT);
    }

    /* 3. Passphrases, through a pseudo-terminal. */
    const char *phrase = "interop passphrase";
    char pfile[1200];
    snprintf(pfile, sizeof pfile, "%s/pass.txt", dir);
    write_file(pfile, phrase, strlen(phrase));
    pixeen_secret *pass = NULL;
    CHECK_OK(pixeen_passphrase_read(pfile, NULL, 0, &pass));
    snprintf(sealed, sizeof sealed, "%s/ours-pass.age", dir);
    snprintf(out, sizeof out, "%s/ours-pass.out", dir);
    pixeen_seal_desc pd = {.passphrase = pass, .scrypt_log_n = 12}; /* 12: quick; age accepts any <= 22 */
    CHECK_OK(pixeen_vault_seal_file(&pd, data, len, sealed));
    char opt_d[] = "-d", opt_e[] = "-e", opt_p[] = "-p", opt_o[] = "-o";
    char *dec_argv[] = {age_bin, opt_d, opt_o, out, sealed, NULL};
    int rc = run_on_pty(dec_argv, phrase);
    CHECK(rc == 0);
    CHECK(read_file(out, back, len + 16) == len && !memcmp(back, data, len));

    snprintf(sealed, sizeof sealed, "%s/theirs-pass.age", dir);
    char *enc_argv[] = {age_bin, opt_e, opt_p, opt_o, sealed, plain, NULL};
    rc = run_on_pty(enc_argv, phrase); /* age asks twice; its default work factor is 2^18 */
    CHECK(rc == 0);
    pixeen_secret *p = NULL;
    CHECK_OK(pixeen_vault_open_file(&(pixeen_open_desc){.passphrase = pass}, sealed, &p));
    CHECK(p && pixeen_secret_size(p) == len && !memcmp(pixeen_secret_data(p), data, len));
    pixeen_secret_destroy(p);
    pixeen_secret_destroy(pass);

    free(data);
    free(back);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    run(cmd);
    return test_finish();
}
