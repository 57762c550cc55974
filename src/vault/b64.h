/* b64.h — strict base64 for age: canonical decoding only (no padding where the format forbids it,
 * zero unused bits, no whitespace, nothing outside the alphabet). Entry points: vault_b64_decode,
 * vault_b64_encode, vault_b64_encoded_len. */
#ifndef PIXEEN_VAULT_B64_H
#define PIXEEN_VAULT_B64_H

#include <stddef.h>
#include <stdint.h>

/* Decodes `len` characters of base64 (`padded`: with '=' padding, else without) into `out`
 * (capacity out_size); the byte count goes to *out_len. Returns 0, or -1 if the text is not the
 * one canonical encoding of its bytes or does not fit. */
int vault_b64_decode(const char *in, size_t len, int padded, uint8_t *out, size_t out_size, size_t *out_len);

/* Characters needed for `len` bytes (without the NUL). */
size_t vault_b64_encoded_len(size_t len, int padded);

/* Encodes into `out` (needs vault_b64_encoded_len + 1 bytes); NUL-terminates. */
void vault_b64_encode(char *out, const uint8_t *in, size_t len, int padded);

#endif
