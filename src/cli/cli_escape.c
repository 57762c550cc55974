/* cli_escape.c — untrusted text on the terminal: shown, never obeyed. Text from outside (history
 * entries anyone could have encrypted to your recipient) may hold escape sequences that retitle or
 * rewrite a terminal. The library escapes its own messages and `inspect` output; this is the CLI's
 * counterpart for what it prints itself. Entry point: cli_print_escaped. */
#include "cli.h"

void cli_print_escaped(FILE *out, const char *text, size_t n) {
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n && s[i]; i++) {
        unsigned char c = s[i];
        if (c == '\\') {
            fputs("\\\\", out);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\x%02x", c);
        } else if (c < 0x80) {
            fputc(c, out);
        } else {
            /* A whole valid UTF-8 sequence passes, except the C1 controls C2 80..C2 9F (CSI is
             * U+009B); any other byte (a raw C1 byte drives 8-bit terminals) is shown as \xNN. */
            size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2, k = 1;
            while (c >= 0xc2 && c <= 0xf4 && k < len && i + k < n && (s[i + k] & 0xc0) == 0x80) k++;
            if (c >= 0xc2 && c <= 0xf4 && k == len && !(c == 0xc2 && s[i + 1] < 0xa0)) {
                fwrite(s + i, 1, len, out);
                i += len - 1;
            } else {
                fprintf(out, "\\x%02x", c);
            }
        }
    }
}
