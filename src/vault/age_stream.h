/* age_stream.h — the age v1 payload: a 16-byte nonce, then STREAM chunks of 64 KiB of plaintext,
 * each sealed with ChaCha20-Poly1305 under HKDF-SHA-256(file key, salt = nonce, "payload") with
 * the 12-byte nonce = 11-byte big-endian chunk counter || last-chunk flag (0x00, or 0x01 on the
 * final chunk). The final chunk may be full; it may be empty only if it is the only chunk.
 * Leaves out: incremental (file-descriptor) streaming — Pixeen's payloads are images that fit in
 * memory. Entry points: age_stream_seal, age_stream_open, age_stream_plain_len.
 */
#ifndef PIXEEN_VAULT_AGE_STREAM_H
#define PIXEEN_VAULT_AGE_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "vault/age_header.h"

#define AGE_CHUNK 65536   /* plaintext bytes per STREAM chunk (spec) */
#define AGE_TAG 16        /* Poly1305 tag */
#define AGE_NONCE 16      /* payload nonce (spec) */
#define AGE_FILE_KEY 16   /* file key (spec) */

/* Appends nonce || chunks for `pt` to `out`. Returns 0, or -1 on allocation failure. */
int age_stream_seal(age_buf *out, const uint8_t file_key[AGE_FILE_KEY], const uint8_t *pt, size_t len);

/* Called with each chunk's plaintext only after that chunk authenticated. Return 0 to go on. */
typedef int (*age_chunk_fn)(const uint8_t *pt, size_t len, void *user);

/* Decrypts nonce || chunks in `in` (exactly `len` bytes: nothing may follow the final chunk).
 * Returns 0 when every chunk authenticated and the last one carried the final flag; -2 when the
 * nonce is missing or short (a header-level failure, as age counts it); -1 for any other
 * failure. Chunks before the failing one were already passed to `fn`. */
int age_stream_open(const uint8_t file_key[AGE_FILE_KEY], const uint8_t *in, size_t len, age_chunk_fn fn, void *user);

/* Upper bound of the plaintext held in `len` payload bytes (nonce included). */
size_t age_stream_plain_len(size_t len);

#endif
