/* keys.h — age X25519 keys as text: identities "AGE-SECRET-KEY-1…" (Bech32, hrp
 * "age-secret-key-", upper case) and recipients "age1…" (hrp "age"), and identity files in
 * age-keygen's format (comment lines starting with '#', blank lines, one key per line).
 * Leaves out: SSH keys, plugin and hybrid (post-quantum) identities, which are reported as
 * unsupported. Entry points: vault_identity_*, vault_recipient_*, vault_keys_*.
 */
#ifndef PIXEEN_VAULT_KEYS_H
#define PIXEEN_VAULT_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "vault/secret.h"

#define VAULT_RECIPIENT_LEN 62 /* "age1" + 52 data characters (32 bytes) + 6 checksum */
#define VAULT_IDENTITY_LEN 74  /* "AGE-SECRET-KEY-1" + 52 + 6 */
/* Identities per file: one is usual; 64 covers a user's history of rotated keys. */
#define VAULT_IDENTITIES_MAX 64

/* A set of secret scalars, living in locked memory (keys[i] is 32 bytes). */
typedef struct vault_identity_set {
    vault_secret *keys; /* count * 32 bytes */
    size_t count;
} vault_identity_set;

/* Parses "AGE-SECRET-KEY-1…" into a 32-byte scalar. PIXEEN_ERROR_KEY if malformed (the message
 * never contains the key). */
pixeen_status vault_identity_parse(const char *text, uint8_t sk[32]);

/* Encodes a scalar as "AGE-SECRET-KEY-1…" into out (VAULT_IDENTITY_LEN + 1 bytes). */
void vault_identity_format(const uint8_t sk[32], char *out);

/* "age1…" for a scalar (out: VAULT_RECIPIENT_LEN + 1 bytes). */
void vault_identity_recipient(const uint8_t sk[32], char *out);

/* Parses "age1…" into a 32-byte public key; PIXEEN_ERROR_KEY if malformed. */
pixeen_status vault_recipient_parse(const char *text, uint8_t pk[32]);

/* Reads identities from text (identity-file format) into *set. `origin` names the source in
 * messages. PIXEEN_ERROR_KEY if a line is not an identity, or no identity is present. */
pixeen_status vault_identities_parse(const char *text, size_t len, const char *origin, vault_identity_set *set);

/* Reads an identity file (read into locked memory, wiped after parsing). */
pixeen_status vault_identities_load(const char *path, vault_identity_set *set);
void vault_identities_free(vault_identity_set *set);

/* Parses recipients-file text (one "age1…" per line, '#' comments, blank lines) and appends the
 * keys to pks (capacity max, *count in/out). PIXEEN_ERROR_KEY naming the line if one is not a
 * recipient (the line itself is not echoed: a wrong file may hold anything). */
pixeen_status vault_recipients_parse(const char *text, size_t len, uint8_t (*pks)[32], size_t max, size_t *count);

/* Reads a recipients file (a regular file or a pipe, at most 64 KiB) and parses it as above. */
pixeen_status vault_recipients_load(const char *path, uint8_t (*pks)[32], size_t max, size_t *count);

/* Generates a new identity and writes the age-keygen-style file text into a new secret buffer:
 * "# created: <RFC 3339 UTC>\n# public key: age1…\nAGE-SECRET-KEY-1…\n". The recipient goes to
 * `recipient` (VAULT_RECIPIENT_LEN + 1 bytes). */
pixeen_status vault_identity_generate(vault_secret **file_text, char *recipient);

/* Reads a whole file into a secret buffer (at most `max` bytes). */
pixeen_status vault_file_read_secret(const char *path, size_t max, vault_secret **out);

#endif
