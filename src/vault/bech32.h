/* bech32.h — Bech32 (BIP 173) encoding of age keys: "age1…" recipients and
 * "AGE-SECRET-KEY-1…" identities. Unlike BIP 173, no 90-character limit (age drops it).
 * Leaves out Bech32m and segwit rules. Entry points: vault_bech32_encode, vault_bech32_decode. */
#ifndef PIXEEN_VAULT_BECH32_H
#define PIXEEN_VAULT_BECH32_H

#include <stddef.h>
#include <stdint.h>

/* Encodes `data` under the human-readable part `hrp` (lowercase ASCII) into `out` (NUL-terminated),
 * in upper case if `upper`. Returns 0, or -1 if `out_size` is too small or hrp is invalid. */
int vault_bech32_encode(char *out, size_t out_size, const char *hrp, const uint8_t *data, size_t len, int upper);

/* Decodes `str` (all lower or all upper case; checksum verified; padding bits must be zero).
 * Writes the lowercased hrp into `hrp` (hrp_size bytes) and the bytes into `data`
 * (data_size bytes), their count into *len. Returns 0, or -1 for any malformed input. */
int vault_bech32_decode(const char *str, char *hrp, size_t hrp_size, uint8_t *data, size_t data_size, size_t *len);

#endif
