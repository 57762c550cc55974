/* armor.h — age's ASCII armor: "-----BEGIN AGE ENCRYPTED FILE-----", strict padded base64 in
 * lines of 64 columns (the last one shorter or full, never empty), "-----END AGE ENCRYPTED
 * FILE-----". LF or CRLF line ends; whitespace only before and after the armor. Leaves out armor
 * headers and checksums (the spec forbids them). Entry points: vault_armor_detect,
 * vault_armor_decode, vault_armor_encode. */
#ifndef PIXEEN_VAULT_ARMOR_H
#define PIXEEN_VAULT_ARMOR_H

#include <stddef.h>
#include <stdint.h>

#include "vault/age_header.h"

/* 1 if `in` (after leading whitespace) starts like an armored file, else 0. A binary age file
 * starts with "age-encryption.org", so the two cannot be confused. */
int vault_armor_detect(const uint8_t *in, size_t len);

/* Decodes the armor in `in` into `out` (appended). Returns 0, or -1 for any deviation. */
int vault_armor_decode(const uint8_t *in, size_t len, age_buf *out);

/* Armors `in` into `out` (appended, LF line ends). Returns 0, or -1 on allocation failure. */
int vault_armor_encode(const uint8_t *in, size_t len, age_buf *out);

#endif
