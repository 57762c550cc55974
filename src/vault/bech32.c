/* bech32.c — Bech32 checksum (BCH code over GF(32), constant 1) and the 8-bit <-> 5-bit regrouping.
 * Entry points: vault_bech32_encode, vault_bech32_decode. Keys pass through here, so every stack
 * buffer holding 5-bit groups is wiped before return. */
#include "vault/bech32.h"

#include <sodium.h>
#include <string.h>

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t chk, uint8_t value) {
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ value;
    for (int i = 0; i < 5; i++)
        if ((top >> i) & 1) chk ^= gen[i];
    return chk;
}

static uint32_t hrp_checksum(const char *hrp, size_t hrp_len) {
    uint32_t chk = 1;
    for (size_t i = 0; i < hrp_len; i++) chk = polymod_step(chk, (uint8_t)(hrp[i] >> 5));
    chk = polymod_step(chk, 0);
    for (size_t i = 0; i < hrp_len; i++) chk = polymod_step(chk, (uint8_t)(hrp[i] & 31));
    return chk;
}

int vault_bech32_encode(char *out, size_t out_size, const char *hrp, const uint8_t *data, size_t len, int upper) {
    size_t hrp_len = strlen(hrp), groups = (len * 8 + 4) / 5;
    if (hrp_len == 0 || out_size < hrp_len + 1 + groups + 6 + 1) return -1; /* hrp '1' data checksum(6) NUL */
    for (size_t i = 0; i < hrp_len; i++)
        if (hrp[i] < 33 || hrp[i] > 126 || (hrp[i] >= 'A' && hrp[i] <= 'Z')) return -1;
    uint32_t chk = hrp_checksum(hrp, hrp_len);
    size_t o = 0;
    for (size_t i = 0; i < hrp_len; i++) out[o++] = hrp[i];
    out[o++] = '1';
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len) {
            acc = (acc << 8) | data[i];
            bits += 8;
        } else if (bits > 0) {
            acc <<= 5 - bits; /* pad the last group with zero bits */
            bits = 5;
        }
        while (bits >= 5) {
            uint8_t v = (uint8_t)((acc >> (bits - 5)) & 31);
            bits -= 5;
            chk = polymod_step(chk, v);
            out[o++] = charset[v];
        }
    }
    for (int i = 0; i < 6; i++) chk = polymod_step(chk, 0);
    chk ^= 1;
    for (int i = 0; i < 6; i++) out[o++] = charset[(chk >> (5 * (5 - i))) & 31];
    out[o] = '\0';
    if (upper)
        for (size_t i = 0; i < o; i++)
            if (out[i] >= 'a' && out[i] <= 'z') out[i] = (char)(out[i] - 'a' + 'A');
    acc = 0;
    return 0;
}

int vault_bech32_decode(const char *str, char *hrp, size_t hrp_size, uint8_t *data, size_t data_size, size_t *len) {
    size_t n = strlen(str);
    int has_lower = 0, has_upper = 0;
    for (size_t i = 0; i < n; i++) {
        char c = str[i];
        if (c < 33 || c > 126) return -1;
        if (c >= 'a' && c <= 'z') has_lower = 1;
        if (c >= 'A' && c <= 'Z') has_upper = 1;
    }
    if (has_lower && has_upper) return -1;
    const char *sep = strrchr(str, '1');
    if (!sep) return -1;
    size_t hrp_len = (size_t)(sep - str), data_chars = n - hrp_len - 1;
    if (hrp_len == 0 || data_chars < 6 || hrp_len + 1 > hrp_size) return -1;
    for (size_t i = 0; i < hrp_len; i++) {
        char c = str[i];
        hrp[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    hrp[hrp_len] = '\0';
    uint32_t chk = hrp_checksum(hrp, hrp_len);
    uint32_t acc = 0;
    int bits = 0, rc = 0;
    size_t o = 0;
    for (size_t i = 0; i < data_chars; i++) {
        char c = sep[1 + i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        const char *p = strchr(charset, c);
        if (!p || !c) return -1;
        uint8_t v = (uint8_t)(p - charset);
        chk = polymod_step(chk, v);
        if (i >= data_chars - 6) continue; /* checksum characters carry no data */
        acc = (acc << 5) | v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (o >= data_size) rc = -1;
            else data[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (chk != 1) rc = -1;
    if (bits >= 5 || acc != 0) rc = -1; /* leftover must be < 5 zero bits */
    acc = 0;
    if (rc != 0) {
        sodium_memzero(data, o);
        return -1;
    }
    *len = o;
    return 0;
}
