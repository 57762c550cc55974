/* age_header.c — parsing and writing the age v1 header (see age_header.h for the grammar).
 * The parser walks LF-terminated lines and rejects anything not produced by a canonical encoder.
 * Entry points: age_header_parse, age_header_free, age_buf_append, age_header_encode_stanza. */
#include "vault/age_header.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault/b64.h"

static const char version_line[] = "age-encryption.org/v1";

enum { BODY_COLUMNS = 64 }; /* the spec wraps stanza bodies at 64 base64 columns (48 bytes) */

int age_buf_reserve(age_buf *b, size_t extra) {
    if (extra > SIZE_MAX / 4 - b->len) return -1;
    if (b->len + extra > b->cap) {
        size_t cap = b->cap ? b->cap : 256; /* 256: a one-recipient header fits without regrowing */
        while (cap < b->len + extra) cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p) return -1;
        b->data = p;
        b->cap = cap;
    }
    return 0;
}

int age_buf_append(age_buf *b, const void *data, size_t len) {
    if (age_buf_reserve(b, len)) return -1;
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

int age_header_encode_stanza(age_buf *b, const char *const *args, int arg_count, const uint8_t *body,
                             size_t body_len) {
    if (age_buf_append(b, "->", 2)) return -1;
    for (int i = 0; i < arg_count; i++)
        if (age_buf_append(b, " ", 1) || age_buf_append(b, args[i], strlen(args[i]))) return -1;
    if (age_buf_append(b, "\n", 1)) return -1;
    /* Full 48-byte groups give 64-column lines; the remainder (possibly nothing) a short final line. */
    size_t off = 0;
    for (;;) {
        size_t take = body_len - off >= 48 ? 48 : body_len - off;
        char line[BODY_COLUMNS + 1];
        vault_b64_encode(line, body + off, take, 0);
        if (age_buf_append(b, line, strlen(line)) || age_buf_append(b, "\n", 1)) return -1;
        off += take;
        if (take < 48) break;
    }
    return 0;
}

void age_header_free(age_header *hdr) {
    if (!hdr) return;
    for (int i = 0; i < hdr->count; i++) free(hdr->stanzas[i].body);
    free(hdr->stanzas);
    free(hdr->arena);
    memset(hdr, 0, sizeof *hdr);
}

/* Next line [*pos, lf) of the header; returns its length or -1 without an LF inside the limit. */
static long next_line(const uint8_t *in, size_t len, size_t pos, size_t *next) {
    size_t limit = len < AGE_HEADER_MAX ? len : AGE_HEADER_MAX;
    for (size_t i = pos; i < limit; i++)
        if (in[i] == '\n') {
            *next = i + 1;
            return (long)(i - pos);
        }
    return -1;
}

static int is_b64_char(uint8_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int age_header_parse(const uint8_t *in, size_t len, age_header *hdr) {
    memset(hdr, 0, sizeof *hdr);
    size_t pos = 0, next = 0;
    long n = next_line(in, len, pos, &next);
    if (n != (long)strlen(version_line) || memcmp(in, version_line, (size_t)n) != 0) return -1;
    pos = next;
    /* Every argument byte of the header fits in an arena as large as the header limit. */
    size_t arena_used = 0;
    hdr->arena = malloc(AGE_HEADER_MAX);
    if (!hdr->arena) return -1;
    int cap = 0;
    for (;;) {
        n = next_line(in, len, pos, &next);
        if (n < 0) goto fail;
        const uint8_t *line = in + pos;
        if (n >= 3 && !memcmp(line, "---", 3)) {
            /* "--- " + 43 characters of canonical base64 (32 bytes) */
            hdr->mac_input_len = pos + 3;
            size_t got = 0;
            if (n != 4 + 43 || line[3] != ' ') goto fail;
            if (vault_b64_decode((const char *)line + 4, 43, 0, hdr->mac, sizeof hdr->mac, &got) || got != 32)
                goto fail;
            hdr->header_len = next;
            return 0;
        }
        if (n < 3 || memcmp(line, "-> ", 3) != 0) goto fail;
        if (hdr->count == cap) {
            cap = cap ? cap * 2 : 4;
            age_stanza *s = realloc(hdr->stanzas, (size_t)cap * sizeof *s);
            if (!s) goto fail;
            hdr->stanzas = s;
        }
        age_stanza *st = &hdr->stanzas[hdr->count++];
        memset(st, 0, sizeof *st);
        /* Arguments: separated by exactly one space, each at least one VCHAR (0x21..0x7E). */
        size_t i = 3;
        while (i <= (size_t)n) {
            size_t start = i;
            while (i < (size_t)n && line[i] != ' ') {
                if (line[i] < 0x21 || line[i] > 0x7e) goto fail;
                i++;
            }
            if (i == start || st->arg_count == AGE_STANZA_ARGS_MAX) goto fail;
            char *arg = hdr->arena + arena_used;
            memcpy(arg, line + start, i - start);
            arg[i - start] = '\0';
            arena_used += i - start + 1;
            st->args[st->arg_count++] = arg;
            i++; /* past the space (or the end) */
        }
        pos = next;
        /* Body: lines of exactly 64 columns, ended by the first shorter line. */
        for (;;) {
            n = next_line(in, len, pos, &next);
            if (n < 0 || n > BODY_COLUMNS) goto fail;
            for (long k = 0; k < n; k++)
                if (!is_b64_char(in[pos + (size_t)k])) goto fail;
            size_t add = (size_t)n / 4 * 3 + 3, got = 0;
            uint8_t *body = realloc(st->body, st->body_len + add);
            if (!body) goto fail;
            st->body = body;
            if (vault_b64_decode((const char *)in + pos, (size_t)n, 0, st->body + st->body_len, add, &got)) goto fail;
            st->body_len += got;
            pos = next;
            if (n < BODY_COLUMNS) break;
        }
    }
fail:
    age_header_free(hdr);
    return -1;
}
