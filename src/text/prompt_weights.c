/* prompt_weights.c — A1111 emphasis parsing and chunking (behaviour in prompt_weights.h).
 * The parser walks the same alternatives, in the same order, as A1111's re_attention regex. */
#include "text/prompt_weights.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"
#include "core/secure_mem.h"
#include "text/unicode.h"

typedef struct seg_list {
    prompt_segment *items;
    size_t count, capacity;
} seg_list;

static pixeen_status seg_push(seg_list *l, const char *text, size_t len, double weight) {
    if (l->count == l->capacity) {
        size_t cap = l->capacity ? l->capacity * 2 : 16;
        prompt_segment *n = secure_grow(l->items, l->count * sizeof *n, cap * sizeof *n);
        if (!n) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "prompt: segments");
        l->items = n;
        l->capacity = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "prompt: segments");
    if (len) memcpy(copy, text, len);
    copy[len] = 0;
    l->items[l->count++] = (prompt_segment){copy, len, weight};
    return PIXEEN_OK;
}

/* Segments are the prompt's text and weights: wiped on release (core/secure_mem.h). */
void prompt_segments_free(prompt_segment *segments, size_t count) {
    for (size_t i = 0; segments && i < count; i++) secure_free(segments[i].text, segments[i].len + 1);
    secure_free(segments, count * sizeof *segments);
}

/* Python's \s at s[i] (Unicode); returns its byte length or 0. */
static size_t space_at(const char *s, size_t len, size_t i) {
    uint32_t cp;
    size_t n = utf8_decode((const uint8_t *)s + i, len - i, &cp);
    return n && uni_is_space(cp) ? n : 0;
}

/* Python's \w for the code point starting at s[i] / ending just before s[i]. */
static bool word_at(const char *s, size_t len, size_t i) {
    uint32_t cp;
    size_t n = utf8_decode((const uint8_t *)s + i, len - i, &cp);
    return n && (cp == '_' || uni_is_letter(cp) || uni_is_number(cp));
}

static bool word_before(const char *s, size_t len, size_t i) {
    if (i == 0) return false;
    size_t b = i - 1;
    while (b > 0 && i - b < 4 && ((uint8_t)s[b] & 0xC0) == 0x80) b--;
    return word_at(s, len, b);
}

/* re.split(r"\s*\bBREAK\b\s*", text), with ["BREAK", -1] between the parts. */
static pixeen_status push_text(seg_list *l, const char *s, size_t len) {
    size_t part = 0;
    for (size_t i = 0; i + 5 <= len; i++) {
        if (memcmp(s + i, "BREAK", 5) || word_before(s, len, i) || (i + 5 < len && word_at(s, len, i + 5))) continue;
        size_t b = i, e = i + 5, k;
        while (b > part) { /* extend left over whitespace */
            size_t p = b - 1;
            while (p > part && ((uint8_t)s[p] & 0xC0) == 0x80) p--;
            if (!space_at(s, len, p)) break;
            b = p;
        }
        while (e < len && (k = space_at(s, len, e)) != 0) e += k;
        PX_TRY(seg_push(l, s + part, b - part, 1.0));
        PX_TRY(seg_push(l, "BREAK", 5, -1.0));
        part = e;
        i = e - 1;
    }
    return seg_push(l, s + part, len - part, 1.0);
}

/* ":" \s* ([+-]?[.\d]+) \s* ")" at s[i]; sets *end and *weight (false if absent or not a number). */
static bool weight_at(const char *s, size_t len, size_t i, size_t *end, double *weight) {
    if (s[i] != ':') return false;
    size_t p = i + 1, k;
    while (p < len && (k = space_at(s, len, p)) != 0) p += k;
    size_t num = p;
    if (p < len && (s[p] == '+' || s[p] == '-')) p++;
    size_t digits = p;
    while (p < len && (s[p] == '.' || (s[p] >= '0' && s[p] <= '9'))) p++;
    if (p == digits) return false;
    char buf[64];
    size_t nl = p - num;
    if (nl >= sizeof buf) return false;
    memcpy(buf, s + num, nl);
    buf[nl] = 0;
    while (p < len && (k = space_at(s, len, p)) != 0) p += k;
    if (p >= len || s[p] != ')') return false;
    char *stop;
    double v = strtod(buf, &stop);
    if (*stop || stop == buf) return false; /* "1.2.3": A1111 raises; we keep it as text */
    *weight = v;
    *end = p + 1;
    return true;
}

pixeen_status prompt_parse(const char *s, size_t len, prompt_segment **segments, size_t *count) {
    if ((!s && len) || !segments || !count) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "prompt: null argument");
    size_t bad;
    if (!utf8_valid((const uint8_t *)s, len, &bad))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "prompt: not valid UTF-8 (byte %zu)", bad);
    seg_list l = {0};
    size_t *round = malloc((len + 1) * sizeof *round), n_round = 0;
    size_t *square = malloc((len + 1) * sizeof *square), n_square = 0;
    pixeen_status st = round && square ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "prompt: brackets");
    size_t i = 0;
    while (!st && i < len) {
        char c = s[i];
        size_t end;
        double w;
        if (c == '\\') {
            /* \( \) \[ \] \\ keep the second character; a lone backslash is dropped */
            if (i + 1 < len && strchr("()[]\\", s[i + 1])) {
                st = seg_push(&l, s + i + 1, 1, 1.0);
                i += 2;
            } else {
                st = seg_push(&l, "", 0, 1.0);
                i += 1;
            }
        } else if (c == '(') {
            round[n_round++] = l.count;
            i++;
        } else if (c == '[') {
            square[n_square++] = l.count;
            i++;
        } else if (weight_at(s, len, i, &end, &w) && n_round) {
            for (size_t p = round[--n_round]; p < l.count; p++) l.items[p].weight *= w;
            i = end;
        } else if (c == ')' && n_round) {
            for (size_t p = round[--n_round]; p < l.count; p++) l.items[p].weight *= PROMPT_ROUND_FACTOR;
            i++;
        } else if (c == ']' && n_square) {
            for (size_t p = square[--n_square]; p < l.count; p++) l.items[p].weight /= PROMPT_ROUND_FACTOR;
            i++;
        } else {
            /* a weight with no open bracket, ")", "]", ":" or a run of plain text: literal */
            size_t e = i + 1;
            if (weight_at(s, len, i, &end, &w)) e = end;
            else if (c != ')' && c != ']' && c != ':')
                while (e < len && !strchr("\\()[]:", s[e])) e++;
            st = push_text(&l, s + i, e - i);
            i = e;
        }
    }
    for (size_t k = 0; !st && k < n_round; k++)
        for (size_t p = round[k]; p < l.count; p++) l.items[p].weight *= PROMPT_ROUND_FACTOR;
    for (size_t k = 0; !st && k < n_square; k++)
        for (size_t p = square[k]; p < l.count; p++) l.items[p].weight /= PROMPT_ROUND_FACTOR;
    secure_free(round, round ? (len + 1) * sizeof *round : 0);
    secure_free(square, square ? (len + 1) * sizeof *square : 0);
    if (!st && l.count == 0) st = seg_push(&l, "", 0, 1.0);
    /* merge neighbours of identical weight */
    for (size_t k = 0; !st && k + 1 < l.count;) {
        if (l.items[k].weight != l.items[k + 1].weight) {
            k++;
            continue;
        }
        prompt_segment *a = &l.items[k], *b = &l.items[k + 1];
        char *joined = secure_grow(a->text, a->len + 1, a->len + b->len + 1);
        if (!joined) {
            st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "prompt: segments");
            break;
        }
        memcpy(joined + a->len, b->text, b->len + 1);
        a->text = joined;
        a->len += b->len;
        secure_free(b->text, b->len + 1);
        memmove(b, b + 1, (l.count - k - 2) * sizeof *b);
        l.count--;
    }
    if (st) {
        prompt_segments_free(l.items, l.count);
        return st;
    }
    *segments = l.items;
    *count = l.count;
    return PIXEEN_OK;
}

/* Weights are computed in double as A1111 does; a product beyond float's range (only reachable
 * with absurd weights like "(x:1e300)") saturates instead of overflowing the conversion. */
static float weight_to_float(double w) {
    if (w > FLT_MAX) return INFINITY;
    if (w < -FLT_MAX) return -INFINITY;
    return (float)w;
}

void prompt_chunks_free(prompt_chunks *c) {
    if (!c) return;
    /* Rows [0, count) were written (next_chunk); the token ids spell the prompt. */
    secure_free(c->ids, c->count * sizeof *c->ids);
    secure_free(c->weights, c->count * sizeof *c->weights);
    secure_free(c->side, c->side ? c->count * sizeof *c->side : 0);
    memset(c, 0, sizeof *c);
}

typedef struct builder {
    prompt_chunks *out;
    size_t capacity;
    int32_t tokens[PROMPT_CHUNK_TOKENS];
    float mult[PROMPT_CHUNK_TOKENS];
    int32_t side[PROMPT_CHUNK_TOKENS];
    bool with_side;
    size_t n;
    long last_comma;
    const tokenizer *tok;
} builder;

static pixeen_status next_chunk(builder *b, bool is_last) {
    prompt_chunks *o = b->out;
    if (o->count == PROMPT_MAX_CHUNKS)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "prompt: more than %d chunks of %d tokens (BREAK starts a new chunk): the limit is %d chunks, "
                         "%d tokens, to keep a generation's time and memory bounded",
                         PROMPT_MAX_CHUNKS, PROMPT_CHUNK_TOKENS, PROMPT_MAX_CHUNKS, PROMPT_MAX_CHUNKS * PROMPT_CHUNK_TOKENS);
    if (o->count == b->capacity) {
        size_t cap = b->capacity ? b->capacity * 2 : 4;
        void *ids = secure_grow(o->ids, o->count * sizeof *o->ids, cap * sizeof *o->ids);
        if (ids) o->ids = ids;
        void *w = secure_grow(o->weights, o->count * sizeof *o->weights, cap * sizeof *o->weights);
        if (w) o->weights = w;
        void *side = b->with_side ? secure_grow(o->side, o->count * sizeof *o->side, cap * sizeof *o->side) : o->side;
        if (side) o->side = side;
        if (!ids || !w || (b->with_side && !side)) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "prompt: chunks");
        b->capacity = cap;
    }
    o->token_count += is_last ? b->n : PROMPT_CHUNK_TOKENS;
    int32_t *ids = o->ids[o->count];
    float *w = o->weights[o->count];
    int32_t end = tokenizer_eos(b->tok), pad = tokenizer_pad(b->tok);
    ids[0] = tokenizer_bos(b->tok);
    w[0] = 1.0f;
    for (size_t i = 0; i < PROMPT_CHUNK_TOKENS; i++) {
        ids[1 + i] = i < b->n ? b->tokens[i] : end;
        w[1 + i] = i < b->n ? b->mult[i] : 1.0f;
    }
    ids[TOKENIZER_CONTEXT - 1] = end;
    w[TOKENIZER_CONTEXT - 1] = 1.0f;
    if (b->with_side) {
        int32_t *side = o->side[o->count];
        for (size_t i = 0; i < TOKENIZER_CONTEXT; i++) side[i] = i >= 1 && i - 1 < b->n ? b->side[i - 1] : -1;
    }
    if (pad != end) { /* A1111: everything after the first end token becomes the pad token */
        size_t first = 1;
        while (first < TOKENIZER_CONTEXT && ids[first] != end) first++;
        for (size_t i = first + 1; i < TOKENIZER_CONTEXT; i++) ids[i] = pad;
    }
    o->count++;
    b->n = 0;
    b->last_comma = -1;
    return PIXEEN_OK;
}

pixeen_status prompt_encode(const tokenizer *tok, const char *text, size_t len, prompt_chunks *out) {
    return prompt_encode_embeddings(tok, text, len, NULL, out);
}

pixeen_status prompt_encode_embeddings(const tokenizer *tok, const char *text, size_t len, prompt_embedding_set *set,
                                       prompt_chunks *out) {
    if (!tok || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "prompt: null argument");
    memset(out, 0, sizeof *out);
    prompt_segment *segs = NULL;
    size_t n_segs = 0;
    PX_TRY(prompt_parse(text, len, &segs, &n_segs));
    builder b = {.out = out, .last_comma = -1, .tok = tok, .with_side = set != NULL};
    int32_t comma = -1;
    {
        int32_t *ids = NULL;
        size_t n = 0;
        if (tokenizer_encode(tok, ",", 1, &ids, &n) == PIXEEN_OK && n == 1) comma = ids[0];
        secure_free(ids, n * sizeof *ids);
    }
    pixeen_status st = PIXEEN_OK;
    for (size_t s = 0; s < n_segs && !st; s++) {
        if (segs[s].weight == -1.0 && !strcmp(segs[s].text, "BREAK")) {
            st = next_chunk(&b, false);
            continue;
        }
        int32_t *ids = NULL;
        size_t n = 0;
        st = tokenizer_encode(tok, segs[s].text, segs[s].len, &ids, &n);
        for (size_t p = 0; p < n && !st; p++) {
            prompt_embedding *emb = set ? prompt_embedding_match(set, ids, n, p) : NULL;
            if (ids[p] == comma) {
                b.last_comma = (long)b.n;
            } else if (b.n == PROMPT_CHUNK_TOKENS && b.last_comma != -1 &&
                       (long)b.n - b.last_comma <= PROMPT_COMMA_BACKTRACK) {
                /* move the tokens after the last comma into the next chunk */
                size_t at = (size_t)b.last_comma + 1, moved = b.n - at;
                int32_t t[PROMPT_CHUNK_TOKENS], sd[PROMPT_CHUNK_TOKENS];
                float m[PROMPT_CHUNK_TOKENS];
                memcpy(t, b.tokens + at, moved * sizeof *t);
                memcpy(m, b.mult + at, moved * sizeof *m);
                memcpy(sd, b.side + at, moved * sizeof *sd);
                b.n = at;
                st = next_chunk(&b, false);
                memcpy(b.tokens, t, moved * sizeof *t);
                memcpy(b.mult, m, moved * sizeof *m);
                memcpy(b.side, sd, moved * sizeof *sd);
                b.n = moved;
                platform_wipe(t, sizeof t);
                platform_wipe(m, sizeof m);
                platform_wipe(sd, sizeof sd);
            }
            if (!st && b.n == PROMPT_CHUNK_TOKENS) st = next_chunk(&b, false);
            if (!st && !emb) {
                b.tokens[b.n] = ids[p];
                b.mult[b.n] = weight_to_float(segs[s].weight);
                b.side[b.n] = -1;
                b.n++;
            } else if (!st) { /* an embedding: its vectors in one chunk, at placeholder token 0 (A1111) */
                if (b.n + (size_t)emb->vectors > PROMPT_CHUNK_TOKENS) st = next_chunk(&b, false);
                for (int32_t v = 0; !st && v < emb->vectors; v++) {
                    b.tokens[b.n] = 0;
                    b.mult[b.n] = weight_to_float(segs[s].weight);
                    b.side[b.n] = emb->first_row + v;
                    b.n++;
                }
                emb->uses++;
                p += emb->id_count - 1;
            }
        }
        secure_free(ids, n * sizeof *ids);
    }
    if (!st && (b.n || out->count == 0)) st = next_chunk(&b, true);
    platform_wipe(&b, sizeof b); /* the last chunk's tokens and weights */
    prompt_segments_free(segs, n_segs);
    if (st) prompt_chunks_free(out);
    return st;
}
