/* cmd_history.c — `pixeen history list | export ID|--all DIR | delete ID | purge`: the opt-in
 * encrypted history in $XDG_DATA_HOME/pixeen/history. `list` decrypts each entry and shows only
 * its generation parameters; `export` writes decrypted copies (or re-encrypted ones with -r/-R). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { RECIPIENTS_MAX = 64 }; /* -r given on a command line: a handful at most */

static void usage(FILE *f) {
    fprintf(f, "usage: pixeen history list [-i IDENTITY]\n"
               "       pixeen history export ID|--all DIR [-i IDENTITY] [-r RECIPIENT]... [-R FILE] [--force]\n"
               "       pixeen history delete ID\n"
               "       pixeen history purge [--yes]\n"
               "Entries are age files encrypted to your identity's recipient. `export` writes DIR/ID.png\n"
               "(decrypted) or, with -r/-R, DIR/ID.png.age re-encrypted to those recipients.\n");
}

static int print_entry(const char *id, const char *parameters, void *user) {
    (void)user;
    printf("%s\n", id);
    if (!parameters) {
        printf("  (cannot decrypt with this identity, or no parameters)\n");
        return 0;
    }
    const char *p = parameters;
    while (*p) { /* indent every line of the parameters */
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        /* Anyone can encrypt an entry to a recipient: its text is shown, never obeyed. */
        fputs("  ", stdout);
        cli_print_escaped(stdout, p, n);
        fputc('\n', stdout);
        p += n + (nl ? 1 : 0);
    }
    return 0;
}

int cmd_history(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *verb = argv[1], *identity = NULL, *rfile = NULL;
    const char *pos[2] = {NULL, NULL};
    const char *recipients[RECIPIENTS_MAX];
    size_t rcount = 0;
    int npos = 0, all = 0, force = 0, yes = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "-i") || !strcmp(a, "--identity")) && i + 1 < argc) identity = argv[++i];
        else if ((!strcmp(a, "-r") || !strcmp(a, "--recipient")) && i + 1 < argc && rcount < RECIPIENTS_MAX)
            recipients[rcount++] = argv[++i];
        else if ((!strcmp(a, "-R") || !strcmp(a, "--recipients-file")) && i + 1 < argc) rfile = argv[++i];
        else if (!strcmp(a, "--all")) all = 1;
        else if (!strcmp(a, "--force")) force = 1;
        else if (!strcmp(a, "--yes")) yes = 1;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "pixeen history: unknown option '%s'\n", a);
            return 2;
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            usage(stderr);
            return 2;
        }
    }
    pixeen_status s;
    if (!strcmp(verb, "list") && npos == 0) {
        s = pixeen_history_list(identity, print_entry, NULL);
    } else if (!strcmp(verb, "export") && npos == (all ? 1 : 2)) {
        pixeen_seal_desc reseal = {.recipients = recipients, .recipient_count = rcount, .recipients_file = rfile,
                                   .force = force};
        s = pixeen_history_export(identity, all ? NULL : pos[0], pos[all ? 0 : 1],
                                  (rcount || rfile) ? &reseal : NULL);
    } else if (!strcmp(verb, "delete") && npos == 1) {
        s = pixeen_history_delete(pos[0]);
    } else if (!strcmp(verb, "purge") && npos == 0) {
        if (!yes) {
            if (!isatty(STDIN_FILENO)) {
                fprintf(stderr, "pixeen history purge: pass --yes to delete every entry\n");
                return 2;
            }
            fprintf(stderr, "Delete every history entry? Type 'yes': ");
            char answer[16] = "";
            if (!fgets(answer, sizeof answer, stdin) || strcmp(answer, "yes\n")) {
                fprintf(stderr, "nothing deleted\n");
                return 1;
            }
        }
        s = pixeen_history_purge();
    } else {
        usage(stderr);
        return 2;
    }
    return s == PIXEEN_OK ? 0 : cli_fail(s, "history");
}
