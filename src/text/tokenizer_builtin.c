/* tokenizer_builtin.c — see tokenizer_builtin.h. The vocabulary is written as vocab.json text and
 * handed to tokenizer_load_memory, so the built-in tokenizer is the same code as a loaded one. */
#include "text/tokenizer_builtin.h"

#include <stdlib.h>
#include <string.h>

#include "text/unicode.h"

/* cmake/EmbedFile.cmake's output for third_party/clip-vocab/merges.txt. */
extern const unsigned char pixeen_clip_merges[];
extern const size_t pixeen_clip_merges_size;

/* HF (and openai's SimpleTokenizer) use the first 49152 - 256 - 2 merges. */
#define BUILTIN_MERGES 48894
#define BUILTIN_VOCAB (512 + BUILTIN_MERGES + 2)

int tokenizer_builtin_vocab_size(void) { return BUILTIN_VOCAB; }

typedef struct text_buf {
    char *data;
    size_t len, cap;
} text_buf;

static bool put(text_buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1u << 20;
        while (cap < b->len + n + 1) cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) return false;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
    return true;
}

/* "piece": id, with JSON escapes for the two symbols that need them. */
static bool put_entry(text_buf *b, const char *piece, size_t n, int id) {
    bool ok = put(b, b->len > 1 ? ",\"" : "\"", b->len > 1 ? 2 : 1);
    for (size_t i = 0; ok && i < n; i++) {
        if (piece[i] == '"' || piece[i] == '\\') ok = put(b, "\\", 1);
        if (ok) ok = put(b, piece + i, 1);
    }
    char tail[32];
    int k = snprintf(tail, sizeof tail, "\":%d", id);
    return ok && put(b, tail, (size_t)k);
}

/* The byte symbols in bytes_to_unicode's order: printable Latin-1 bytes as themselves, then the
 * other 68 bytes, in byte order, as U+0100 onwards. */
static int byte_symbols(char sym[256][4], size_t len[256]) {
    int n = 0, extra = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int b = 0; b < 256; b++) {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            if (printable != (pass == 0)) continue;
            uint32_t cp = printable ? (uint32_t)b : (uint32_t)(256 + extra++);
            len[n] = utf8_encode(cp, (uint8_t *)sym[n]);
            n++;
        }
    return n;
}

pixeen_status tokenizer_load_builtin(bool openclip_pad, tokenizer **out) {
    if (!out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "tokenizer: null argument");
    *out = NULL;
    char sym[256][4];
    size_t sym_len[256];
    byte_symbols(sym, sym_len);
    text_buf v = {0};
    bool ok = put(&v, "{", 1);
    int id = 0;
    for (int w = 0; w < 2; w++)
        for (int i = 0; ok && i < 256; i++) {
            char piece[16];
            memcpy(piece, sym[i], sym_len[i]);
            size_t n = sym_len[i];
            if (w) {
                memcpy(piece + n, "</w>", 4);
                n += 4;
            }
            ok = put_entry(&v, piece, n, id++);
        }
    /* merges.txt: a "#version" line, then "left right" per line */
    const char *m = (const char *)pixeen_clip_merges, *end = m + pixeen_clip_merges_size;
    size_t merges_len = 0;
    int merges = 0;
    const char *line = m;
    while (ok && line < end && merges < BUILTIN_MERGES) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl) nl = end;
        if (line != m || line[0] != '#') {
            const char *space = memchr(line, ' ', (size_t)(nl - line));
            if (!space) break;
            char piece[256];
            size_t a = (size_t)(space - line), b = (size_t)(nl - space - 1);
            if (a + b >= sizeof piece) break;
            memcpy(piece, line, a);
            memcpy(piece + a, space + 1, b);
            ok = put_entry(&v, piece, a + b, id++);
            merges++;
        }
        line = nl + 1;
        merges_len = (size_t)(line - m);
    }
    if (ok) ok = put_entry(&v, "<|startoftext|>", 15, id++) && put_entry(&v, "<|endoftext|>", 13, id++) && put(&v, "}", 1);
    pixeen_status st;
    if (!ok) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "tokenizer: building the built-in vocabulary");
    else if (merges != BUILTIN_MERGES || id != BUILTIN_VOCAB)
        st = error_set(PIXEEN_ERROR_INTERNAL, "tokenizer: the embedded merges hold %d merges (expected %d)", merges,
                       BUILTIN_MERGES);
    else {
        static const char openclip[] = "{\"pad_token\": \"!\"}";
        if (merges_len > pixeen_clip_merges_size) merges_len = pixeen_clip_merges_size;
        st = tokenizer_load_memory(v.data, v.len, (const char *)pixeen_clip_merges, merges_len,
                                   openclip_pad ? openclip : NULL, openclip_pad ? sizeof openclip - 1 : 0, out);
    }
    free(v.data);
    return st;
}
