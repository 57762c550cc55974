/* secret.h — a byte buffer in libsodium's guarded, locked memory (sodium_malloc: guard pages,
 * mlock where the limit allows, wiped by sodium_free). Every plaintext, passphrase and key that
 * Pixeen holds lives in one. It is the public pixeen_secret. Entry points: vault_secret_create,
 * vault_secret_append, vault_secret_destroy, vault_init. */
#ifndef PIXEEN_VAULT_SECRET_H
#define PIXEEN_VAULT_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct pixeen_secret {
    uint8_t *data; /* sodium_malloc'ed, cap + 1 bytes (a NUL after len keeps text usable as a C string) */
    size_t len, cap;
};
typedef struct pixeen_secret vault_secret;

/* Initialises libsodium once (thread-safe, idempotent). PIXEEN_ERROR_INTERNAL if it cannot. */
pixeen_status vault_init(void);

/* A secret buffer of capacity `cap` bytes, length 0. PIXEEN_ERROR_OUT_OF_MEMORY on failure. */
pixeen_status vault_secret_create(size_t cap, vault_secret **out);

/* Appends `len` bytes; -1 if over the capacity (secret buffers never move: no copies left behind). */
int vault_secret_append(vault_secret *s, const void *data, size_t len);

/* Wipes and frees; NULL is a no-op. */
void vault_secret_destroy(vault_secret *s);

#endif
