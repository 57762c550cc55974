/* tokenizer.c — CLIP BPE tokenizer (see tokenizer.h for the exact behaviour reproduced).
 * Data: vocab (piece -> id, open-addressing hash), id -> piece, merges ("a b" -> rank).
 * Entry points: see tokenizer.h. */
#include "text/tokenizer.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file_read.h"
#include "core/platform.h"
#include "core/secure_mem.h"
#include "text/unicode.h"

/* Largest id accepted in vocab.json: CLIP has 49408 tokens; 2^20 (20x that) bounds the id ->
 * piece table (8 MB of pointers at worst) against a hostile file. */
#define MAX_TOKEN_ID (1 << 20)
/* HF reads at most 49152 - 256 - 2 merges (the rest of openai's file is unused): same here. */
#define MAX_MERGES (49152 - 256 - 2)
/* vocab.json of CLIP is 1.6 MB and merges.txt 512 KB; 64 MB bounds what a wrong file costs. */
#define MAX_FILE_BYTES (64u << 20)

static const char START_TOKEN[] = "<|startoftext|>";
static const char END_TOKEN[] = "<|endoftext|>";

typedef struct strmap {
    char **keys;
    int32_t *values;
    size_t capacity; /* power of two */
    size_t count;
} strmap;

struct tokenizer {
    strmap vocab;
    strmap merges;
    char **pieces; /* id -> piece (borrowed from vocab.keys), NULL for unused ids */
    int32_t n_ids;
    int32_t bos, eos, pad, unk;
    char byte_enc[256][3]; /* GPT-2 bytes_to_unicode, as UTF-8 (1 or 2 bytes) */
    uint8_t byte_enc_len[256];
};

static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h;
}

static void strmap_free(strmap *m) {
    for (size_t i = 0; i < m->capacity; i++) free(m->keys[i]);
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

static bool strmap_grow(strmap *m) {
    size_t cap = m->capacity ? m->capacity * 2 : 1024;
    char **keys = calloc(cap, sizeof *keys);
    int32_t *values = calloc(cap, sizeof *values);
    if (!keys || !values) {
        free(keys);
        free(values);
        return false;
    }
    for (size_t i = 0; i < m->capacity; i++) {
        if (!m->keys[i]) continue;
        size_t j = hash_bytes(m->keys[i], strlen(m->keys[i])) & (cap - 1);
        while (keys[j]) j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        values[j] = m->values[i];
    }
    free(m->keys);
    free(m->values);
    m->keys = keys;
    m->values = values;
    m->capacity = cap;
    return true;
}

/* Finds key[0..n); returns the slot or SIZE_MAX. */
static size_t strmap_slot(const strmap *m, const char *key, size_t n) {
    if (!m->capacity) return SIZE_MAX;
    size_t j = hash_bytes(key, n) & (m->capacity - 1);
    while (m->keys[j]) {
        if (!strncmp(m->keys[j], key, n) && m->keys[j][n] == 0) return j;
        j = (j + 1) & (m->capacity - 1);
    }
    return SIZE_MAX;
}

static bool strmap_get(const strmap *m, const char *key, size_t n, int32_t *value) {
    size_t j = strmap_slot(m, key, n);
    if (j == SIZE_MAX) return false;
    *value = m->values[j];
    return true;
}

/* Inserts or overwrites (later entries win, as in a Python dict). */
static bool strmap_put(strmap *m, const char *key, size_t n, int32_t value) {
    size_t j = strmap_slot(m, key, n);
    if (j != SIZE_MAX) {
        m->values[j] = value;
        return true;
    }
    if ((m->count + 1) * 2 > m->capacity && !strmap_grow(m)) return false; /* load <= 1/2 */
    j = hash_bytes(key, n) & (m->capacity - 1);
    while (m->keys[j]) j = (j + 1) & (m->capacity - 1);
    m->keys[j] = malloc(n + 1);
    if (!m->keys[j]) return false;
    memcpy(m->keys[j], key, n);
    m->keys[j][n] = 0;
    m->values[j] = value;
    m->count++;
    return true;
}

void tokenizer_free(tokenizer *t) {
    if (!t) return;
    strmap_free(&t->vocab);
    strmap_free(&t->merges);
    free(t->pieces);
    free(t);
}

static void init_byte_encoder(tokenizer *t) {
    /* Printable Latin-1 bytes map to themselves; the other 68 to U+0100.. in byte order. */
    int n = 0;
    for (int b = 0; b < 256; b++) {
        bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        uint32_t cp = printable ? (uint32_t)b : (uint32_t)(256 + n++);
        t->byte_enc_len[b] = (uint8_t)utf8_encode(cp, (uint8_t *)t->byte_enc[b]);
    }
}

static pixeen_status load_vocab(tokenizer *t, const char *json, size_t len) {
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return error_set(PIXEEN_ERROR_TOKENIZER, "tokenizer: vocab.json is not a JSON object of piece -> id");
    }
    pixeen_status st = PIXEEN_OK;
    int32_t max_id = -1;
    const cJSON *item;
    cJSON_ArrayForEach(item, root) {
        size_t bad;
        const char *key = item->string ? item->string : "";
        if (!utf8_valid((const uint8_t *)key, strlen(key), &bad)) {
            st = error_set(PIXEEN_ERROR_TOKENIZER, "tokenizer: vocab.json: entry %d is not valid UTF-8 (byte %zu)",
                           t->vocab.count > 0 ? (int)t->vocab.count : 0, bad);
            break;
        }
        if (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble >= MAX_TOKEN_ID ||
            item->valuedouble != (double)(int32_t)item->valuedouble) {
            st = error_set(PIXEEN_ERROR_TOKENIZER, "tokenizer: vocab.json: id of '%.40s' is not an integer in 0..%d",
                           key, MAX_TOKEN_ID - 1);
            break;
        }
        int32_t id = (int32_t)item->valuedouble;
        if (!strmap_put(&t->vocab, key, strlen(key), id)) {
            st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "tokenizer: vocabulary");
            break;
        }
        if (id > max_id) max_id = id;
    }
    cJSON_Delete(root);
    if (st) return st;
    if (max_id < 0) return error_set(PIXEEN_ERROR_TOKENIZER, "tokenizer: vocab.json is empty");
    t->n_ids = max_id + 1;
    t->pieces = calloc((size_t)t->n_ids, sizeof *t->pieces);
    if (!t->pieces) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "tokenizer: %d ids", t->n_ids);
    for (size_t i = 0; i < t->vocab.capacity; i++)
        if (t->vocab.keys[i]) t->pieces[t->vocab.values[i]] = t->vocab.keys[i];
    return PIXEEN_OK;
}

static bool is_py_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static pixeen_status load_merges(tokenizer *t, const char *text, size_t len) {
    size_t bad;
    if (!utf8_valid((const uint8_t *)text, len, &bad))
        return error_set(PIXEEN_ERROR_TOKENIZER, "tokenizer: merges.txt is not valid UTF-8 (byte %zu)", bad);
    /* Python: read().strip().split("\n")[1:MAX_MERGES + 1], each line split() into a pair. */
    size_t b = 0, e = len;
    while (b < e && is_py_space(text[b])) b++;
    while (e > b && is_py_space(text[e - 1])) e--;
    int line = 0, rank = 0;
    char key[1024];
    for (size_t p = b; p <= e && rank < MAX_MERGES;) {
        size_t q = p;
        while (q < e && text[q] != '\n') q++;
        if (line++ > 0) {
            /* split() on whitespace: keep lines of exactly two parts */
            const char *parts[3];
            size_t lens[3];
            int n = 0;
            for (size_t i = p; i < q && n < 3;) {
                while (i < q && is_py_space(text[i])) i++;
                if (i >= q) break;
                size_t s = i;
                while (i < q && !is_py_space(text[i])) i++;
                parts[n] = text + s;
                lens[n] = i - s;
                n++;
            }
            if (n == 2 && lens[0] + lens[1] + 2 <= sizeof key) {
                memcpy(key, parts[0], lens[0]);
                key[lens[0]] = ' ';
                memcpy(key + lens[0] + 1, parts[1], lens[1]);
                if (!strmap_put(&t->merges, key, lens[0] + 1 + lens[1], rank))
                    return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "tokenizer: merges");
            }
            rank++;
        }
        p = q + 1;
    }
    if (line < 1) return error_set(PIXEEN_ERROR_TOKENIZER, "tokenizer: merges.txt is empty");
    return PIXEEN_OK;
}

/* The pad token named by a tokenizer_config.json / special_tokens_map.json ("!" for SD 2.x and
 * SDXL's second tokenizer), as a string or {"content": ...}. */
static pixeen_status special_from_config(const char *json, size_t len, const char *field, char *out, size_t size) {
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return error_set(PIXEEN_ERROR_TOKENIZER, "tokenizer: tokenizer config is not a JSON object");
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, field);
    if (cJSON_IsObject(v)) v = cJSON_GetObjectItemCaseSensitive(v, "content");
    if (cJSON_IsString(v)) snprintf(out, size, "%s", v->valuestring);
    cJSON_Delete(root);
    return PIXEEN_OK;
}

static pixeen_status lookup_special(tokenizer *t, const char *piece, const char *role, int32_t *id) {
    if (!strmap_get(&t->vocab, piece, strlen(piece), id))
        return error_set(PIXEEN_ERROR_TOKENIZER, "tokenizer: %s token '%.40s' is not in vocab.json", role, piece);
    return PIXEEN_OK;
}

pixeen_status tokenizer_load_memory(const char *vocab_json, size_t vocab_len, const char *merges, size_t merges_len,
                                    const char *config_json, size_t config_len, tokenizer **out) {
    if (!vocab_json || !merges || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "tokenizer: null argument");
    *out = NULL;
    tokenizer *t = calloc(1, sizeof *t);
    if (!t) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "tokenizer");
    init_byte_encoder(t);
    char pad[256];
    snprintf(pad, sizeof pad, "%s", END_TOKEN);
    pixeen_status st = load_vocab(t, vocab_json, vocab_len);
    if (!st) st = load_merges(t, merges, merges_len);
    if (!st && config_json) st = special_from_config(config_json, config_len, "pad_token", pad, sizeof pad);
    if (!st) st = lookup_special(t, START_TOKEN, "start", &t->bos);
    if (!st) st = lookup_special(t, END_TOKEN, "end", &t->eos);
    if (!st) st = lookup_special(t, pad, "pad", &t->pad);
    if (st) {
        tokenizer_free(t);
        return st;
    }
    t->unk = t->eos; /* CLIP's unk_token is <|endoftext|> */
    *out = t;
    return PIXEEN_OK;
}

static pixeen_status read_file(const char *dir, const char *name, bool optional, char **out, size_t *len) {
    char path[4096];
    *out = NULL;
    *len = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    switch (file_read_bounded(path, MAX_FILE_BYTES, out, len)) {
    case FILE_READ_OK: return PIXEEN_OK;
    case FILE_READ_CANNOT_OPEN:
        if (optional && errno == ENOENT) return PIXEEN_OK;
        return error_set(PIXEEN_ERROR_TOKENIZER, "tokenizer: cannot open '%s': %s", path, strerror(errno));
    case FILE_READ_TOO_LARGE:
        return error_set(PIXEEN_ERROR_TOKENIZER, "tokenizer: '%s' is over %u bytes", path, MAX_FILE_BYTES);
    case FILE_READ_NO_MEMORY: return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "tokenizer: reading '%s'", path);
    case FILE_READ_FAILED: break;
    }
    return error_set(PIXEEN_ERROR_TOKENIZER, "tokenizer: error reading '%s': %s", path, strerror(errno));
}

pixeen_status tokenizer_load(const char *dir, tokenizer **out) {
    if (!dir || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "tokenizer: null argument");
    char *vocab = NULL, *merges = NULL, *config = NULL;
    size_t vl, ml, cl;
    pixeen_status st = read_file(dir, "vocab.json", false, &vocab, &vl);
    if (!st) st = read_file(dir, "merges.txt", false, &merges, &ml);
    if (!st) st = read_file(dir, "tokenizer_config.json", true, &config, &cl);
    if (!st && !config) st = read_file(dir, "special_tokens_map.json", true, &config, &cl);
    if (!st) st = tokenizer_load_memory(vocab, vl, merges, ml, config, cl, out);
    free(vocab);
    free(merges);
    free(config);
    if (st) return error_wrap(st, "tokenizer folder '%s': ", dir);
    return PIXEEN_OK;
}

int32_t tokenizer_bos(const tokenizer *t) { return t->bos; }
int32_t tokenizer_eos(const tokenizer *t) { return t->eos; }
int32_t tokenizer_pad(const tokenizer *t) { return t->pad; }
int32_t tokenizer_vocab_size(const tokenizer *t) { return t->n_ids; }

const char *tokenizer_piece(const tokenizer *t, int32_t id) {
    return id >= 0 && id < t->n_ids ? t->pieces[id] : NULL;
}

/* ---- encoding ---------------------------------------------------------------------------- */

typedef struct id_list {
    int32_t **ids;
    size_t *count;
    size_t capacity;
} id_list;

static pixeen_status push_id(id_list *l, int32_t id) {
    if (*l->count == l->capacity) {
        size_t cap = l->capacity ? l->capacity * 2 : 64;
        int32_t *n = secure_grow(*l->ids, *l->count * sizeof *n, cap * sizeof *n);
        if (!n) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "tokenizer: ids");
        *l->ids = n;
        l->capacity = cap;
    }
    (*l->ids)[(*l->count)++] = id;
    return PIXEEN_OK;
}

typedef struct span {
    uint32_t off, len;
} span;

/* BPE over one pre-token given as code points; appends the ids. */
static pixeen_status bpe_word(const tokenizer *t, const uint32_t *cps, size_t n, id_list *out) {
    /* byte-encode: each byte becomes a 1-2 byte UTF-8 character; then "</w>" */
    size_t max_bytes = n * 4 * 2 + 5;
    char *w = malloc(max_bytes);
    span *sym = malloc((n * 4 + 1) * sizeof *sym);
    span *next = malloc((n * 4 + 1) * sizeof *next);
    char *key = malloc(max_bytes * 2 + 2);
    pixeen_status st = PIXEEN_OK;
    if (!w || !sym || !next || !key) {
        st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "tokenizer: bpe");
        goto done;
    }
    size_t wl = 0, ns = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t bytes[4];
        size_t nb = utf8_encode(cps[i], bytes);
        for (size_t k = 0; k < nb; k++) {
            sym[ns].off = (uint32_t)wl;
            sym[ns].len = t->byte_enc_len[bytes[k]];
            memcpy(w + wl, t->byte_enc[bytes[k]], sym[ns].len);
            wl += sym[ns].len;
            ns++;
        }
    }
    memcpy(w + wl, "</w>", 4);
    wl += 4;
    sym[ns - 1].len += 4;
    while (ns > 1) {
        int32_t best = INT32_MAX;
        size_t best_i = SIZE_MAX;
        for (size_t i = 0; i + 1 < ns; i++) {
            size_t kl = sym[i].len + 1 + sym[i + 1].len;
            memcpy(key, w + sym[i].off, sym[i].len);
            key[sym[i].len] = ' ';
            memcpy(key + sym[i].len + 1, w + sym[i + 1].off, sym[i + 1].len);
            int32_t rank;
            if (strmap_get(&t->merges, key, kl, &rank) && rank < best) {
                best = rank;
                best_i = i;
            }
        }
        if (best_i == SIZE_MAX) break;
        /* merge every occurrence of the pair (by content), left to right */
        span a = sym[best_i], b = sym[best_i + 1];
        size_t nn = 0;
        for (size_t i = 0; i < ns;) {
            if (i + 1 < ns && sym[i].len == a.len && sym[i + 1].len == b.len &&
                !memcmp(w + sym[i].off, w + a.off, a.len) && !memcmp(w + sym[i + 1].off, w + b.off, b.len)) {
                next[nn].off = sym[i].off;
                next[nn].len = sym[i].len + sym[i + 1].len;
                nn++;
                i += 2;
            } else {
                next[nn++] = sym[i++];
            }
        }
        span *tmp = sym;
        sym = next;
        next = tmp;
        ns = nn;
    }
    for (size_t i = 0; i < ns && !st; i++) {
        int32_t id;
        if (!strmap_get(&t->vocab, w + sym[i].off, sym[i].len, &id)) id = t->unk;
        st = push_id(out, id);
    }
done:
    /* The prompt's words, their pieces and merge keys: wiped (core/secure_mem.h). */
    secure_free(w, w ? max_bytes : 0);
    secure_free(sym, sym ? (n * 4 + 1) * sizeof *sym : 0);
    secure_free(next, next ? (n * 4 + 1) * sizeof *next : 0);
    secure_free(key, key ? max_bytes * 2 + 2 : 0);
    return st;
}

static bool match_literal(const uint32_t *cps, size_t n, size_t i, const char *lit) {
    size_t k = 0;
    for (; lit[k]; k++)
        if (i + k >= n || cps[i + k] != (uint8_t)lit[k]) return false;
    return true;
}

/* CLIP's pattern over normalised code points; each match goes through BPE. */
static pixeen_status encode_normalised(const tokenizer *t, const uint32_t *cps, size_t n, id_list *out) {
    static const char *contractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
    size_t i = 0;
    while (i < n) {
        uint32_t c = cps[i];
        size_t end = i;
        if (uni_is_space(c)) {
            i++;
            continue;
        }
        if (match_literal(cps, n, i, START_TOKEN) || match_literal(cps, n, i, END_TOKEN)) {
            bool start = match_literal(cps, n, i, START_TOKEN);
            PX_TRY(push_id(out, start ? t->bos : t->eos));
            i += strlen(start ? START_TOKEN : END_TOKEN);
            continue;
        }
        if (c == '\'') {
            for (size_t k = 0; k < 7 && end == i; k++)
                if (match_literal(cps, n, i, contractions[k])) end = i + strlen(contractions[k]);
        }
        if (end == i) {
            if (uni_is_letter(c)) {
                while (end < n && uni_is_letter(cps[end])) end++;
            } else if (uni_is_number(c)) {
                end = i + 1;
            } else {
                while (end < n && !uni_is_space(cps[end]) && !uni_is_letter(cps[end]) && !uni_is_number(cps[end]))
                    end++;
            }
        }
        PX_TRY(bpe_word(t, cps + i, end - i, out));
        i = end;
    }
    return PIXEEN_OK;
}

/* BasicTokenizer clean-up of text[0..len) (valid UTF-8) into code points, then encoding. */
static pixeen_status encode_segment(const tokenizer *t, const uint8_t *s, size_t len, id_list *out) {
    uint32_t *cps = malloc((len * 3 + 1) * sizeof *cps); /* CJK chars grow to 3 */
    if (!cps) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "tokenizer: text");
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        i += k;
        if (cp == 0 || cp == 0xFFFD || uni_is_control(cp)) continue;
        if (uni_is_bert_whitespace(cp) || cp == 0x2028 || cp == 0x2029) {
            cps[n++] = ' ';
        } else if (uni_is_cjk(cp)) {
            cps[n++] = ' ';
            cps[n++] = cp;
            cps[n++] = ' ';
        } else {
            uint32_t low[2];
            int m = uni_lower(cp, low); /* 2 only for U+0130, itself 2 bytes */
            for (int j = 0; j < m; j++) cps[n++] = low[j];
        }
    }
    pixeen_status st = encode_normalised(t, cps, n, out);
    secure_free(cps, (len * 3 + 1) * sizeof *cps);
    return st;
}

pixeen_status tokenizer_encode(const tokenizer *t, const char *text, size_t len, int32_t **ids, size_t *count) {
    if (!t || (!text && len) || !ids || !count) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "tokenizer: null argument");
    if (len > TOKENIZER_MAX_TEXT)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "tokenizer: prompt of %zu bytes (at most %u)", len,
                         TOKENIZER_MAX_TEXT);
    size_t bad;
    if (!utf8_valid((const uint8_t *)text, len, &bad))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "tokenizer: prompt is not valid UTF-8 (byte %zu)", bad);
    id_list out = {ids, count, *count};
    /* Special tokens written in the text are split out first (HF's added-tokens trie). */
    const uint8_t *s = (const uint8_t *)text;
    size_t seg = 0;
    for (size_t i = 0; i < len;) {
        size_t sl = strlen(START_TOKEN), el = strlen(END_TOKEN);
        bool is_start = len - i >= sl && !memcmp(s + i, START_TOKEN, sl);
        bool is_end = len - i >= el && !memcmp(s + i, END_TOKEN, el);
        if (!is_start && !is_end) {
            i++;
            continue;
        }
        PX_TRY(encode_segment(t, s + seg, i - seg, &out));
        PX_TRY(push_id(&out, is_start ? t->bos : t->eos));
        i += is_start ? sl : el;
        seg = i;
    }
    return encode_segment(t, s + seg, len - seg, &out);
}

pixeen_status tokenizer_encode_padded(const tokenizer *t, const char *text, size_t len, int32_t out[TOKENIZER_CONTEXT],
                                      size_t *n_ids) {
    int32_t *ids = NULL;
    size_t count = 0;
    pixeen_status st = tokenizer_encode(t, text, len, &ids, &count);
    if (st) {
        secure_free(ids, count * sizeof *ids);
        return st;
    }
    size_t keep = count < TOKENIZER_CONTEXT - 2 ? count : TOKENIZER_CONTEXT - 2;
    out[0] = t->bos;
    for (size_t i = 0; i < keep; i++) out[1 + i] = ids[i];
    out[1 + keep] = t->eos;
    for (size_t i = keep + 2; i < TOKENIZER_CONTEXT; i++) out[i] = t->pad;
    if (n_ids) *n_ids = count;
    secure_free(ids, count * sizeof *ids);
    return PIXEEN_OK;
}
