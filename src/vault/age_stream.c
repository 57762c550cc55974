/* age_stream.c — STREAM encryption of the age payload (see age_stream.h). Every plaintext chunk
 * buffer and the payload key are wiped. Entry points: age_stream_seal, age_stream_open. */
#include "vault/age_stream.h"

#include <sodium.h>
#include <string.h>

#include "vault/hkdf.h"

static void chunk_nonce(uint8_t nonce[12], uint64_t counter, int last) {
    memset(nonce, 0, 12);
    for (int i = 0; i < 8; i++) nonce[10 - i] = (uint8_t)(counter >> (8 * i)); /* 11-byte big-endian */
    nonce[11] = last ? 1 : 0;
}

int age_stream_seal(age_buf *out, const uint8_t file_key[AGE_FILE_KEY], const uint8_t *pt, size_t len) {
    uint8_t nonce16[AGE_NONCE], key[32], nonce[12];
    randombytes_buf(nonce16, sizeof nonce16);
    if (vault_hkdf_sha256(key, sizeof key, file_key, AGE_FILE_KEY, nonce16, sizeof nonce16, "payload")) return -1;
    size_t chunks = len == 0 ? 1 : (len + AGE_CHUNK - 1) / AGE_CHUNK;
    size_t need = out->len + AGE_NONCE + len + chunks * AGE_TAG;
    int rc = -1;
    if (age_buf_reserve(out, need - out->len)) goto done;
    age_buf_append(out, nonce16, sizeof nonce16);
    for (size_t c = 0; c < chunks; c++) {
        size_t off = c * AGE_CHUNK, n = len - off < AGE_CHUNK ? len - off : AGE_CHUNK;
        chunk_nonce(nonce, c, c + 1 == chunks);
        unsigned long long clen = 0;
        crypto_aead_chacha20poly1305_ietf_encrypt(out->data + out->len, &clen, pt + off, n, NULL, 0, NULL, nonce, key);
        out->len += (size_t)clen;
    }
    rc = 0;
done:
    sodium_memzero(key, sizeof key);
    return rc;
}

size_t age_stream_plain_len(size_t len) {
    return len > AGE_NONCE ? len - AGE_NONCE : 0;
}

int age_stream_open(const uint8_t file_key[AGE_FILE_KEY], const uint8_t *in, size_t len, age_chunk_fn fn, void *user) {
    if (len < AGE_NONCE) return -2;
    if (sodium_init() < 0) return -1; /* sodium_malloc needs it; idempotent */
    uint8_t key[32], nonce[12];
    uint8_t *pt = sodium_malloc(AGE_CHUNK);
    if (!pt) return -1;
    int rc = -1;
    if (vault_hkdf_sha256(key, sizeof key, file_key, AGE_FILE_KEY, in, AGE_NONCE, "payload")) goto done;
    size_t pos = AGE_NONCE;
    /* As the reference reader does, with fixed-size reads: a short chunk must be the final one; a
     * full chunk is tried as a middle chunk first, then as a full final chunk. A final chunk's
     * plaintext is released before checking that nothing follows it (CCTV counts it released). */
    for (uint64_t c = 0;; c++) {
        if (pos == len) goto done;         /* no chunk with the final flag */
        if (c >= (1ull << 40)) goto done;  /* 2^40 chunks = 64 PiB: far beyond any buffer */
        size_t rest = len - pos;
        size_t clen = rest < AGE_CHUNK + AGE_TAG ? rest : AGE_CHUNK + AGE_TAG;
        int last = clen < AGE_CHUNK + AGE_TAG;
        if (clen < AGE_TAG) goto done;
        unsigned long long n = 0;
        chunk_nonce(nonce, c, last);
        int bad = crypto_aead_chacha20poly1305_ietf_decrypt(pt, &n, NULL, in + pos, clen, NULL, 0, nonce, key);
        if (bad && !last) {
            last = 1;
            chunk_nonce(nonce, c, 1);
            bad = crypto_aead_chacha20poly1305_ietf_decrypt(pt, &n, NULL, in + pos, clen, NULL, 0, nonce, key);
        }
        if (bad) goto done;
        if (last && n == 0 && c > 0) goto done; /* an empty final chunk only for an empty payload */
        if (n && fn(pt, (size_t)n, user) != 0) goto done;
        pos += clen;
        if (last) {
            if (pos != len) goto done; /* data after the final chunk */
            break;
        }
    }
    rc = 0;
done:
    sodium_memzero(key, sizeof key);
    sodium_free(pt);
    return rc;
}
