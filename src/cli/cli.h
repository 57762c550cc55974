/* cli.h — the `pixeen` command-line tool. Each subcommand lives in cmd_<name>.c and uses only the
 * public header <pixeen/pixeen.h>: the CLI is the API's first customer. */
#ifndef PIXEEN_CLI_H
#define PIXEEN_CLI_H

#include <stdio.h>
#include <stdlib.h>

#include <pixeen/pixeen.h>

typedef struct cli_command {
    const char *name;
    const char *summary; /* one line for `pixeen help` */
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name; returns the exit code */
} cli_command;

/* Prints "pixeen: <message>" and the library's detailed error for `status`; returns exit code 1. */
int cli_fail(pixeen_status status, const char *what);

/* Writes n bytes of untrusted text (a decrypted PNG's parameters) with every terminal control —
 * C0 bytes, DEL, UTF-8 C1 (U+0080..U+009F) — shown as \xNN and a backslash as \\ (cli_escape.c). */
void cli_print_escaped(FILE *out, const char *text, size_t n);

/* What `generate` was asked to write (see cli_save.c). */
typedef struct cli_save_options {
    const pixeen_generate_desc *desc;
    const char *model_path;
    int first_width, first_height;            /* the hires fix's first pass (A1111 writes its Size) */
    const char *save, *save_plain;            /* encrypted / plaintext output paths, or NULL */
    const char *const *recipients;
    size_t recipient_count;
    const char *recipients_file;
    const pixeen_secret *passphrase; /* --save without recipients: encrypt to it (read beforehand) */
    int armor, force, no_metadata, quiet, history;
} cli_save_options;

/* Writes the generated images as asked; returns the exit code (0 on success). */
int cli_save_image(pixeen_image *image, const cli_save_options *options);

/* Subcommands (one per file). */
int cmd_devices(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_open(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_probe(int argc, char **argv);

int cmd_bench(int argc, char **argv);

/* Sets an environment variable for the library to read (POSIX setenv; Windows _putenv_s). */
static inline int cli_setenv(const char *name, const char *value) {
#if defined(_WIN32)
    return _putenv_s(name, value);
#else
    return setenv(name, value, 1);
#endif
}

#endif
