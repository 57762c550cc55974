/* keys.c — parsing and formatting age X25519 keys and identity / recipient files (see keys.h).
 * Entry points: vault_identity_*, vault_recipient_*, vault_identities_*, vault_recipients_load,
 * vault_file_read_secret. */
#include "vault/keys.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/platform.h"

#include "vault/bech32.h"
#include "vault/file.h"

/* 64 KiB: an identity file holds a few 74-character keys and comments; a bigger file is not one. */
#define KEY_FILE_MAX (64 * 1024)

pixeen_status vault_identity_parse(const char *text, uint8_t sk[32]) {
    char hrp[32];
    uint8_t data[40];
    size_t len = 0;
    if (!strncmp(text, "AGE-SECRET-KEY-PQ-", 18) || !strncmp(text, "AGE-PLUGIN-", 11))
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "vault: identity type not supported: %.18s... (expected an X25519 AGE-SECRET-KEY-1...)", text);
    int rc = vault_bech32_decode(text, hrp, sizeof hrp, data, sizeof data, &len);
    /* age writes identities in upper case; accept only that, as the reference does. */
    int ok = rc == 0 && !strcmp(hrp, "age-secret-key-") && len == 32 && !strncmp(text, "AGE-SECRET-KEY-1", 16);
    if (ok) memcpy(sk, data, 32);
    sodium_memzero(data, sizeof data);
    if (!ok)
        return error_set(PIXEEN_ERROR_KEY,
                         "vault: malformed identity (expected AGE-SECRET-KEY-1 followed by 58 Bech32 characters)");
    return PIXEEN_OK;
}

void vault_identity_format(const uint8_t sk[32], char *out) {
    vault_bech32_encode(out, VAULT_IDENTITY_LEN + 1, "age-secret-key-", sk, 32, 1);
}

void vault_identity_recipient(const uint8_t sk[32], char *out) {
    uint8_t pk[32];
    crypto_scalarmult_base(pk, sk);
    vault_bech32_encode(out, VAULT_RECIPIENT_LEN + 1, "age", pk, 32, 0);
}

pixeen_status vault_recipient_parse(const char *text, uint8_t pk[32]) {
    char hrp[8];
    size_t len = 0;
    if (!strncasecmp(text, "AGE-SECRET-KEY-", 15))
        return error_set(PIXEEN_ERROR_KEY, "vault: a secret key (an identity) was given where a recipient was "
                         "expected: give its recipient age1... instead (pixeen keygen printed it; age-keygen -y FILE)");
    if (!strncmp(text, "ssh-", 4) || !strncmp(text, "age1pq1", 7))
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "vault: recipient type not supported: %.12s... (expected an "
                         "X25519 age1... recipient)", text);
    if (vault_bech32_decode(text, hrp, sizeof hrp, pk, 32, &len) || strcmp(hrp, "age") || len != 32 ||
        strncmp(text, "age1", 4))
        return error_set(PIXEEN_ERROR_KEY, "vault: malformed recipient '%.80s' (expected age1 followed by 58 "
                         "Bech32 characters)", text);
    return PIXEEN_OK;
}

void vault_identities_free(vault_identity_set *set) {
    vault_secret_destroy(set->keys);
    set->keys = NULL;
    set->count = 0;
}

/* Calls `line_fn` for every line that is neither blank nor a comment; trailing CR and spaces are
 * trimmed. The line is copied into `scratch` (locked) so that it can be NUL-terminated. */
static pixeen_status each_line(const char *text, size_t len, char *scratch, size_t scratch_size,
                               pixeen_status (*line_fn)(const char *line, size_t lineno, void *user), void *user) {
    size_t pos = 0, lineno = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n') end++;
        size_t n = end - pos;
        lineno++;
        while (n && (text[pos + n - 1] == '\r' || text[pos + n - 1] == ' ' || text[pos + n - 1] == '\t')) n--;
        size_t start = 0;
        while (start < n && (text[pos + start] == ' ' || text[pos + start] == '\t')) start++;
        if (n > start && text[pos + start] != '#') {
            if (n - start >= scratch_size)
                return error_set(PIXEEN_ERROR_KEY, "vault: line %zu is %zu characters long (expected a key)", lineno,
                                 n - start);
            memcpy(scratch, text + pos + start, n - start);
            scratch[n - start] = '\0';
            pixeen_status s = line_fn(scratch, lineno, user);
            sodium_memzero(scratch, scratch_size);
            if (s != PIXEEN_OK) return s;
        }
        pos = end + 1;
    }
    return PIXEEN_OK;
}

static pixeen_status add_identity(const char *line, size_t lineno, void *user) {
    vault_identity_set *set = user;
    if (set->count == VAULT_IDENTITIES_MAX)
        return error_set(PIXEEN_ERROR_KEY, "vault: more than %d identities", VAULT_IDENTITIES_MAX);
    pixeen_status s = vault_identity_parse(line, set->keys->data + 32 * set->count);
    if (s != PIXEEN_OK) return error_wrap(s, "line %zu: ", lineno);
    set->count++;
    set->keys->len = 32 * set->count;
    return PIXEEN_OK;
}

pixeen_status vault_identities_parse(const char *text, size_t len, const char *origin, vault_identity_set *set) {
    set->count = 0;
    PX_TRY(vault_secret_create(32 * VAULT_IDENTITIES_MAX, &set->keys));
    vault_secret *scratch = NULL;
    pixeen_status s = vault_secret_create(256, &scratch); /* 256: longer than any key line */
    if (s == PIXEEN_OK) s = each_line(text, len, (char *)scratch->data, 256, add_identity, set);
    vault_secret_destroy(scratch);
    if (s == PIXEEN_OK && set->count == 0)
        s = error_set(PIXEEN_ERROR_KEY, "vault: %s: no identity found (expected a line AGE-SECRET-KEY-1...)", origin);
    else if (s != PIXEEN_OK)
        s = error_wrap(s, "%s: ", origin);
    if (s != PIXEEN_OK) vault_identities_free(set);
    return s;
}

pixeen_status vault_file_read_secret(const char *path, size_t max, vault_secret **out) {
    *out = NULL;
    int fd = -1;
    size_t size = 0;
    PX_TRY(vault_input_open(path, max, &fd, &size));
    /* A pipe's length is known only at its end: room for the most it may hold. */
    vault_secret *s = NULL;
    pixeen_status status = vault_secret_create(size == SIZE_MAX ? max : size, &s);
    if (status == PIXEEN_OK) status = vault_input_read(fd, path, s->data, s->cap, &s->len);
    close(fd);
    if (status != PIXEEN_OK) {
        vault_secret_destroy(s);
        return status;
    }
    s->data[s->len] = 0;
    *out = s;
    return PIXEEN_OK;
}

pixeen_status vault_identities_load(const char *path, vault_identity_set *set) {
    vault_secret *text = NULL;
    PX_TRY(vault_file_read_secret(path, KEY_FILE_MAX, &text));
    pixeen_status s = vault_identities_parse((const char *)text->data, text->len, path, set);
    vault_secret_destroy(text);
    return s;
}

typedef struct recipients_ctx {
    uint8_t (*pks)[32];
    size_t max, *count;
} recipients_ctx;

static pixeen_status add_recipient(const char *line, size_t lineno, void *user) {
    recipients_ctx *ctx = user;
    if (*ctx->count == ctx->max) return error_set(PIXEEN_ERROR_KEY, "vault: more than %zu recipients", ctx->max);
    pixeen_status s = vault_recipient_parse(line, ctx->pks[*ctx->count]);
    /* A file's line is not echoed: a wrong file may be anything (a secret key, a private note). */
    if (s == PIXEEN_ERROR_KEY && strncasecmp(line, "AGE-SECRET-KEY-", 15))
        s = error_set(PIXEEN_ERROR_KEY, "vault: not a recipient (%zu characters; expected age1 followed by 58 "
                      "Bech32 characters)", strlen(line));
    if (s != PIXEEN_OK) return error_wrap(s, "line %zu: ", lineno);
    (*ctx->count)++;
    return PIXEEN_OK;
}

pixeen_status vault_recipients_parse(const char *text, size_t len, uint8_t (*pks)[32], size_t max, size_t *count) {
    char scratch[256];
    recipients_ctx ctx = {pks, max, count};
    return each_line(text, len, scratch, sizeof scratch, add_recipient, &ctx);
}

pixeen_status vault_recipients_load(const char *path, uint8_t (*pks)[32], size_t max, size_t *count) {
    vault_secret *text = NULL;
    PX_TRY(vault_file_read_secret(path, KEY_FILE_MAX, &text));
    pixeen_status s = vault_recipients_parse((const char *)text->data, text->len, pks, max, count);
    vault_secret_destroy(text);
    return s == PIXEEN_OK ? s : error_wrap(s, "recipients file %s: ", path);
}

pixeen_status vault_identity_generate(vault_secret **file_text, char *recipient) {
    *file_text = NULL;
    vault_secret *sk = NULL, *text = NULL;
    PX_TRY(vault_secret_create(32, &sk));
    pixeen_status s = vault_secret_create(256, &text); /* 256: the three lines are ~170 bytes */
    if (s != PIXEEN_OK) {
        vault_secret_destroy(sk);
        return s;
    }
    randombytes_buf(sk->data, 32);
    vault_identity_recipient(sk->data, recipient);
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf((char *)text->data, text->cap + 1, "# created: %s\n# public key: %s\n", stamp, recipient);
    text->len = (size_t)n;
    vault_identity_format(sk->data, (char *)text->data + text->len);
    text->len += VAULT_IDENTITY_LEN;
    text->data[text->len++] = '\n';
    text->data[text->len] = 0;
    vault_secret_destroy(sk);
    *file_text = text;
    return PIXEEN_OK;
}
