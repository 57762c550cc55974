/* hkdf.h — HKDF-SHA-256 (RFC 5869) on libsodium's HMAC-SHA-256; age derives every key with it.
 * Entry point: vault_hkdf_sha256. Leaves out other hashes (age needs only SHA-256). */
#ifndef PIXEEN_VAULT_HKDF_H
#define PIXEEN_VAULT_HKDF_H

#include <stddef.h>
#include <stdint.h>

/* Writes `out_len` bytes (at most 255 * 32, RFC 5869's limit) of HKDF-SHA-256(ikm, salt, info)
 * to `out`. An empty salt (salt_len 0) means 32 zero bytes, as the RFC says. Returns 0, or -1 if
 * out_len is over the limit. Intermediate secrets are wiped. */
int vault_hkdf_sha256(uint8_t *out, size_t out_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
                      size_t salt_len, const char *info);

#endif
