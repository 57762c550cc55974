/* text_escape.c — see text_escape.h. Entry point: text_escape. */
#include "core/text_escape.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence starting at s (at most n bytes), 0 if invalid. */
static size_t utf8_length(const unsigned char *s, size_t n) {
    size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
    if (s[0] < 0xc2 || s[0] > 0xf4 || len > n) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    /* overlong 3- and 4-byte forms, surrogates, and code points above U+10FFFF */
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) || (s[0] == 0xf0 && s[1] < 0x90) ||
        (s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return len;
}

size_t text_escape(char *dst, size_t cap, const char *src, size_t n) {
    if (!cap) return 0;
    const unsigned char *s = (const unsigned char *)src;
    size_t out = 0, i = 0;
    while (i < n && s[i]) {
        char piece[16];
        size_t len = 0, take = 1;
        unsigned char c = s[i];
        size_t run = 0;
        if (c >= 0x20 && c < 0x7f) {
            if (c == '\\') len = (size_t)snprintf(piece, sizeof piece, "\\\\");
            else piece[len++] = (char)c;
        } else if (c >= 0x80 && (run = utf8_length(s + i, strnlen(src + i, n - i))) != 0 &&
                   !(c == 0xc2 && s[i + 1] < 0xa0)) { /* C2 80..C2 9F: the C1 controls */
            memcpy(piece, s + i, run);
            len = take = run;
        } else {
            len = (size_t)snprintf(piece, sizeof piece, "\\x%02x", c);
        }
        if (out + len >= cap) break;
        memcpy(dst + out, piece, len);
        out += len;
        i += take;
    }
    dst[out] = '\0';
    return out;
}
