/* cmd_open.c — `pixeen open FILE.age|- [-i IDENTITY | -p | --passphrase-file F] [-o OUT] [--force]`:
 * decrypts an age file, or standard input for `-` (as `age -d`). The input is read once, so pipes
 * and process substitutions work. The plaintext goes to OUT (atomically, mode 0600), or to stdout
 * only when stdout is not a terminal: exporting plaintext is always an explicit act. Nothing is
 * written unless the whole file authenticated. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *f) {
    fprintf(f, "usage: pixeen open FILE.age|- [-i IDENTITY] [-p | --passphrase-file F] [-o OUT.png] [--force]\n"
               "Decrypts an age file (binary or armored) written by Pixeen or by age; - reads standard input.\n"
               "  -i IDENTITY          identity file (default $XDG_CONFIG_HOME/pixeen/identity.txt)\n"
               "  -p, --passphrase     the file is passphrase-encrypted: ask on the terminal (the\n"
               "                       default when the file has a passphrase stanza and no -i)\n"
               "  --passphrase-file F  the file is passphrase-encrypted: the first line of F\n"
               "  -o OUT               write the plaintext to OUT (mode 0600); without -o it goes to\n"
               "                       stdout, which must then not be a terminal\n"
               "  --force              replace OUT if it exists\n");
}

int cmd_open(int argc, char **argv) {
    const char *in = NULL, *identity = NULL, *out = NULL, *pass_file = NULL;
    int ask = 0, force = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "-i") || !strcmp(a, "--identity")) && i + 1 < argc) identity = argv[++i];
        else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) out = argv[++i];
        else if (!strcmp(a, "--passphrase-file") && i + 1 < argc) pass_file = argv[++i];
        else if (!strcmp(a, "-p") || !strcmp(a, "--passphrase")) ask = 1;
        else if (!strcmp(a, "--force")) force = 1;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "pixeen open: unknown option '%s'\n", a);
            return 2;
        } else if (!in) {
            in = a;
        } else {
            fprintf(stderr, "pixeen open: more than one input file\n");
            return 2;
        }
    }
    if (!in) {
        usage(stderr);
        return 2;
    }
    if (!out && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "pixeen open: refusing to print the plaintext to a terminal; use -o OUT.png "
                        "(or redirect stdout)\n");
        return 2;
    }
    const char *source = in;
    if (!strcmp(in, "-")) {
        if (isatty(STDIN_FILENO)) {
            fprintf(stderr, "pixeen open: standard input is a terminal; pipe the encrypted file in (or give its path)\n");
            return 2;
        }
        source = "/dev/stdin";
    }
    /* Read once: a pipe cannot be read again after the passphrase check. */
    pixeen_secret *file = NULL, *pass = NULL, *plain = NULL;
    pixeen_status s = pixeen_file_read(source, 0, &file);
    if (s != PIXEEN_OK) return cli_fail(s, "open");
    if (!identity && !pass_file && !ask) {
        /* As `age -d`: a passphrase file is recognised and the passphrase asked for. */
        int uses = 0;
        if (pixeen_vault_uses_passphrase(pixeen_secret_data(file), pixeen_secret_size(file), &uses) == PIXEEN_OK &&
            uses)
            ask = 1;
    }
    if (pass_file || ask) s = pixeen_passphrase_read(pass_file, "Passphrase: ", 0, &pass);
    if (s == PIXEEN_OK) {
        pixeen_open_desc desc = {.identity_file = identity, .passphrase = pass};
        s = pixeen_vault_open(&desc, pixeen_secret_data(file), pixeen_secret_size(file), &plain);
    }
    pixeen_secret_destroy(pass);
    pixeen_secret_destroy(file);
    if (s != PIXEEN_OK) {
        char what[512];
        snprintf(what, sizeof what, "open %.400s", strcmp(in, "-") ? in : "(standard input)");
        return cli_fail(s, what);
    }
    int rc = 0;
    if (out) {
        s = pixeen_file_write_atomic(out, pixeen_secret_data(plain), pixeen_secret_size(plain), force);
        if (s != PIXEEN_OK) rc = cli_fail(s, "open");
    } else {
        /* write(2), not stdio: no copy of the plaintext is left in a stdio buffer. */
        const uint8_t *p = pixeen_secret_data(plain);
        size_t left = pixeen_secret_size(plain);
        while (left > 0) {
            ssize_t n = write(STDOUT_FILENO, p, left);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                fprintf(stderr, "pixeen open: cannot write to stdout: %s\n", strerror(errno));
                rc = 1;
                break;
            }
            p += n;
            left -= (size_t)n;
        }
    }
    pixeen_secret_destroy(plain);
    return rc;
}
