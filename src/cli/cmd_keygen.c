/* cmd_keygen.c — `pixeen keygen [-o FILE]`: creates an age X25519 identity file (age-keygen's
 * format, mode 0600, never replacing a file) and prints its recipient ("age1...") on stdout.
 * Without -o the identity goes to the default location ($XDG_CONFIG_HOME/pixeen/identity.txt). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_keygen(int argc, char **argv) {
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: pixeen keygen [-o FILE]\n"
                   "Creates a new age identity (private key) and prints its recipient (public key).\n"
                   "The file is readable by age and age-keygen; it is written with mode 0600 and an\n"
                   "existing file is never replaced. Default FILE: $XDG_CONFIG_HOME/pixeen/identity.txt\n"
                   "(else ~/.config/pixeen/identity.txt), the identity `open` and `history` use.\n");
            return 0;
        } else {
            fprintf(stderr, "pixeen keygen: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    char path[4096], recipient[PIXEEN_RECIPIENT_SIZE];
    pixeen_status s = pixeen_identity_generate(out, recipient); /* NULL: default path, folder created */
    if (s != PIXEEN_OK) return cli_fail(s, "keygen");
    if (!out && pixeen_identity_default_path(path, sizeof path) == PIXEEN_OK) out = path;
    fprintf(stderr, "pixeen: identity written to %s (keep it private; losing it loses the images)\n",
            out ? out : "the default location");
    printf("%s\n", recipient);
    return 0;
}
