/* age_header.h — the textual header of an age v1 file (https://age-encryption.org/v1):
 *
 *     age-encryption.org/v1
 *     -> TYPE ARG...          one line per stanza, then its body in base64 lines of 64 columns,
 *     BODY...                 ending with a shorter (possibly empty) line
 *     --- MAC                 HMAC-SHA-256 over everything up to and including "---"
 *
 * Parsing enforces every rule of the spec (version line, single spaces, non-empty VCHAR
 * arguments, canonical unpadded base64, 64-column body lines ending in a short line, LF only, an
 * scrypt stanza alone). Leaves out: interpreting stanzas (age.c), the MAC key (age.c).
 * Entry points: age_header_parse, age_header_free, age_header_encode_*.
 */
#ifndef PIXEEN_VAULT_AGE_HEADER_H
#define PIXEEN_VAULT_AGE_HEADER_H

#include <stddef.h>
#include <stdint.h>

/* 64 KiB: an X25519 stanza is ~110 bytes, so this allows several hundred recipients while bounding
 * what a hostile file can make us allocate before any authentication. */
#define AGE_HEADER_MAX (64 * 1024)
/* Arguments per stanza: X25519 and scrypt use 1-2; 16 leaves room for unknown (grease) stanzas. */
#define AGE_STANZA_ARGS_MAX 16

typedef struct age_stanza {
    const char *args[AGE_STANZA_ARGS_MAX + 1]; /* args[0] is the type; NUL-terminated copies */
    int arg_count;                             /* including the type, >= 1 */
    uint8_t *body;                             /* decoded body (malloc), may be NULL when empty */
    size_t body_len;
} age_stanza;

typedef struct age_header {
    age_stanza *stanzas; /* [count] */
    int count;
    uint8_t mac[32];     /* decoded MAC */
    size_t mac_input_len; /* bytes of the file covered by the MAC: up to and including "---" */
    size_t header_len;    /* bytes of the whole header including the MAC line's LF */
    char *arena;          /* owns the argument strings */
} age_header;

/* Parses the header at the start of `in`. Returns 0 and fills *hdr (free with age_header_free),
 * or -1 if the header is malformed or longer than AGE_HEADER_MAX (nothing to free). */
int age_header_parse(const uint8_t *in, size_t len, age_header *hdr);
void age_header_free(age_header *hdr);

/* Encoding into a growing buffer (malloc): version line, stanzas, then "---" (MAC input end),
 * then " MAC\n". Each returns 0 or -1 on allocation failure. */
typedef struct age_buf {
    uint8_t *data;
    size_t len, cap;
} age_buf;
int age_buf_append(age_buf *b, const void *data, size_t len);
int age_buf_reserve(age_buf *b, size_t extra); /* room for `extra` more bytes */
int age_header_encode_stanza(age_buf *b, const char *const *args, int arg_count, const uint8_t *body, size_t body_len);

#endif
