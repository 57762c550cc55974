/* armor.c — strict ASCII armor for age files (see armor.h). Decoding gathers the base64 lines,
 * checks the column rules line by line, then decodes the whole text canonically.
 * Entry points: vault_armor_detect, vault_armor_decode, vault_armor_encode. */
#include "vault/armor.h"

#include <stdlib.h>
#include <string.h>

#include "vault/b64.h"

static const char begin_line[] = "-----BEGIN AGE ENCRYPTED FILE-----";
static const char end_line[] = "-----END AGE ENCRYPTED FILE-----";
enum { COLUMNS = 64 }; /* the spec's line width (48 bytes per line) */

static int is_space(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int vault_armor_detect(const uint8_t *in, size_t len) {
    size_t i = 0;
    while (i < len && is_space(in[i])) i++;
    return len - i >= 5 && !memcmp(in + i, "-----", 5); /* 5: the dashes every armor line opens with */
}

/* Line [pos, end) without its LF or CRLF; *next is past the line end (or len when none). */
static size_t read_line(const uint8_t *in, size_t len, size_t pos, size_t *next, int *had_eol) {
    size_t i = pos;
    while (i < len && in[i] != '\n') i++;
    *had_eol = i < len;
    *next = i < len ? i + 1 : len;
    if (i < len && i > pos && in[i - 1] == '\r') i--;
    return i - pos;
}

int vault_armor_decode(const uint8_t *in, size_t len, age_buf *out) {
    size_t pos = 0, next = 0, n;
    int eol = 0, rc = -1;
    while (pos < len && is_space(in[pos])) pos++;
    n = read_line(in, len, pos, &next, &eol);
    if (!eol || n != strlen(begin_line) || memcmp(in + pos, begin_line, n)) return -1;
    pos = next;
    char *text = malloc(len + 1);
    if (!text) return -1;
    size_t text_len = 0;
    int short_seen = 0;
    for (;;) {
        if (pos >= len) goto done; /* no END line */
        n = read_line(in, len, pos, &next, &eol);
        const uint8_t *line = in + pos;
        if (n == strlen(end_line) && !memcmp(line, end_line, n)) break;
        /* A data line: 1..64 base64 characters; only the last may be short; '=' only in the last. */
        if (!eol || n == 0 || n > COLUMNS || short_seen) goto done;
        for (size_t i = 0; i < n; i++) {
            uint8_t c = line[i];
            int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                     c == '/' || c == '=';
            if (!ok) goto done;
        }
        if (n < COLUMNS || line[n - 1] == '=') short_seen = 1;
        memcpy(text + text_len, line, n);
        text_len += n;
        pos = next;
    }
    for (size_t i = next; i < len; i++)
        if (!is_space(in[i])) goto done; /* nothing but whitespace after the armor */
    for (size_t i = 0; i < text_len; i++)
        if (text[i] == '=' && (i + 2 < text_len || (i + 1 < text_len && text[i + 1] != '='))) goto done;
    size_t cap = text_len / 4 * 3 + 3, got = 0;
    if (age_buf_reserve(out, cap)) goto done;
    if (vault_b64_decode(text, text_len, 1, out->data + out->len, cap, &got)) goto done;
    out->len += got;
    rc = 0;
done:
    free(text);
    return rc;
}

int vault_armor_encode(const uint8_t *in, size_t len, age_buf *out) {
    if (age_buf_append(out, begin_line, strlen(begin_line)) || age_buf_append(out, "\n", 1)) return -1;
    for (size_t off = 0; off < len; off += 48) {
        size_t take = len - off < 48 ? len - off : 48;
        char line[COLUMNS + 1];
        vault_b64_encode(line, in + off, take, 1);
        if (age_buf_append(out, line, strlen(line)) || age_buf_append(out, "\n", 1)) return -1;
    }
    if (age_buf_append(out, end_line, strlen(end_line)) || age_buf_append(out, "\n", 1)) return -1;
    return 0;
}
