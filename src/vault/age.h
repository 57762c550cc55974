/* age.h — age v1 encryption and decryption over memory buffers, with X25519 recipients and
 * scrypt passphrases (https://age-encryption.org/v1). Files and armor are detected on reading.
 *
 * Every failure to decrypt returns PIXEEN_ERROR_DECRYPT; the message says whether the input is
 * not age at all (empty, text, a PNG, a key), malformed, for other keys, or damaged (a bad MAC and
 * a bad payload are one message). age_decrypt's result gives tests the exact stage. Plaintext is
 * released only after the whole payload authenticated (vault_age_open).
 * Leaves out: plugins, ML-KEM hybrid recipients, SSH keys.
 * Entry points: vault_age_seal, vault_age_open, age_decrypt.
 */
#ifndef PIXEEN_VAULT_AGE_H
#define PIXEEN_VAULT_AGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "vault/age_header.h"
#include "vault/age_stream.h"
#include "vault/secret.h"

/* scrypt work factor log2(N) the reader accepts at most: 22 (as the reference implementation;
 * ~4 GiB-seconds of work, a few seconds and 4 GiB of memory) — the age CLI writes 18. */
#define AGE_SCRYPT_LOG_N_MAX 22
/* Pixeen's default for new passphrase files: 18, as the age CLI (~1 s, 256 MiB). */
#define AGE_SCRYPT_LOG_N_DEFAULT 18

/* What to decrypt with (all borrowed). */
typedef struct age_identities {
    const uint8_t (*x25519)[32]; /* secret scalars */
    size_t x25519_count;
    const char *passphrase;      /* NUL-terminated, or NULL */
    int max_log_n;               /* 0: AGE_SCRYPT_LOG_N_MAX */
} age_identities;

/* Whom to encrypt to: X25519 public keys, or (exclusively) one passphrase. */
typedef struct age_recipients {
    const uint8_t (*x25519)[32];
    size_t x25519_count;
    const char *passphrase; /* NUL-terminated, or NULL */
    int log_n;              /* 0: AGE_SCRYPT_LOG_N_DEFAULT */
    int armor;              /* 0: binary */
} age_recipients;

/* The stage at which decryption stopped, named as the CCTV test vectors name it. */
typedef enum age_result {
    AGE_RESULT_OK = 0,
    AGE_RESULT_ARMOR,    /* the ASCII armor is malformed */
    AGE_RESULT_HEADER,   /* the header is malformed (or a stanza for our key type is) */
    AGE_RESULT_NO_MATCH, /* no stanza opens with the identities given */
    AGE_RESULT_HMAC,     /* a file key opened but the header MAC is wrong */
    AGE_RESULT_PAYLOAD,  /* the payload does not authenticate through to a final chunk */
    AGE_RESULT_NO_MEMORY,
} age_result;

/* How age_decrypt reads its input: detect armor (what vault_age_open does), or force one form. */
typedef enum age_format { AGE_FORMAT_DETECT = 0, AGE_FORMAT_ARMOR, AGE_FORMAT_BINARY } age_format;

/* Encrypts `len` bytes into `out` (malloc, appended; the caller frees out->data). */
pixeen_status vault_age_seal(const age_recipients *rcpt, const uint8_t *pt, size_t len, age_buf *out);

/* Decrypts `in` (binary or armored) into a new secret buffer, released only if everything
 * authenticated. PIXEEN_ERROR_DECRYPT (fixed message) or PIXEEN_ERROR_OUT_OF_MEMORY. */
pixeen_status vault_age_open(const age_identities *ids, const uint8_t *in, size_t len, vault_secret **out);

/* The core of vault_age_open: passes each authenticated chunk to `fn` as it goes (so a failing
 * file may have delivered a prefix) and says where it stopped. Sets no error message. */
age_result age_decrypt(const age_identities *ids, age_format format, const uint8_t *in, size_t len, age_chunk_fn fn,
                       void *user);

/* The one message of PIXEEN_ERROR_DECRYPT. */
pixeen_status vault_decrypt_error(void);

#endif
