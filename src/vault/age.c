/* age.c — age v1 files: the X25519 and scrypt recipient stanzas, the header MAC, and the seal /
 * open operations over memory (see age.h). Keys derived here: wrap keys
 * HKDF-SHA-256(shared secret, ephemeral share || recipient, "age-encryption.org/v1/X25519"),
 * scrypt(passphrase, "age-encryption.org/v1/scrypt" || salt, N = 2^logN, r = 8, p = 1), the MAC
 * key HKDF(file key, "", "header"). Every key and file key is wiped before return.
 * Entry points: vault_age_seal, vault_age_open, age_decrypt, vault_decrypt_error.
 */
#include "vault/age.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "vault/armor.h"
#include "vault/b64.h"
#include "vault/hkdf.h"

static const char x25519_label[] = "age-encryption.org/v1/X25519";
static const char scrypt_label[] = "age-encryption.org/v1/scrypt";
enum { WRAPPED = AGE_FILE_KEY + AGE_TAG, SCRYPT_SALT = 16 }; /* stanza body; scrypt salt (spec) */

pixeen_status vault_decrypt_error(void) {
    return error_set(PIXEEN_ERROR_DECRYPT,
                     "vault: cannot decrypt: wrong identity or passphrase, or the file is damaged, "
                     "truncated or not an age file");
}

/* What a file that is not age at all is, said without quoting it (it may be a key or a note). */
static pixeen_status not_age_error(const uint8_t *in, size_t len) {
    static const char expected[] = "(expected an age file: 'age-encryption.org/v1' or "
                                   "'-----BEGIN AGE ENCRYPTED FILE-----' at its start)";
    if (len == 0) return error_set(PIXEEN_ERROR_DECRYPT, "vault: cannot decrypt: the file is empty %s", expected);
    if (len >= 4 && !memcmp(in, "\x89PNG", 4))
        return error_set(PIXEEN_ERROR_DECRYPT, "vault: cannot decrypt: this is a PNG image, not encrypted %s", expected);
    if ((len >= 15 && !memcmp(in, "AGE-SECRET-KEY-", 15)) || (len >= 10 && !memcmp(in, "# created:", 10)))
        return error_set(PIXEEN_ERROR_DECRYPT, "vault: cannot decrypt: this is an age identity (a secret key), "
                         "not an encrypted file %s", expected);
    size_t text = 0, probe = len < 512 ? len : 512;
    for (size_t i = 0; i < probe; i++) text += in[i] == '\n' || in[i] == '\t' || in[i] == '\r' || (in[i] >= 0x20 && in[i] != 0x7f);
    return error_set(PIXEEN_ERROR_DECRYPT, "vault: cannot decrypt: the file holds %s, not age %s",
                     text == probe ? "text" : "binary data", expected);
}

/* The sentence for each way decryption stops. Saying which is no oracle: whoever holds the file
 * can test their own keys on it with any age tool, which says as much. */
static pixeen_status decrypt_error(age_result r) {
    switch (r) {
    case AGE_RESULT_ARMOR:
        return error_set(PIXEEN_ERROR_DECRYPT, "vault: cannot decrypt: the ASCII armor is malformed (damaged or truncated)");
    case AGE_RESULT_HEADER:
        return error_set(PIXEEN_ERROR_DECRYPT, "vault: cannot decrypt: the age header is malformed (damaged, or "
                         "truncated)");
    case AGE_RESULT_NO_MATCH:
        return error_set(PIXEEN_ERROR_DECRYPT, "vault: cannot decrypt: wrong identity or passphrase (none given "
                         "opens any of the file's recipient stanzas)");
    default:
        return error_set(PIXEEN_ERROR_DECRYPT, "vault: cannot decrypt: the file is damaged or truncated (it does "
                         "not authenticate)");
    }
}

static const uint8_t zero_nonce[12];

/* ---- X25519 ---------------------------------------------------------------------------- */

/* 1: file key unwrapped; 0: not for this identity; -1: malformed stanza (header failure). */
static int x25519_unwrap(const age_stanza *st, const uint8_t sk[32], uint8_t file_key[AGE_FILE_KEY]) {
    uint8_t share[32], pk[32], shared[32], salt[64], key[32];
    size_t got = 0;
    int rc = -1;
    if (st->arg_count != 2 || vault_b64_decode(st->args[1], strlen(st->args[1]), 0, share, sizeof share, &got) ||
        got != 32 || st->body_len != WRAPPED)
        return -1;
    if (crypto_scalarmult(shared, sk, share) != 0) goto done; /* all-zero shared secret: low-order share */
    crypto_scalarmult_base(pk, sk);
    memcpy(salt, share, 32);
    memcpy(salt + 32, pk, 32);
    vault_hkdf_sha256(key, sizeof key, shared, sizeof shared, salt, sizeof salt, x25519_label);
    rc = crypto_aead_chacha20poly1305_ietf_decrypt(file_key, NULL, NULL, st->body, WRAPPED, NULL, 0, zero_nonce,
                                                   key) == 0;
done:
    sodium_memzero(shared, sizeof shared);
    sodium_memzero(key, sizeof key);
    return rc;
}

static int x25519_wrap(age_buf *hdr, const uint8_t pk[32], const uint8_t file_key[AGE_FILE_KEY]) {
    uint8_t esk[32], share[32], shared[32], salt[64], key[32], body[WRAPPED];
    char share_b64[44];
    int rc = -1;
    randombytes_buf(esk, sizeof esk);
    crypto_scalarmult_base(share, esk);
    if (crypto_scalarmult(shared, esk, pk) != 0) goto done;
    memcpy(salt, share, 32);
    memcpy(salt + 32, pk, 32);
    vault_hkdf_sha256(key, sizeof key, shared, sizeof shared, salt, sizeof salt, x25519_label);
    crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, file_key, AGE_FILE_KEY, NULL, 0, NULL, zero_nonce, key);
    vault_b64_encode(share_b64, share, sizeof share, 0);
    const char *args[] = {"X25519", share_b64};
    rc = age_header_encode_stanza(hdr, args, 2, body, sizeof body);
done:
    sodium_memzero(esk, sizeof esk);
    sodium_memzero(shared, sizeof shared);
    sodium_memzero(key, sizeof key);
    return rc;
}

/* ---- scrypt ---------------------------------------------------------------------------- */

static int scrypt_key(uint8_t key[32], const char *passphrase, const uint8_t salt[SCRYPT_SALT], int log_n) {
    uint8_t full_salt[sizeof scrypt_label - 1 + SCRYPT_SALT];
    memcpy(full_salt, scrypt_label, sizeof scrypt_label - 1);
    memcpy(full_salt + sizeof scrypt_label - 1, salt, SCRYPT_SALT);
    return crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)passphrase, strlen(passphrase), full_salt,
                                                 sizeof full_salt, 1ull << log_n, 8, 1, key, 32);
}

/* Same convention as x25519_unwrap. The work factor is a decimal without sign or leading zero. */
static int scrypt_unwrap(const age_stanza *st, const char *passphrase, int max_log_n,
                         uint8_t file_key[AGE_FILE_KEY]) {
    uint8_t salt[SCRYPT_SALT], key[32];
    size_t got = 0;
    if (st->arg_count != 3 || vault_b64_decode(st->args[1], strlen(st->args[1]), 0, salt, sizeof salt, &got) ||
        got != SCRYPT_SALT || st->body_len != WRAPPED)
        return -1;
    const char *w = st->args[2];
    size_t wl = strlen(w);
    if (wl == 0 || wl > 2 || w[0] < '1' || w[0] > '9' || (wl == 2 && (w[1] < '0' || w[1] > '9'))) return -1;
    int log_n = wl == 1 ? w[0] - '0' : (w[0] - '0') * 10 + (w[1] - '0');
    if (log_n > max_log_n) return -1;
    if (scrypt_key(key, passphrase, salt, log_n) != 0) return 0; /* out of memory: cannot open */
    int rc = crypto_aead_chacha20poly1305_ietf_decrypt(file_key, NULL, NULL, st->body, WRAPPED, NULL, 0, zero_nonce,
                                                       key) == 0;
    sodium_memzero(key, sizeof key);
    return rc;
}

static int scrypt_wrap(age_buf *hdr, const char *passphrase, int log_n, const uint8_t file_key[AGE_FILE_KEY]) {
    uint8_t salt[SCRYPT_SALT], key[32], body[WRAPPED];
    char salt_b64[24], work[4];
    randombytes_buf(salt, sizeof salt);
    if (scrypt_key(key, passphrase, salt, log_n) != 0) return -1;
    crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, file_key, AGE_FILE_KEY, NULL, 0, NULL, zero_nonce, key);
    sodium_memzero(key, sizeof key);
    vault_b64_encode(salt_b64, salt, sizeof salt, 0);
    snprintf(work, sizeof work, "%d", log_n);
    const char *args[] = {"scrypt", salt_b64, work};
    return age_header_encode_stanza(hdr, args, 3, body, sizeof body);
}

/* ---- header MAC ------------------------------------------------------------------------- */

static void header_mac(uint8_t mac[32], const uint8_t file_key[AGE_FILE_KEY], const uint8_t *hdr, size_t len) {
    uint8_t key[32];
    vault_hkdf_sha256(key, sizeof key, file_key, AGE_FILE_KEY, NULL, 0, "header");
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, sizeof key);
    crypto_auth_hmacsha256_update(&st, hdr, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(key, sizeof key);
    sodium_memzero(&st, sizeof st);
}

/* ---- seal ------------------------------------------------------------------------------- */

pixeen_status vault_age_seal(const age_recipients *rcpt, const uint8_t *pt, size_t len, age_buf *out) {
    PX_TRY(vault_init());
    int log_n = rcpt->log_n ? rcpt->log_n : AGE_SCRYPT_LOG_N_DEFAULT;
    if ((rcpt->passphrase != NULL) == (rcpt->x25519_count != 0))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "vault: seal needs either recipients or a passphrase: got %zu recipients and %s passphrase",
                         rcpt->x25519_count, rcpt->passphrase ? "a" : "no");
    if (rcpt->passphrase && (log_n < 1 || log_n > AGE_SCRYPT_LOG_N_MAX))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: scrypt work factor %d (expected 1..%d)", log_n,
                         AGE_SCRYPT_LOG_N_MAX);
    uint8_t file_key[AGE_FILE_KEY], mac[32];
    char mac_b64[44];
    age_buf hdr = {0};
    pixeen_status status = PIXEEN_ERROR_OUT_OF_MEMORY;
    randombytes_buf(file_key, sizeof file_key);
    if (age_buf_append(&hdr, "age-encryption.org/v1\n", 22)) goto done;
    for (size_t i = 0; i < rcpt->x25519_count; i++)
        if (x25519_wrap(&hdr, rcpt->x25519[i], file_key)) {
            status = error_set(PIXEEN_ERROR_KEY, "vault: recipient %zu is a low-order X25519 point", i + 1);
            goto done;
        }
    if (rcpt->passphrase && scrypt_wrap(&hdr, rcpt->passphrase, log_n, file_key)) goto done;
    if (age_buf_append(&hdr, "---", 3)) goto done;
    header_mac(mac, file_key, hdr.data, hdr.len);
    vault_b64_encode(mac_b64, mac, sizeof mac, 0);
    if (age_buf_append(&hdr, " ", 1) || age_buf_append(&hdr, mac_b64, 43) || age_buf_append(&hdr, "\n", 1)) goto done;
    if (age_stream_seal(&hdr, file_key, pt, len)) goto done;
    if (rcpt->armor) {
        if (vault_armor_encode(hdr.data, hdr.len, out)) goto done;
    } else if (out->len == 0) {
        free(out->data); /* hand the buffer over instead of copying the whole file */
        *out = hdr;
        hdr = (age_buf){0};
    } else if (age_buf_append(out, hdr.data, hdr.len)) {
        goto done;
    }
    status = PIXEEN_OK;
done:
    if (status == PIXEEN_ERROR_OUT_OF_MEMORY) error_set(status, "vault: out of memory while encrypting");
    sodium_memzero(file_key, sizeof file_key);
    free(hdr.data);
    return status;
}

/* ---- open ------------------------------------------------------------------------------- */

static age_result unwrap_file_key(const age_identities *ids, const age_header *hdr, uint8_t file_key[AGE_FILE_KEY]) {
    int max_log_n = ids->max_log_n ? ids->max_log_n : AGE_SCRYPT_LOG_N_MAX;
    /* An scrypt stanza must be alone: otherwise anyone could add one to a passphrase file. */
    for (int i = 0; i < hdr->count; i++)
        if (!strcmp(hdr->stanzas[i].args[0], "scrypt") && hdr->count != 1) return AGE_RESULT_HEADER;
    for (size_t k = 0; k < ids->x25519_count; k++)
        for (int i = 0; i < hdr->count; i++) {
            if (strcmp(hdr->stanzas[i].args[0], "X25519")) continue;
            int r = x25519_unwrap(&hdr->stanzas[i], ids->x25519[k], file_key);
            if (r < 0) return AGE_RESULT_HEADER;
            if (r > 0) return AGE_RESULT_OK;
        }
    if (ids->passphrase)
        for (int i = 0; i < hdr->count; i++) {
            if (strcmp(hdr->stanzas[i].args[0], "scrypt")) continue;
            int r = scrypt_unwrap(&hdr->stanzas[i], ids->passphrase, max_log_n, file_key);
            if (r < 0) return AGE_RESULT_HEADER;
            if (r > 0) return AGE_RESULT_OK;
        }
    return AGE_RESULT_NO_MATCH;
}

age_result age_decrypt(const age_identities *ids, age_format format, const uint8_t *in, size_t len, age_chunk_fn fn,
                       void *user) {
    if (sodium_init() < 0) return AGE_RESULT_NO_MEMORY;
    age_buf dearmored = {0};
    age_header hdr;
    uint8_t file_key[AGE_FILE_KEY], mac[32];
    age_result result;
    if (format == AGE_FORMAT_ARMOR || (format == AGE_FORMAT_DETECT && vault_armor_detect(in, len))) {
        if (vault_armor_decode(in, len, &dearmored)) {
            free(dearmored.data);
            return AGE_RESULT_ARMOR;
        }
        in = dearmored.data;
        len = dearmored.len;
    }
    if (age_header_parse(in, len, &hdr)) {
        free(dearmored.data);
        return AGE_RESULT_HEADER;
    }
    result = unwrap_file_key(ids, &hdr, file_key);
    if (result == AGE_RESULT_OK) {
        header_mac(mac, file_key, in, hdr.mac_input_len);
        if (crypto_verify_32(mac, hdr.mac) != 0) {
            result = AGE_RESULT_HMAC;
        } else {
            int r = age_stream_open(file_key, in + hdr.header_len, len - hdr.header_len, fn, user);
            result = r == 0 ? AGE_RESULT_OK : r == -2 ? AGE_RESULT_HEADER : AGE_RESULT_PAYLOAD;
        }
    }
    sodium_memzero(file_key, sizeof file_key);
    age_header_free(&hdr);
    free(dearmored.data);
    return result;
}

static int collect_chunk(const uint8_t *pt, size_t len, void *user) {
    return vault_secret_append(user, pt, len);
}

pixeen_status vault_age_open(const age_identities *ids, const uint8_t *in, size_t len, vault_secret **out) {
    vault_secret *plain = NULL;
    *out = NULL;
    /* The plaintext is never longer than the file (armor only makes the file longer). */
    PX_TRY(vault_secret_create(age_stream_plain_len(len), &plain));
    age_result r = age_decrypt(ids, AGE_FORMAT_DETECT, in, len, collect_chunk, plain);
    if (r != AGE_RESULT_OK) {
        vault_secret_destroy(plain);
        if (r == AGE_RESULT_NO_MEMORY) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "vault: out of memory");
        static const char magic[] = "age-encryption.org/";
        if (!vault_armor_detect(in, len) && (len < sizeof magic - 1 || memcmp(in, magic, sizeof magic - 1)))
            return not_age_error(in, len);
        return decrypt_error(r);
    }
    *out = plain;
    return PIXEEN_OK;
}
