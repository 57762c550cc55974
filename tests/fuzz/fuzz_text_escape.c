/* fuzz_text_escape.c — libFuzzer target for the terminal escaping of untrusted text
 * (core/text_escape.c): any bytes in, and the output must hold no C0 control, no DEL, no UTF-8 C1
 * control and no invalid UTF-8, stay within the buffer and be NUL-terminated, at any buffer size.
 * Seeds in tests/data/corpus/text_escape: an OSC title sequence, a UTF-8 CSI, mixed valid and
 * broken UTF-8. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text_escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *out, size_t len, size_t cap) {
    if (len >= cap || out[len] != '\0' || strlen(out) != len) abort();
    const unsigned char *s = (const unsigned char *)out;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] == 0x7f) abort();
        if (s[i] < 0x80) continue;
        size_t n = s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : 2;
        if (s[i] < 0xc2 || s[i] > 0xf4 || i + n > len) abort();
        for (size_t k = 1; k < n; k++)
            if ((s[i + k] & 0xc0) != 0x80) abort();
        if (s[i] == 0xc2 && s[i + 1] < 0xa0) abort(); /* U+0080..U+009F */
        i += n - 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const size_t caps[] = {1, 2, 5, 17, 4096};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        char *out = malloc(caps[c]);
        if (!out) return 0;
        size_t len = text_escape(out, caps[c], (const char *)data, size);
        check(out, len, caps[c]);
        free(out);
    }
    return 0;
}
