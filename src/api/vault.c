/* api/vault.c — the public vault functions (include/pixeen/pixeen.h, section "vault"): thin
 * wrappers over src/vault that check arguments. Entry points: pixeen_secret_*, pixeen_vault_*,
 * pixeen_file_write_atomic, pixeen_passphrase_read, pixeen_identity_*, pixeen_params_format,
 * pixeen_png_*, pixeen_history_*. */
#include <pixeen/pixeen.h>

#include <stdlib.h>

#include "api/internal.h"
#include "core/error.h"
#include "vault/age_file.h"
#include "vault/file.h"
#include "vault/history.h"
#include "vault/keys.h"
#include "vault/passphrase.h"
#include "vault/png.h"
#include "vault/secret.h"

/* Rejects a descriptor whose reserved words are set (a newer header's fields). */
#define RESERVED(desc, what)                                                                    \
    do {                                                                                        \
        if (desc) PX_TRY(api_check_reserved((desc)->reserved, sizeof (desc)->reserved / sizeof (desc)->reserved[0], what)); \
    } while (0)

#define REQUIRE(cond, what)                                                                     \
    do {                                                                                        \
        if (!(cond)) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: %s must not be NULL", what); \
    } while (0)

const uint8_t *pixeen_secret_data(const pixeen_secret *secret) {
    return secret ? secret->data : NULL;
}

size_t pixeen_secret_size(const pixeen_secret *secret) {
    return secret ? secret->len : 0;
}

void pixeen_secret_destroy(pixeen_secret *secret) {
    vault_secret_destroy(secret);
}

pixeen_status pixeen_vault_seal_file(const pixeen_seal_desc *desc, const void *data, size_t size, const char *path) {
    REQUIRE(desc, "desc");
    REQUIRE(path, "path");
    RESERVED(desc, "vault: seal");
    return vault_seal_file(desc, data, size, path);
}

pixeen_status pixeen_vault_open_file(const pixeen_open_desc *desc, const char *path, pixeen_secret **plaintext) {
    REQUIRE(path, "path");
    REQUIRE(plaintext, "plaintext");
    RESERVED(desc, "vault: open");
    return vault_open_file(desc, path, plaintext);
}

pixeen_status pixeen_vault_file_uses_passphrase(const char *path, int *uses) {
    REQUIRE(path, "path");
    REQUIRE(uses, "uses");
    return vault_file_uses_passphrase(path, uses);
}

pixeen_status pixeen_vault_open(const pixeen_open_desc *desc, const void *data, size_t size,
                                pixeen_secret **plaintext) {
    REQUIRE(data || !size, "data");
    REQUIRE(plaintext, "plaintext");
    RESERVED(desc, "vault: open");
    return vault_open_buffer(desc, data, size, plaintext);
}

pixeen_status pixeen_vault_uses_passphrase(const void *data, size_t size, int *uses) {
    REQUIRE(data || !size, "data");
    REQUIRE(uses, "uses");
    vault_buffer_uses_passphrase(data, size, uses);
    return PIXEEN_OK;
}

pixeen_status pixeen_file_read(const char *path, size_t max, pixeen_secret **contents) {
    REQUIRE(path, "path");
    REQUIRE(contents, "contents");
    *contents = NULL;
    PX_TRY(vault_init());
    /* Read into growing plain memory first (a pipe's size is known only at its end, and a locked
     * buffer of the largest size would be touched whole), then into a buffer of the exact size. */
    uint8_t *data = NULL;
    size_t len = 0;
    PX_TRY(vault_file_read(path, max ? max : VAULT_AGE_FILE_MAX, &data, &len));
    vault_secret *s = NULL;
    pixeen_status status = vault_secret_create(len, &s);
    if (status == PIXEEN_OK) vault_secret_append(s, data, len);
    free(data);
    *contents = s;
    return status;
}

pixeen_status pixeen_file_write_atomic(const char *path, const void *data, size_t size, int force) {
    REQUIRE(path, "path");
    REQUIRE(data || !size, "data");
    return vault_file_write_atomic(path, data, size, force);
}

pixeen_status pixeen_passphrase_read(const char *file, const char *prompt, int confirm, pixeen_secret **passphrase) {
    REQUIRE(passphrase, "passphrase");
    return vault_passphrase_read(file, prompt, confirm, passphrase);
}

pixeen_status pixeen_identity_default_path(char *buf, size_t size) {
    REQUIRE(buf, "buf");
    return vault_identity_default_path(buf, size);
}

pixeen_status pixeen_identity_generate(const char *path, char recipient[PIXEEN_RECIPIENT_SIZE]) {
    REQUIRE(recipient, "recipient");
    return vault_identity_write(path, recipient);
}

pixeen_status pixeen_identity_recipient(const char *identity_file, char recipient[PIXEEN_RECIPIENT_SIZE]) {
    REQUIRE(recipient, "recipient");
    return vault_identity_file_recipient(identity_file, recipient);
}

pixeen_status pixeen_params_format(const pixeen_generation_params *params, pixeen_secret **text) {
    REQUIRE(params, "params");
    REQUIRE(text, "text");
    RESERVED(params, "vault: params");
    return vault_params_format(params, text);
}

pixeen_status pixeen_png_encode(const uint8_t *rgb, int width, int height, const char *parameters,
                                pixeen_secret **png) {
    REQUIRE(png, "png");
    return vault_png_encode(rgb, width, height, parameters, png);
}

pixeen_status pixeen_png_read_parameters(const void *png, size_t size, pixeen_secret **parameters) {
    REQUIRE(png, "png");
    REQUIRE(parameters, "parameters");
    return vault_png_read_parameters(png, size, parameters);
}

pixeen_status pixeen_history_dir(char *buf, size_t size) {
    REQUIRE(buf, "buf");
    return vault_history_dir(buf, size);
}

pixeen_status pixeen_history_add(const void *png, size_t size, const char *recipient, char id[PIXEEN_HISTORY_ID_SIZE]) {
    REQUIRE(png, "png");
    return vault_history_add(png, size, recipient, id);
}

pixeen_status pixeen_history_list(const char *identity_file, pixeen_history_fn fn, void *user) {
    REQUIRE(fn, "fn");
    return vault_history_list(identity_file, fn, user);
}

pixeen_status pixeen_history_export(const char *identity_file, const char *id, const char *dir,
                                    const pixeen_seal_desc *reseal) {
    REQUIRE(dir, "dir");
    RESERVED(reseal, "vault: reseal");
    return vault_history_export(identity_file, id, dir, reseal);
}

pixeen_status pixeen_history_delete(const char *id) {
    REQUIRE(id, "id");
    return vault_history_delete(id);
}

pixeen_status pixeen_history_purge(void) {
    return vault_history_purge();
}
