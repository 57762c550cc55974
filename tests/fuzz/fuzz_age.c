/* fuzz_age.c — libFuzzer target for the age reader. The first input byte picks what the rest is:
 *   even: a whole age file (binary or armored) opened with a fixed X25519 identity and passphrase
 *         (scrypt capped at 2^4 so each input stays fast), through header parsing, stanza
 *         unwrapping, MAC and STREAM;
 *   odd:  a STREAM payload (nonce + chunks) opened with a fixed file key, so the fuzzer reaches
 *         the chunk logic without having to forge a header MAC.
 * Seeds in tests/data/corpus/age were made by sealing small payloads to the fixed key
 * (AGE-SECRET-KEY with 32 bytes 0x42) and passphrase "fuzz" at log2(N) = 2. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault/age.h"
#include "vault/armor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink(const uint8_t *pt, size_t len, void *user) {
    size_t *total = user;
    *total += len;
    if (len) *total += pt[0] + pt[len - 1]; /* touch the released bytes */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    static uint8_t key[1][32];
    memset(key, 0x42, sizeof key);
    size_t total = 0;
    if ((data[0] & 1) == 0) {
        age_identities ids = {.x25519 = (const uint8_t(*)[32])key, .x25519_count = 1, .passphrase = "fuzz",
                              .max_log_n = 4};
        age_decrypt(&ids, AGE_FORMAT_DETECT, data + 1, size - 1, sink, &total);
        age_header hdr;
        if (age_header_parse(data + 1, size - 1, &hdr) == 0) age_header_free(&hdr);
        age_buf out = {0};
        vault_armor_decode(data + 1, size - 1, &out);
        free(out.data);
    } else {
        uint8_t file_key[AGE_FILE_KEY];
        memset(file_key, 0x24, sizeof file_key);
        age_stream_open(file_key, data + 1, size - 1, sink, &total);
    }
    return 0;
}
