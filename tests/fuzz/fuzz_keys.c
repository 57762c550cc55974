/* fuzz_keys.c — libFuzzer target for the key files: identity files (AGE-SECRET-KEY-1… lines,
 * Bech32 with its checksum) and recipients files (age1… lines), both with comments, blank lines,
 * CR LF endings and over-long lines. The first byte chooses the parser. Seeds in
 * tests/data/corpus/keys: an age-keygen identity file, a recipients file, and damaged copies. */
#include <stddef.h>
#include <stdint.h>

#include "vault/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        uint8_t pks[4][32];
        size_t count = 0;
        vault_recipients_parse(text, len, pks, 4, &count);
    } else {
        vault_identity_set set = {0};
        if (vault_identities_parse(text, len, "fuzz", &set) == PIXEEN_OK) vault_identities_free(&set);
    }
    return 0;
}
