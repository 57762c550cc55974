/* test_vault_cctv.c — the C2SP CCTV age test vectors (npm package cctv-age, fetched into the build
 * folder by tests/fetch-cctv.sh; the test skips with exit 77 when they are absent).
 *
 * For every vector whose features Pixeen implements (X25519, scrypt, armor) the decryption must stop
 * at the expected stage (success, header / armor / HMAC / payload failure, no match), the plaintext
 * released chunk by chunk must hash to the expected SHA-256, and the public open (which releases
 * nothing unless everything authenticated) must succeed exactly for the success vectors. Vectors
 * needing other features (ML-KEM hybrid identities) are counted as skipped with the reason.
 * The vector folder is $PIXEEN_CCTV_DIR, else $PIXEEN_TEST_BIN/cctv-age/testdata.
 */
#include <dirent.h>
#include <sodium.h>

#include "test.h"
#include "vault/age.h"
#include "vault/keys.h"

static const char *result_names[] = {"success",        "armor failure", "header failure", "no match",
                                     "HMAC failure",   "payload failure", "out of memory"};

static int hash_chunk(const uint8_t *pt, size_t len, void *user) {
    crypto_hash_sha256_update(user, pt, len);
    return 0;
}

static int skipped;

/* Runs one vector; `data` is the whole file. */
static void run_vector(const char *name, uint8_t *data, size_t size) {
    char expect[64] = "", payload_hex[65] = "", skip_reason[128] = "";
    uint8_t keys[8][32];
    size_t key_count = 0;
    char passphrase[128] = "";
    int has_passphrase = 0, armored = 0;
    size_t pos = 0;
    /* Textual header: "key: value" lines, then an empty line. */
    while (pos < size && data[pos] != '\n') {
        size_t end = pos;
        while (end < size && data[end] != '\n') end++;
        char line[512];
        size_t n = end - pos < sizeof line - 1 ? end - pos : sizeof line - 1;
        memcpy(line, data + pos, n);
        line[n] = 0;
        pos = end + 1;
        char *colon = strstr(line, ": ");
        if (!colon) continue;
        *colon = 0;
        const char *value = colon + 2;
        if (!strcmp(line, "expect")) snprintf(expect, sizeof expect, "%s", value);
        else if (!strcmp(line, "armored")) armored = !strcmp(value, "yes");
        else if (!strcmp(line, "payload")) snprintf(payload_hex, sizeof payload_hex, "%s", value);
        else if (!strcmp(line, "passphrase")) {
            snprintf(passphrase, sizeof passphrase, "%s", value);
            has_passphrase = 1;
        } else if (!strcmp(line, "identity")) {
            if (key_count == 8 || vault_identity_parse(value, keys[key_count]) != PIXEEN_OK)
                snprintf(skip_reason, sizeof skip_reason, "identity type not implemented (%.20s...)", value);
            else
                key_count++;
        } else if (!strcmp(line, "compressed")) {
            snprintf(skip_reason, sizeof skip_reason, "still compressed (run tests/fetch-cctv.sh)");
        }
    }
    pos++; /* the empty line */
    if (skip_reason[0]) {
        printf("skip %-40s %s\n", name, skip_reason);
        skipped++;
        return;
    }
    const uint8_t *file = data + pos;
    size_t file_len = pos <= size ? size - pos : 0;
    age_identities ids = {.x25519 = (const uint8_t(*)[32])keys, .x25519_count = key_count,
                          .passphrase = has_passphrase ? passphrase : NULL};
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    age_result r = age_decrypt(&ids, armored ? AGE_FORMAT_ARMOR : AGE_FORMAT_DETECT, file, file_len, hash_chunk, &st);
    uint8_t hash[32];
    char hex[65];
    crypto_hash_sha256_final(&st, hash);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    int ok = !strcmp(result_names[r], expect);
    if (!ok) fprintf(stderr, "%s: got '%s', expected '%s'\n", name, result_names[r], expect);
    CHECK(ok);
    if (payload_hex[0] && (r == AGE_RESULT_OK || r == AGE_RESULT_PAYLOAD)) {
        int same = !strcmp(hex, payload_hex);
        if (!same) fprintf(stderr, "%s: released plaintext hashes to %s, expected %s\n", name, hex, payload_hex);
        CHECK(same);
    }
    /* The public path: all or nothing. */
    vault_secret *plain = NULL;
    pixeen_status s = vault_age_open(&ids, file, file_len, &plain);
    if (!strcmp(expect, "success")) {
        CHECK_OK(s);
        if (s == PIXEEN_OK) {
            crypto_hash_sha256(hash, plain->data, plain->len);
            sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
            CHECK(!strcmp(hex, payload_hex));
        }
    } else {
        CHECK(s == PIXEEN_ERROR_DECRYPT && plain == NULL);
    }
    vault_secret_destroy(plain);
    sodium_memzero(keys, sizeof keys);
}

int main(void) {
    char dir_path[4096];
    const char *dir_env = getenv("PIXEEN_CCTV_DIR");
    const char *bin = getenv("PIXEEN_TEST_BIN");
    if (dir_env) snprintf(dir_path, sizeof dir_path, "%s", dir_env);
    else snprintf(dir_path, sizeof dir_path, "%s/cctv-age/testdata", bin ? bin : "build");
    DIR *dir = opendir(dir_path);
    if (!dir) {
        printf("CCTV vectors not found in %s (run tests/fetch-cctv.sh BUILD_DIR)\n", dir_path);
        TEST_SKIP("no CCTV age vectors");
    }
    CHECK(sodium_init() >= 0);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir_path, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *data = malloc((size_t)size + 1);
        if (data && fread(data, 1, (size_t)size, f) == (size_t)size) {
            run_vector(e->d_name, data, (size_t)size);
            count++;
        }
        free(data);
        fclose(f);
    }
    closedir(dir);
    printf("%d vectors: %d run, %d skipped\n", count, count - skipped, skipped);
    CHECK(count > 100); /* cctv-age 0.2.0 has 143 */
    return test_finish();
}
