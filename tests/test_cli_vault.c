/* test_cli_vault.c — the vault commands of the `pixeen` executable, end to end: keygen (identity
 * at the default location, mode 0600, never replaced, recipient on stdout), open (with the default
 * identity, -i, --passphrase-file, -o / --force, stdout when not a terminal, one fixed error for a
 * wrong key), and history list / export / delete / purge; and the hostile cases of #15 (stdin and
 * pipes, FIFOs, open's messages, escaped history text, seed and --cfg ranges). The executable comes from
 * $PIXEEN_TEST_BIN/src/pixeen; the test skips (77) while it is not built. */
#include "cli_test.h"

/* #15: `open -` and pipes (F14), FIFOs without writers refused at once, open's messages for an
 * empty file, a text file and a wrong key, escaped history parameters (F17), seeds and --cfg as
 * the README states them. */
static void test_hostile(const char *rcpt) {
    char out[8192], err[8192], line[2048];
    const char msg[] = "pretend PNG";
    const char *list[] = {rcpt};
    pixeen_seal_desc d = {.recipients = list, .recipient_count = 1, .force = 1};
    char path[1300];
    snprintf(path, sizeof path, "%s/h.age", cli_dir);
    CHECK_OK(pixeen_vault_seal_file(&d, msg, sizeof msg - 1, path));
    /* standard input, from a file and from a pipe (read once, even with the passphrase check) */
    snprintf(line, sizeof line, "'%s' open - -o s1.png < h.age", cli_exe);
    CHECK(cli_shell(line) == 0);
    CHECK(cli_slurp("s1.png", out, sizeof out) == sizeof msg - 1);
    snprintf(line, sizeof line, "cat h.age | '%s' open - -o s2.png", cli_exe);
    CHECK(cli_shell(line) == 0);
    CHECK(cli_slurp("s2.png", out, sizeof out) == sizeof msg - 1);
    snprintf(line, sizeof line, "cat h.age | '%s' open /dev/stdin > s3.png", cli_exe);
    CHECK(cli_shell(line) == 0);
    CHECK(cli_slurp("s3.png", out, sizeof out) == sizeof msg - 1);
    /* a passphrase file through a pipe */
    snprintf(line, sizeof line, "echo 'cli passphrase' | '%s' open pass.age --passphrase-file /dev/stdin -o s4.png", cli_exe);
    CHECK(cli_shell(line) == 0);
    CHECK(cli_slurp("s4.png", out, sizeof out) == sizeof msg - 1);
    /* FIFOs nobody writes to: an error at once, for the file, -i and --passphrase-file */
    snprintf(path, sizeof path, "%s/fifo", cli_dir);
    CHECK(mkfifo(path, 0600) == 0);
    CHECK(cli_run("open fifo -o f.png") == 1);
    CHECK(cli_run("open h.age -i fifo -o f.png") == 1);
    CHECK(cli_run("open pass.age --passphrase-file fifo -o f.png") == 1);
    /* generate reads the save's passphrase before anything else: the error is the FIFO's, not the
     * missing model's (which would come first if the passphrase were read after generating) */
    char why[2048];
    CHECK(cli_run("generate -m no-such-model -p x --save g.png.age --passphrase-file fifo") == 1);
    cli_slurp("err.txt", why, sizeof why);
    CHECK(strstr(why, "passphrase") && strstr(why, "FIFO") && !strstr(why, "no-such-model"));
    snprintf(path, sizeof path, "%s/f.png", cli_dir);
    CHECK(access(path, F_OK) != 0);
    /* three different sentences: empty file, text file, wrong key */
    char m_empty[1024], m_text[1024], m_key[1024];
    snprintf(line, sizeof line, "%s/empty.age", cli_dir);
    FILE *f = fopen(line, "w");
    fclose(f);
    snprintf(line, sizeof line, "%s/notes.age", cli_dir);
    f = fopen(line, "w");
    fputs("shopping list\n", f);
    fclose(f);
    CHECK(cli_run("open empty.age -o x.png") == 1);
    cli_slurp("err.txt", m_empty, sizeof m_empty);
    CHECK(cli_run("open notes.age -o x.png") == 1);
    cli_slurp("err.txt", m_text, sizeof m_text);
    CHECK(cli_run("open h.age -i other.txt -o x.png") == 1);
    cli_slurp("err.txt", m_key, sizeof m_key);
    CHECK(strstr(m_empty, "empty") && strstr(m_text, "text") && strstr(m_key, "wrong identity"));
    CHECK(strcmp(m_empty, m_text) && strcmp(m_text, m_key));
    /* history parameters holding terminal escapes are shown escaped */
    uint8_t rgb[4 * 4 * 3] = {0};
    pixeen_secret *png = NULL;
    CHECK_OK(pixeen_png_encode(rgb, 4, 4, "title \033]0;pwned\007 \xc2\x9b" "31m\nSteps: 1, Seed: 1, Size: 4x4", &png));
    char id[PIXEEN_HISTORY_ID_SIZE];
    CHECK_OK(pixeen_history_add(pixeen_secret_data(png), pixeen_secret_size(png), NULL, id));
    pixeen_secret_destroy(png);
    /* and a folder among the entries does not stop the listing */
    char hist[1200];
    CHECK_OK(pixeen_history_dir(hist, sizeof hist));
    snprintf(path, sizeof path, "%s/20000101T000000Z-0000abcd.age", hist);
    CHECK(mkdir(path, 0700) == 0);
    CHECK(cli_run("history list") == 0);
    cli_slurp("out.txt", out, sizeof out);
    cli_slurp("err.txt", err, sizeof err);
    CHECK(strstr(out, id) && strstr(out, "title \\x1b]0;pwned\\x07 \\xc2\\x9b31m") && !strchr(out, '\033'));
    CHECK(strstr(err, "20000101T000000Z-0000abcd") && strstr(err, "a folder"));
    /* an identity through a pipe is read once for all the entries */
    char id2[PIXEEN_HISTORY_ID_SIZE];
    CHECK_OK(pixeen_history_add(rgb, 1, NULL, id2));
    snprintf(line, sizeof line, "cat config/pixeen/identity.txt | '%s' history list -i /dev/stdin > out.txt", cli_exe);
    CHECK(cli_shell(line) == 0);
    cli_slurp("out.txt", out, sizeof out);
    CHECK(strstr(out, id) && strstr(out, id2));
    CHECK(cli_run("history purge --yes") == 0);
    CHECK(access(path, F_OK) != 0);
    /* seeds: torch's whole unsigned 64-bit range and -1; guidance 1..100 (parsing happens before
     * the model loads: 2 is a refused flag, 1 the model that does not exist) */
    CHECK(cli_run("generate -m /nonexistent -p x --seed 18446744073709551615") == 1);
    CHECK(cli_run("generate -m /nonexistent -p x --seed 9223372036854775808") == 1);
    CHECK(cli_run("generate -m /nonexistent -p x --seed -1") == 1);
    CHECK(cli_run("generate -m /nonexistent -p x --seed 18446744073709551616") == 2);
    CHECK(cli_run("generate -m /nonexistent -p x --seed -2") == 2);
    CHECK(cli_run("generate -m /nonexistent -p x --seed +5") == 2);
    CHECK(cli_run("generate -m /nonexistent -p x --cfg 1") == 1);
    CHECK(cli_run("generate -m /nonexistent -p x --cfg 100") == 1);
    CHECK(cli_run("generate -m /nonexistent -p x --cfg 0.5") == 2);
    cli_slurp("err.txt", err, sizeof err);
    CHECK(strstr(err, "1..100") != NULL);
}

int main(void) {
    cli_test_begin("vault");
    char env[1200], out[8192], err[8192], path[1300];
    snprintf(env, sizeof env, "%s/config", cli_dir);
    setenv("XDG_CONFIG_HOME", env, 1);
    snprintf(env, sizeof env, "%s/data", cli_dir);
    setenv("XDG_DATA_HOME", env, 1);

    /* keygen */
    CHECK(cli_run("keygen") == 0);
    cli_slurp("out.txt", out, sizeof out);
    CHECK(!strncmp(out, "age1", 4) && strlen(out) == PIXEEN_RECIPIENT_SIZE); /* 62 + '\n' */
    char rcpt[PIXEEN_RECIPIENT_SIZE];
    snprintf(rcpt, sizeof rcpt, "%.62s", out);
    snprintf(path, sizeof path, "%s/config/pixeen/identity.txt", cli_dir);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(cli_run("keygen") == 1);
    CHECK(cli_run("keygen -o other.txt") == 0);

    /* open */
    const char msg[] = "pretend PNG";
    const char *list[] = {rcpt};
    pixeen_seal_desc d = {.recipients = list, .recipient_count = 1};
    snprintf(path, sizeof path, "%s/img.png.age", cli_dir);
    CHECK_OK(pixeen_vault_seal_file(&d, msg, sizeof msg - 1, path));
    CHECK(cli_run("open img.png.age -o img.png") == 0);
    CHECK(cli_slurp("img.png", out, sizeof out) == sizeof msg - 1 && !strcmp(out, msg));
    CHECK(cli_run("open img.png.age -o img.png") == 1);
    CHECK(cli_run("open img.png.age -o img.png --force") == 0);
    CHECK(cli_run("open img.png.age") == 0); /* stdout is a file here, not a terminal */
    CHECK(cli_slurp("out.txt", out, sizeof out) == sizeof msg - 1);
    CHECK(cli_run("open img.png.age -i other.txt -o wrong.png") == 1);
    cli_slurp("err.txt", err, sizeof err);
    CHECK(strstr(err, "PIXEEN_ERROR_DECRYPT") != NULL);
    snprintf(path, sizeof path, "%s/wrong.png", cli_dir);
    CHECK(access(path, F_OK) != 0);

    /* passphrase file */
    snprintf(path, sizeof path, "%s/pass.txt", cli_dir);
    FILE *f = fopen(path, "w");
    fputs("cli passphrase\n", f);
    fclose(f);
    pixeen_secret *pass = NULL;
    CHECK_OK(pixeen_passphrase_read(path, NULL, 0, &pass));
    pixeen_seal_desc pd = {.passphrase = pass, .scrypt_log_n = 10};
    snprintf(path, sizeof path, "%s/pass.age", cli_dir);
    CHECK_OK(pixeen_vault_seal_file(&pd, msg, sizeof msg - 1, path));
    pixeen_secret_destroy(pass);
    CHECK(cli_run("open pass.age --passphrase-file pass.txt -o pass.png") == 0);
    CHECK(cli_slurp("pass.png", out, sizeof out) == sizeof msg - 1);

    /* history */
    uint8_t rgb[4 * 4 * 3] = {0};
    pixeen_secret *png = NULL;
    CHECK_OK(pixeen_png_encode(rgb, 4, 4, "a quiet harbour\nSteps: 3, CFG scale: 7.0, Seed: 9, Size: 4x4", &png));
    char id[PIXEEN_HISTORY_ID_SIZE];
    CHECK_OK(pixeen_history_add(pixeen_secret_data(png), pixeen_secret_size(png), NULL, id));
    pixeen_secret_destroy(png);
    CHECK(cli_run("history list") == 0);
    cli_slurp("out.txt", out, sizeof out);
    CHECK(strstr(out, id) && strstr(out, "a quiet harbour") && strstr(out, "Seed: 9"));
    mkdir(strcat(strcpy(path, cli_dir), "/exported"), 0700);
    char args[256];
    snprintf(args, sizeof args, "history export %s exported", id);
    CHECK(cli_run("%s", args) == 0);
    snprintf(path, sizeof path, "%s/exported/%s.png", cli_dir, id);
    CHECK(access(path, F_OK) == 0);
    snprintf(args, sizeof args, "history export --all exported -r %s", rcpt);
    CHECK(cli_run("%s", args) == 0);
    snprintf(path, sizeof path, "%s/exported/%s.png.age", cli_dir, id);
    CHECK(access(path, F_OK) == 0);
    CHECK(cli_run("history purge") == 2); /* not a terminal and no --yes: refuses */
    snprintf(args, sizeof args, "history delete %s", id);
    CHECK(cli_run("%s", args) == 0);
    CHECK(cli_run("%s", args) == 1);
    CHECK(cli_run("history purge --yes") == 0);

    test_hostile(rcpt);

    cli_test_end();
    return test_finish();
}
