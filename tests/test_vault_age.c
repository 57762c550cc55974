/* test_vault_age.c — age v1 in memory: primitives against published vectors (HKDF RFC 5869,
 * Bech32 against age-keygen output), round trips at the STREAM chunk boundaries, truncation at
 * every chunk boundary, bit flips in header and payload, oversized headers, the scrypt work-factor
 * cap, non-canonical base64, wrong keys, armor. CPU only; scrypt uses log2(N) <= 10 except where
 * the cap is tested (which must fail before any work). */
#include <sodium.h>

#include "test.h"
#include "vault/age.h"
#include "vault/armor.h"
#include "vault/b64.h"
#include "vault/bech32.h"
#include "vault/hkdf.h"
#include "vault/keys.h"

static uint8_t sk[32], pk[32], sk2[32];

static void test_hkdf(void) {
    /* RFC 5869 test case 1. */
    uint8_t ikm[22], salt[13], okm[42], want[42];
    char info[11];
    memset(ikm, 0x0b, sizeof ikm);
    for (int i = 0; i < 13; i++) salt[i] = (uint8_t)i;
    for (int i = 0; i < 10; i++) info[i] = (char)(0xf0 + i);
    info[10] = 0;
    sodium_hex2bin(want, sizeof want,
                   "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865", 84, NULL,
                   NULL, NULL);
    CHECK(vault_hkdf_sha256(okm, sizeof okm, ikm, sizeof ikm, salt, sizeof salt, info) == 0);
    CHECK(!memcmp(okm, want, sizeof want));
}

static void test_keys(void) {
    /* An identity made by age-keygen and its recipient as age-keygen -y prints it. */
    const char *id = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";
    uint8_t k[32];
    char back[VAULT_IDENTITY_LEN + 1], rcpt[VAULT_RECIPIENT_LEN + 1];
    CHECK_OK(vault_identity_parse(id, k));
    vault_identity_format(k, back);
    CHECK(!strcmp(back, id));
    vault_identity_recipient(k, rcpt);
    CHECK(!strncmp(rcpt, "age1", 4) && strlen(rcpt) == VAULT_RECIPIENT_LEN);
    uint8_t p[32], p2[32];
    CHECK_OK(vault_recipient_parse(rcpt, p));
    crypto_scalarmult_base(p2, k);
    CHECK(!memcmp(p, p2, 32));
    /* Corruptions: a changed character (checksum), mixed case, wrong hrp, truncated. */
    char bad[VAULT_IDENTITY_LEN + 1];
    snprintf(bad, sizeof bad, "%s", id);
    bad[30] = bad[30] == 'Q' ? 'P' : 'Q';
    CHECK_STATUS(vault_identity_parse(bad, k), PIXEEN_ERROR_KEY);
    snprintf(bad, sizeof bad, "%s", id);
    bad[40] = (char)(bad[40] | 0x20);
    CHECK_STATUS(vault_identity_parse(bad, k), PIXEEN_ERROR_KEY);
    CHECK_STATUS(vault_recipient_parse(id, k), PIXEEN_ERROR_KEY);
    rcpt[20] = 0;
    CHECK_STATUS(vault_recipient_parse(rcpt, k), PIXEEN_ERROR_KEY);
    CHECK_STATUS(vault_identity_parse("AGE-SECRET-KEY-PQ-1XYZ", k), PIXEEN_ERROR_UNSUPPORTED);
    /* BIP 173 valid vector with an uppercase string. */
    char hrp[16];
    uint8_t data[64];
    size_t len = 0;
    CHECK(vault_bech32_decode("A12UEL5L", hrp, sizeof hrp, data, sizeof data, &len) == 0 && len == 0 &&
          !strcmp(hrp, "a"));
    CHECK(vault_bech32_decode("a12uel5l", hrp, sizeof hrp, data, sizeof data, &len) == 0);
    CHECK(vault_bech32_decode("A12uEL5L", hrp, sizeof hrp, data, sizeof data, &len) != 0);
    /* Identity file parsing: comments, blank lines, CRLF. */
    char file[512];
    snprintf(file, sizeof file, "# created: now\r\n\n# public key: x\r\n%s\r\n", id);
    vault_identity_set set = {0};
    CHECK_OK(vault_identities_parse(file, strlen(file), "test", &set));
    CHECK_OK(vault_identity_parse(id, k));
    CHECK(set.count == 1 && !memcmp(set.keys->data, k, 32));
    vault_identities_free(&set);
    CHECK_STATUS(vault_identities_parse("# nothing\n", 10, "test", &set), PIXEEN_ERROR_KEY);
    CHECK_STATUS(vault_identities_parse("garbage\n", 8, "test", &set), PIXEEN_ERROR_KEY);
}

/* Key files cut at every length and with every bit of the key line flipped: an error or the
 * right key, never a crash and never a different key (Bech32's checksum catches every flip). */
static void test_damaged_key_files(void) {
    const char *id = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";
    char rcpt_line[VAULT_RECIPIENT_LEN + 1];
    uint8_t want[32], want_pk[32];
    CHECK_OK(vault_identity_parse(id, want));
    vault_identity_recipient(want, rcpt_line);
    CHECK_OK(vault_recipient_parse(rcpt_line, want_pk));
    char file[256];
    size_t n = (size_t)snprintf(file, sizeof file, "# created: now\n%s\n", id);
    size_t key_at = n - 1 - strlen(id);
    for (size_t cut = 0; cut <= n; cut++) {
        vault_identity_set set = {0};
        pixeen_status s = vault_identities_parse(file, cut, "cut", &set);
        CHECK(s == (cut >= n - 1 ? PIXEEN_OK : PIXEEN_ERROR_KEY));
        if (s == PIXEEN_OK) CHECK(set.count == 1 && !memcmp(set.keys->data, want, 32));
        vault_identities_free(&set);
    }
    for (size_t i = key_at; i < n - 1; i++) {
        for (int bit = 0; bit < 8; bit++) {
            file[i] ^= (char)(1 << bit);
            vault_identity_set set = {0};
            pixeen_status s = vault_identities_parse(file, n, "flip", &set);
            /* a flip of the case bit (0x20) in a letter is the same key: Bech32 is case-insensitive
             * per string, and a one-letter case change makes it mixed case: refused */
            CHECK(s == PIXEEN_ERROR_KEY || (s == PIXEEN_OK && !memcmp(set.keys->data, want, 32)));
            vault_identities_free(&set);
            file[i] ^= (char)(1 << bit);
        }
    }
    n = (size_t)snprintf(file, sizeof file, "%s\n", rcpt_line);
    for (size_t cut = 0; cut <= n; cut++) {
        uint8_t pks[2][32];
        size_t count = 0;
        pixeen_status s = vault_recipients_parse(file, cut, pks, 2, &count);
        CHECK(s == (cut == 0 || cut >= n - 1 ? PIXEEN_OK : PIXEEN_ERROR_KEY));
        CHECK(count == (cut >= n - 1));
        if (count) CHECK(!memcmp(pks[0], want_pk, 32));
    }
}

static void test_b64(void) {
    uint8_t out[8];
    size_t n = 0;
    CHECK(vault_b64_decode("AAE", 3, 0, out, sizeof out, &n) == 0 && n == 2);
    CHECK(vault_b64_decode("AAF", 3, 0, out, sizeof out, &n) != 0);  /* non-zero unused bits */
    CHECK(vault_b64_decode("AAE=", 4, 0, out, sizeof out, &n) != 0); /* padding where none is allowed */
    CHECK(vault_b64_decode("AAE=", 4, 1, out, sizeof out, &n) == 0);
    CHECK(vault_b64_decode("AA E", 4, 0, out, sizeof out, &n) != 0);
    CHECK(vault_b64_decode("A", 1, 0, out, sizeof out, &n) != 0);
}

static int count_chunk(const uint8_t *pt, size_t len, void *user) {
    (void)pt;
    *(size_t *)user += len;
    return 0;
}

static age_result open_with(const uint8_t *file, size_t len, const uint8_t (*key)[32], const char *pass,
                            vault_secret **plain) {
    age_identities ids = {.x25519 = key, .x25519_count = key ? 1 : 0,
                          .passphrase = pass};
    pixeen_status s = vault_age_open(&ids, file, len, plain);
    if (s == PIXEEN_OK) return AGE_RESULT_OK;
    CHECK(s == PIXEEN_ERROR_DECRYPT && *plain == NULL);
    return age_decrypt(&ids, AGE_FORMAT_DETECT, file, len, count_chunk, &(size_t){0}) == AGE_RESULT_OK ? AGE_RESULT_NO_MEMORY
                                                                                        : AGE_RESULT_PAYLOAD;
}

static age_buf seal_x25519(const uint8_t *pt, size_t len, int armor) {
    age_recipients r = {.x25519 = (const uint8_t(*)[32])pk, .x25519_count = 1, .armor = armor};
    age_buf out = {0};
    CHECK_OK(vault_age_seal(&r, pt, len, &out));
    return out;
}

static void test_round_trips(void) {
    static const size_t sizes[] = {0, 1, 65535, 65536, 65537, 131072};
    uint8_t *pt = malloc(131072);
    randombytes_buf(pt, 131072);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t len = sizes[i];
        age_buf f = seal_x25519(pt, len, 0);
        vault_secret *plain = NULL;
        CHECK(open_with(f.data, f.len, &sk, NULL, &plain) == AGE_RESULT_OK);
        CHECK(plain && plain->len == len && !memcmp(plain->data, pt, len));
        vault_secret_destroy(plain);
        /* Wrong key: no match. */
        plain = NULL;
        CHECK(open_with(f.data, f.len, &sk2, NULL, &plain) != AGE_RESULT_OK);
        age_identities wrong = {.x25519 = (const uint8_t(*)[32])sk2, .x25519_count = 1};
        CHECK(age_decrypt(&wrong, AGE_FORMAT_DETECT, f.data, f.len, count_chunk, &(size_t){0}) == AGE_RESULT_NO_MATCH);

        /* Truncation at every chunk boundary (and one byte either side), and at the header end. */
        age_header hdr;
        CHECK(age_header_parse(f.data, f.len, &hdr) == 0);
        size_t payload = hdr.header_len;
        age_header_free(&hdr);
        age_identities ids = {.x25519 = (const uint8_t(*)[32])sk, .x25519_count = 1};
        size_t cuts[64], ncut = 0;
        cuts[ncut++] = 0;
        cuts[ncut++] = payload - 1;
        cuts[ncut++] = payload;
        cuts[ncut++] = payload + AGE_NONCE;
        for (size_t b = payload + AGE_NONCE; b < f.len; b += AGE_CHUNK + AGE_TAG) {
            if (b > payload + AGE_NONCE) cuts[ncut++] = b;
            cuts[ncut++] = b + 1;
            if (b + AGE_CHUNK + AGE_TAG - 1 < f.len) cuts[ncut++] = b + AGE_CHUNK + AGE_TAG - 1;
        }
        cuts[ncut++] = f.len - 1;
        for (size_t c = 0; c < ncut; c++) {
            if (cuts[c] >= f.len) continue;
            size_t released = 0;
            age_result r = age_decrypt(&ids, AGE_FORMAT_DETECT, f.data, cuts[c], count_chunk, &released);
            if (r == AGE_RESULT_OK) fprintf(stderr, "size %zu: truncation at %zu of %zu opened\n", len, cuts[c], f.len);
            CHECK(r != AGE_RESULT_OK);
            plain = NULL;
            CHECK(open_with(f.data, cuts[c], &sk, NULL, &plain) != AGE_RESULT_OK);
        }
        /* Appended bytes after the final chunk. */
        uint8_t *longer = malloc(f.len + 1);
        memcpy(longer, f.data, f.len);
        longer[f.len] = 0;
        CHECK(age_decrypt(&ids, AGE_FORMAT_DETECT, longer, f.len + 1, count_chunk, &(size_t){0}) != AGE_RESULT_OK);
        free(longer);

        /* Bit flips: every header byte for the small files, and samples across the payload. */
        size_t step = len <= 1 ? 1 : 997; /* 997: prime stride hits all positions within chunks */
        for (size_t pos = 0; pos < f.len; pos += (pos < payload && len <= 1) ? 1 : step) {
            for (int bit = 0; bit < 8; bit += 7) {
                f.data[pos] ^= (uint8_t)(1u << bit);
                age_result r = age_decrypt(&ids, AGE_FORMAT_DETECT, f.data, f.len, count_chunk, &(size_t){0});
                f.data[pos] ^= (uint8_t)(1u << bit);
                if (r == AGE_RESULT_OK) fprintf(stderr, "size %zu: flip at %zu bit %d opened\n", len, pos, bit);
                CHECK(r != AGE_RESULT_OK);
            }
        }
        free(f.data);
    }
    /* Armor round trip. */
    age_buf a = seal_x25519(pt, 1000, 1);
    CHECK(vault_armor_detect(a.data, a.len));
    vault_secret *plain = NULL;
    CHECK(open_with(a.data, a.len, &sk, NULL, &plain) == AGE_RESULT_OK);
    CHECK(plain && plain->len == 1000 && !memcmp(plain->data, pt, 1000));
    vault_secret_destroy(plain);
    free(a.data);
    free(pt);
}

/* Builds a header with one custom stanza and a correct MAC is impossible without the file key, so
 * header checks here are about parsing: they must fail before any key work. */
static void test_header_rules(void) {
    age_identities ids = {.x25519 = (const uint8_t(*)[32])sk, .x25519_count = 1, .passphrase = "pw"};
    const char *bad_headers[] = {
        "", "age-encryption.org/v2\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "age-encryption.org/v1\r\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "age-encryption.org/v1\n->  X25519 AAAA\n\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "age-encryption.org/v1\n-> X25519\tAAAA\n\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "age-encryption.org/v1\n-> X\nAAA=\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", /* padding */
        "age-encryption.org/v1\n-> X\nAAF\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", /* non-canonical */
        "age-encryption.org/v1\n-> X\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", /* no body line */
        "age-encryption.org/v1\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB\n",  /* MAC not canonical */
        "age-encryption.org/v1\n---  AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "age-encryption.org/v1\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* no LF */
        /* scrypt above the cap (2^23): must be refused without computing. */
        "age-encryption.org/v1\n-> scrypt AAAAAAAAAAAAAAAAAAAAAA 23\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
        "--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "age-encryption.org/v1\n-> scrypt AAAAAAAAAAAAAAAAAAAAAA 08\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
        "--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        /* scrypt not alone */
        "age-encryption.org/v1\n-> scrypt AAAAAAAAAAAAAAAAAAAAAA 8\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
        "-> X y\n\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        /* X25519 share not canonical (43 chars with non-zero trailing bits) */
        "age-encryption.org/v1\n-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB\n"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
    };
    for (size_t i = 0; i < sizeof bad_headers / sizeof bad_headers[0]; i++) {
        age_result r = age_decrypt(&ids, AGE_FORMAT_DETECT, (const uint8_t *)bad_headers[i], strlen(bad_headers[i]),
                                   count_chunk, &(size_t){0});
        if (r != AGE_RESULT_HEADER) fprintf(stderr, "header %zu: result %d (expected header failure)\n", i, r);
        CHECK(r == AGE_RESULT_HEADER);
    }
    /* Oversized header: a grease stanza with a body longer than AGE_HEADER_MAX. */
    size_t big = AGE_HEADER_MAX + 4096;
    char *h = malloc(big + 200);
    size_t n = (size_t)sprintf(h, "age-encryption.org/v1\n-> grease\n");
    while (n < big) n += (size_t)sprintf(h + n, "%.64s\n",
                                          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    n += (size_t)sprintf(h + n, "\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    CHECK(age_decrypt(&ids, AGE_FORMAT_DETECT, (const uint8_t *)h, n, count_chunk, &(size_t){0}) == AGE_RESULT_HEADER);
    age_header hdr;
    CHECK(age_header_parse((const uint8_t *)h, n, &hdr) != 0);
    free(h);
}

static void test_passphrase(void) {
    const char *pt = "a picture of a lighthouse";
    age_recipients r = {.passphrase = "correct horse", .log_n = 10}; /* 10: fast in tests */
    age_buf f = {0};
    CHECK_OK(vault_age_seal(&r, (const uint8_t *)pt, strlen(pt), &f));
    vault_secret *plain = NULL;
    CHECK(open_with(f.data, f.len, NULL, "correct horse", &plain) == AGE_RESULT_OK);
    CHECK(plain && plain->len == strlen(pt) && !memcmp(plain->data, pt, strlen(pt)));
    vault_secret_destroy(plain);
    age_identities wrong = {.passphrase = "wrong horse"};
    CHECK(age_decrypt(&wrong, AGE_FORMAT_DETECT, f.data, f.len, count_chunk, &(size_t){0}) == AGE_RESULT_NO_MATCH);
    age_identities capped = {.passphrase = "correct horse", .max_log_n = 9};
    CHECK(age_decrypt(&capped, AGE_FORMAT_DETECT, f.data, f.len, count_chunk, &(size_t){0}) == AGE_RESULT_HEADER);
    /* The default cap accepts the age CLI's default work factor (18); checked by parsing only. */
    CHECK(AGE_SCRYPT_LOG_N_MAX >= 18);
    free(f.data);
    /* Seal refuses both recipients and a passphrase, and neither. */
    age_recipients both = {.x25519 = (const uint8_t(*)[32])pk, .x25519_count = 1, .passphrase = "x"};
    age_buf g = {0};
    CHECK_STATUS(vault_age_seal(&both, NULL, 0, &g), PIXEEN_ERROR_INVALID_ARGUMENT);
    age_recipients none = {0};
    CHECK_STATUS(vault_age_seal(&none, NULL, 0, &g), PIXEEN_ERROR_INVALID_ARGUMENT);
    free(g.data);
}

int main(void) {
    CHECK(sodium_init() >= 0);
    randombytes_buf(sk, sizeof sk);
    randombytes_buf(sk2, sizeof sk2);
    crypto_scalarmult_base(pk, sk);
    test_hkdf();
    test_keys();
    test_damaged_key_files();
    test_b64();
    test_round_trips();
    test_header_rules();
    test_passphrase();
    return test_finish();
}
