/* age_file.h — age files on disk: sealing a buffer to recipients or a passphrase and writing it
 * atomically, opening a file with an identity file or a passphrase, the default identity location
 * and identity-file creation. These implement the public pixeen_vault_* / pixeen_identity_*
 * functions. Entry points: vault_seal_file, vault_open_file, vault_identity_default_path,
 * vault_identity_write, vault_identity_file_recipient. */
#ifndef PIXEEN_VAULT_AGE_FILE_H
#define PIXEEN_VAULT_AGE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "vault/keys.h"
#include "vault/secret.h"

/* 256 MiB: an encrypted image is a few MiB; anything much larger is not a Pixeen file. */
#define VAULT_AGE_FILE_MAX ((size_t)256 << 20)
/* Recipients per seal: a handful is usual; 256 bounds a hostile recipients file. */
#define VAULT_RECIPIENTS_MAX 256

pixeen_status vault_seal_file(const pixeen_seal_desc *desc, const uint8_t *data, size_t size, const char *path);
pixeen_status vault_seal_buffer(const pixeen_seal_desc *desc, const uint8_t *data, size_t size, uint8_t **out,
                                size_t *out_len);
pixeen_status vault_open_file(const pixeen_open_desc *desc, const char *path, vault_secret **plaintext);
pixeen_status vault_file_uses_passphrase(const char *path, int *uses);
/* The two above for an age file in memory (a pipe is read once). */
pixeen_status vault_open_buffer(const pixeen_open_desc *desc, const uint8_t *file, size_t len,
                                vault_secret **plaintext);
void vault_buffer_uses_passphrase(const uint8_t *file, size_t len, int *uses);
/* With identities already loaded (an identity file that is a pipe can be read only once). */
pixeen_status vault_open_buffer_with(const vault_identity_set *ids, const vault_secret *passphrase,
                                     const uint8_t *file, size_t len, vault_secret **plaintext);
pixeen_status vault_identity_default_path(char *buf, size_t size);
pixeen_status vault_identity_write(const char *path, char *recipient);
pixeen_status vault_identity_file_recipient(const char *identity_file, char *recipient);

#endif
