/* test_cli_vault.c — the vault commands of the `pixeen` executable, end to end: keygen (identity
 * at the default location, mode 0600, never replaced, recipient on stdout), open (with the default
 * identity, -i, --passphrase-file, -o / --force, stdout when not a terminal, one fixed error for a
 * wrong key), and history list / export / delete / purge. The executable comes from
 * $PIXEEN_TEST_BIN/src/pixeen; the test skips (77) while it is not built. */
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static char exe[1100], dir[1024];

/* Runs `pixeen ARGS` with the scratch environment; stdout goes to dir/out.txt, stderr to
 * dir/err.txt. Returns the exit code. */
static int pixeen(const char *args) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s > out.txt 2> err.txt < /dev/null", dir, exe, args);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static size_t slurp(const char *name, char *buf, size_t cap) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    return n;
}

int main(void) {
    const char *bin = getenv("PIXEEN_TEST_BIN");
    snprintf(exe, sizeof exe, "%s/src/pixeen", bin ? bin : "build");
    if (access(exe, X_OK) != 0) TEST_SKIP("the pixeen executable is not built yet");
    snprintf(dir, sizeof dir, "%s/cli-vault-XXXXXX", bin ? bin : "/tmp");
    if (!mkdtemp(dir)) TEST_SKIP("cannot create a scratch folder");
    char env[1200], out[8192], err[8192], path[1300];
    snprintf(env, sizeof env, "%s/config", dir);
    setenv("XDG_CONFIG_HOME", env, 1);
    snprintf(env, sizeof env, "%s/data", dir);
    setenv("XDG_DATA_HOME", env, 1);

    /* keygen */
    CHECK(pixeen("keygen") == 0);
    slurp("out.txt", out, sizeof out);
    CHECK(!strncmp(out, "age1", 4) && strlen(out) == PIXEEN_RECIPIENT_SIZE); /* 62 + '\n' */
    char rcpt[PIXEEN_RECIPIENT_SIZE];
    snprintf(rcpt, sizeof rcpt, "%.62s", out);
    snprintf(path, sizeof path, "%s/config/pixeen/identity.txt", dir);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(pixeen("keygen") == 1);
    CHECK(pixeen("keygen -o other.txt") == 0);

    /* open */
    const char msg[] = "pretend PNG";
    const char *list[] = {rcpt};
    pixeen_seal_desc d = {.recipients = list, .recipient_count = 1};
    snprintf(path, sizeof path, "%s/img.png.age", dir);
    CHECK_OK(pixeen_vault_seal_file(&d, msg, sizeof msg - 1, path));
    CHECK(pixeen("open img.png.age -o img.png") == 0);
    CHECK(slurp("img.png", out, sizeof out) == sizeof msg - 1 && !strcmp(out, msg));
    CHECK(pixeen("open img.png.age -o img.png") == 1);
    CHECK(pixeen("open img.png.age -o img.png --force") == 0);
    CHECK(pixeen("open img.png.age") == 0); /* stdout is a file here, not a terminal */
    CHECK(slurp("out.txt", out, sizeof out) == sizeof msg - 1);
    CHECK(pixeen("open img.png.age -i other.txt -o wrong.png") == 1);
    slurp("err.txt", err, sizeof err);
    CHECK(strstr(err, "PIXEEN_ERROR_DECRYPT") != NULL);
    snprintf(path, sizeof path, "%s/wrong.png", dir);
    CHECK(access(path, F_OK) != 0);

    /* passphrase file */
    snprintf(path, sizeof path, "%s/pass.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("cli passphrase\n", f);
    fclose(f);
    pixeen_secret *pass = NULL;
    CHECK_OK(pixeen_passphrase_read(path, NULL, 0, &pass));
    pixeen_seal_desc pd = {.passphrase = pass, .scrypt_log_n = 10};
    snprintf(path, sizeof path, "%s/pass.age", dir);
    CHECK_OK(pixeen_vault_seal_file(&pd, msg, sizeof msg - 1, path));
    pixeen_secret_destroy(pass);
    CHECK(pixeen("open pass.age --passphrase-file pass.txt -o pass.png") == 0);
    CHECK(slurp("pass.png", out, sizeof out) == sizeof msg - 1);

    /* history */
    uint8_t rgb[4 * 4 * 3] = {0};
    pixeen_secret *png = NULL;
    CHECK_OK(pixeen_png_encode(rgb, 4, 4, "a quiet harbour\nSteps: 3, CFG scale: 7.0, Seed: 9, Size: 4x4", &png));
    char id[PIXEEN_HISTORY_ID_SIZE];
    CHECK_OK(pixeen_history_add(pixeen_secret_data(png), pixeen_secret_size(png), NULL, id));
    pixeen_secret_destroy(png);
    CHECK(pixeen("history list") == 0);
    slurp("out.txt", out, sizeof out);
    CHECK(strstr(out, id) && strstr(out, "a quiet harbour") && strstr(out, "Seed: 9"));
    mkdir(strcat(strcpy(path, dir), "/exported"), 0700);
    char args[256];
    snprintf(args, sizeof args, "history export %s exported", id);
    CHECK(pixeen(args) == 0);
    snprintf(path, sizeof path, "%s/exported/%s.png", dir, id);
    CHECK(access(path, F_OK) == 0);
    snprintf(args, sizeof args, "history export --all exported -r %s", rcpt);
    CHECK(pixeen(args) == 0);
    snprintf(path, sizeof path, "%s/exported/%s.png.age", dir, id);
    CHECK(access(path, F_OK) == 0);
    CHECK(pixeen("history purge") == 2); /* not a terminal and no --yes: refuses */
    snprintf(args, sizeof args, "history delete %s", id);
    CHECK(pixeen(args) == 0);
    CHECK(pixeen(args) == 1);
    CHECK(pixeen("history purge --yes") == 0);

    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return test_finish();
}
