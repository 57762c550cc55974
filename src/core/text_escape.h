/* text_escape.h — making untrusted text safe to print on a terminal. Strings that come from outside
 * (file names, safetensors metadata, lines of a key file, a decrypted PNG's parameters) can hold
 * escape sequences that retitle, recolour or rewrite a terminal (`\033]0;pwned\a`); every message
 * and every inspect line passes through here. Entry point: text_escape. */
#ifndef PIXEEN_CORE_TEXT_ESCAPE_H
#define PIXEEN_CORE_TEXT_ESCAPE_H

#include <stddef.h>

/* Copies at most `n` bytes of `src` (stopping at a NUL) into `dst` (`cap` bytes, always
 * NUL-terminated when cap > 0), writing every control character — C0 bytes, DEL, UTF-8-encoded C1
 * (U+0080..U+009F) — and every byte that is not valid UTF-8 as \xNN, and a backslash as \\, so
 * the result shows exactly what was there and drives nothing. Valid UTF-8 text passes unchanged.
 * A sequence that does not fit is left out whole. Returns the length written. */
size_t text_escape(char *dst, size_t cap, const char *src, size_t n);

#endif
