/* b64.c — canonical base64 on libsodium's constant-time codec (keys and MACs pass through it).
 * libsodium rejects non-zero trailing bits; the alphabet and the length (that of re-encoding)
 * are checked here. Entry points: see b64.h. */
#include "vault/b64.h"

#include <sodium.h>
#include <string.h>

static int variant(int padded) {
    return padded ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
}

size_t vault_b64_encoded_len(size_t len, int padded) {
    return padded ? (len + 2) / 3 * 4 : (len * 4 + 2) / 3;
}

void vault_b64_encode(char *out, const uint8_t *in, size_t len, int padded) {
    sodium_bin2base64(out, vault_b64_encoded_len(len, padded) + 1, in, len, variant(padded));
}

int vault_b64_decode(const char *in, size_t len, int padded, uint8_t *out, size_t out_size, size_t *out_len) {
    size_t n = 0;
    const char *end = NULL;
    if (len == 0) {
        *out_len = 0;
        return 0;
    }
    /* Only the alphabet (and '=' where padding is allowed, at the end): checked here rather than
     * trusting the codec with bytes >= 0x80. */
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
                 (padded && c == '=' && i + 2 >= len);
        if (!ok) return -1;
    }
    if (sodium_base642bin(out, out_size, in, len, NULL, &n, &end, variant(padded)) != 0 || end != in + len) return -1;
    if (vault_b64_encoded_len(n, padded) != len) {
        sodium_memzero(out, n);
        return -1;
    }
    *out_len = n;
    return 0;
}
