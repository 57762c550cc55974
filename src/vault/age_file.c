/* age_file.c — age files on disk (see age_file.h): resolves recipients, identities and
 * passphrases, then calls the in-memory age code and the atomic writer.
 * Entry points: vault_seal_file, vault_seal_buffer, vault_open_file, vault_file_uses_passphrase,
 * vault_identity_default_path,
 * vault_identity_write, vault_identity_file_recipient. */
#include "vault/age_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"
#include "vault/age.h"
#include "vault/armor.h"
#include "vault/file.h"
#include "vault/keys.h"

pixeen_status vault_seal_buffer(const pixeen_seal_desc *desc, const uint8_t *data, size_t size, uint8_t **out,
                                size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    if (!desc || (!data && size))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: seal without a descriptor or data");
    uint8_t (*pks)[32] = calloc(VAULT_RECIPIENTS_MAX, 32);
    if (!pks) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "vault: out of memory");
    size_t count = 0;
    pixeen_status s = PIXEEN_OK;
    if (desc->recipient_count > VAULT_RECIPIENTS_MAX)
        s = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: %zu recipients (expected at most %d)",
                      desc->recipient_count, VAULT_RECIPIENTS_MAX);
    for (size_t i = 0; s == PIXEEN_OK && i < desc->recipient_count; i++)
        if ((s = vault_recipient_parse(desc->recipients[i], pks[count])) == PIXEEN_OK) count++;
    if (s == PIXEEN_OK && desc->recipients_file)
        s = vault_recipients_load(desc->recipients_file, pks, VAULT_RECIPIENTS_MAX, &count);
    if (s == PIXEEN_OK && desc->passphrase && count)
        s = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: both recipients and a passphrase given (expected one)");
    if (s == PIXEEN_OK && !desc->passphrase && !count)
        s = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: no recipient and no passphrase to encrypt to");
    if (s == PIXEEN_OK) {
        age_recipients r = {.x25519 = (const uint8_t(*)[32])pks, .x25519_count = count,
                            .passphrase = desc->passphrase ? (const char *)desc->passphrase->data : NULL,
                            .log_n = desc->scrypt_log_n, .armor = desc->armor};
        age_buf buf = {0};
        s = vault_age_seal(&r, data, size, &buf);
        if (s == PIXEEN_OK) {
            *out = buf.data;
            *out_len = buf.len;
        } else {
            free(buf.data);
        }
    }
    free(pks);
    return s;
}

pixeen_status vault_seal_file(const pixeen_seal_desc *desc, const uint8_t *data, size_t size, const char *path) {
    uint8_t *sealed = NULL;
    size_t len = 0;
    PX_TRY(vault_seal_buffer(desc, data, size, &sealed, &len));
    pixeen_status s = vault_file_write_atomic(path, sealed, len, desc->force);
    free(sealed);
    return s;
}

pixeen_status vault_open_buffer(const pixeen_open_desc *desc, const uint8_t *file, size_t len,
                                vault_secret **plaintext) {
    *plaintext = NULL;
    pixeen_open_desc none = {0};
    if (!desc) desc = &none;
    if (!file && len) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: open without data");
    vault_identity_set ids = {0};
    char default_path[4096];
    const char *identity_file = desc->identity_file;
    if (!identity_file && !desc->passphrase) {
        PX_TRY(vault_identity_default_path(default_path, sizeof default_path));
        identity_file = default_path;
    }
    if (identity_file) PX_TRY(vault_identities_load(identity_file, &ids));
    pixeen_status s = vault_open_buffer_with(&ids, desc->passphrase, file, len, plaintext);
    vault_identities_free(&ids);
    return s;
}

pixeen_status vault_open_buffer_with(const vault_identity_set *ids, const vault_secret *passphrase,
                                     const uint8_t *file, size_t len, vault_secret **plaintext) {
    *plaintext = NULL;
    age_identities a = {.x25519 = ids && ids->keys ? (const uint8_t(*)[32])ids->keys->data : NULL,
                        .x25519_count = ids ? ids->count : 0,
                        .passphrase = passphrase ? (const char *)passphrase->data : NULL};
    return vault_age_open(&a, file ? file : (const uint8_t *)"", len, plaintext);
}

pixeen_status vault_open_file(const pixeen_open_desc *desc, const char *path, vault_secret **plaintext) {
    *plaintext = NULL;
    uint8_t *file = NULL;
    size_t len = 0;
    PX_TRY(vault_file_read(path, VAULT_AGE_FILE_MAX, &file, &len));
    pixeen_status s = vault_open_buffer(desc, file, len, plaintext);
    free(file);
    return s == PIXEEN_OK || s == PIXEEN_ERROR_KEY || s == PIXEEN_ERROR_UNSUPPORTED ? s : error_wrap(s, "%s: ", path);
}

void vault_buffer_uses_passphrase(const uint8_t *file, size_t len, int *uses) {
    *uses = 0;
    age_buf dearmored = {0};
    const uint8_t *in = file;
    if (vault_armor_detect(file, len) && vault_armor_decode(file, len, &dearmored) == 0) {
        in = dearmored.data;
        len = dearmored.len;
    }
    age_header hdr;
    if (age_header_parse(in, len, &hdr) == 0) {
        *uses = hdr.count == 1 && !strcmp(hdr.stanzas[0].args[0], "scrypt");
        age_header_free(&hdr);
    }
    free(dearmored.data);
}

pixeen_status vault_file_uses_passphrase(const char *path, int *uses) {
    *uses = 0;
    uint8_t *file = NULL;
    size_t len = 0;
    PX_TRY(vault_file_read(path, VAULT_AGE_FILE_MAX, &file, &len));
    vault_buffer_uses_passphrase(file, len, uses);
    free(file);
    return PIXEEN_OK;
}

pixeen_status vault_identity_default_path(char *buf, size_t size) {
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = platform_home_dir();
    int n;
    if (xdg && xdg[0] == '/') n = snprintf(buf, size, "%s/pixeen/identity.txt", xdg);
    else if (home && home[0]) n = snprintf(buf, size, "%s/.config/pixeen/identity.txt", home);
    else return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: neither XDG_CONFIG_HOME nor HOME is set");
    if (n < 0 || (size_t)n >= size) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: identity path too long");
    return PIXEEN_OK;
}

pixeen_status vault_identity_write(const char *path, char *recipient) {
    char default_path[4096];
    if (!path) {
        PX_TRY(vault_identity_default_path(default_path, sizeof default_path));
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", default_path);
        *strrchr(dir, '/') = '\0';
        PX_TRY(vault_mkdirs(dir));
        path = default_path;
    }
    vault_secret *text = NULL;
    PX_TRY(vault_identity_generate(&text, recipient));
    pixeen_status s = vault_file_write_atomic(path, text->data, text->len, 0);
    vault_secret_destroy(text);
    return s;
}

pixeen_status vault_identity_file_recipient(const char *identity_file, char *recipient) {
    char default_path[4096];
    if (!identity_file) {
        PX_TRY(vault_identity_default_path(default_path, sizeof default_path));
        identity_file = default_path;
    }
    vault_identity_set ids = {0};
    PX_TRY(vault_identities_load(identity_file, &ids));
    vault_identity_recipient(ids.keys->data, recipient);
    vault_identities_free(&ids);
    return PIXEEN_OK;
}
