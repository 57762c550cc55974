/* cli.h — the `pixeen` command-line tool. Each subcommand lives in cmd_<name>.c and uses only the
 * public header <pixeen/pixeen.h>: the CLI is the API's first customer. */
#ifndef PIXEEN_CLI_H
#define PIXEEN_CLI_H

#include <pixeen/pixeen.h>

typedef struct cli_command {
    const char *name;
    const char *summary; /* one line for `pixeen help` */
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name; returns the exit code */
} cli_command;

/* Prints "pixeen: <message>" and the library's detailed error for `status`; returns exit code 1. */
int cli_fail(pixeen_status status, const char *what);

/* Subcommands (one per file). */
int cmd_devices(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
