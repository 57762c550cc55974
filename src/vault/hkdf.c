/* hkdf.c — HKDF-SHA-256 (RFC 5869): extract with HMAC(salt, ikm), expand with
 * T(i) = HMAC(PRK, T(i-1) || info || i). Entry point: vault_hkdf_sha256. */
#include "vault/hkdf.h"

#include <sodium.h>
#include <string.h>

int vault_hkdf_sha256(uint8_t *out, size_t out_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
                      size_t salt_len, const char *info) {
    enum { HASH = crypto_auth_hmacsha256_BYTES }; /* 32: SHA-256 output */
    if (out_len > 255 * HASH) return -1;          /* RFC 5869: at most 255 blocks */
    static const uint8_t zero_salt[HASH];
    uint8_t prk[HASH], block[HASH];
    crypto_auth_hmacsha256_state st;
    if (salt_len == 0) {
        salt = zero_salt;
        salt_len = HASH;
    }
    crypto_auth_hmacsha256_init(&st, salt, salt_len);
    crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
    crypto_auth_hmacsha256_final(&st, prk);

    size_t info_len = strlen(info), done = 0;
    for (uint8_t counter = 1; done < out_len; counter++) {
        crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
        if (counter > 1) crypto_auth_hmacsha256_update(&st, block, sizeof block);
        crypto_auth_hmacsha256_update(&st, (const uint8_t *)info, info_len);
        crypto_auth_hmacsha256_update(&st, &counter, 1);
        crypto_auth_hmacsha256_final(&st, block);
        size_t take = out_len - done < HASH ? out_len - done : HASH;
        memcpy(out + done, block, take);
        done += take;
    }
    sodium_memzero(prk, sizeof prk);
    sodium_memzero(block, sizeof block);
    sodium_memzero(&st, sizeof st);
    return 0;
}
