/* prompt_extra.c — see prompt_extra.h. */
#include "text/prompt_extra.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/secure_mem.h"

static bool is_word(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Length of a tag `<word:args>` starting at s[0] == '<', or 0 when s does not start one. */
static size_t tag_length(const char *s, size_t len) {
    size_t i = 1;
    while (i < len && is_word((unsigned char)s[i])) i++;
    if (i == 1 || i >= len || s[i] != ':') return 0;
    size_t args = ++i;
    while (i < len && s[i] != '>') i++;
    if (i >= len || i == args) return 0; /* [^>]+ needs one character and the closing '>' */
    return i + 1;
}

/* A weight as Python's float() reads it (surrounding spaces allowed). */
static bool parse_weight(const char *s, size_t len, float *out) {
    char buf[64];
    while (len && (*s == ' ' || *s == '\t')) s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (!len || len >= sizeof buf) return false;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (!end || *end || errno == ERANGE || !isfinite(v) || fabs(v) > 1e6) return false;
    *out = (float)v;
    return true;
}

static pixeen_status tag_error(const char *tag, size_t len, const char *why) {
    int shown = len > 80 ? 80 : (int)len;
    return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "prompt: tag '%.*s%s': %s", shown, tag, len > 80 ? "..." : "", why);
}

/* Reads the arguments of a lora tag (after "<lora:", without the closing '>'). */
static pixeen_status parse_lora(const char *tag, size_t tag_len, const char *args, size_t len, prompt_lora *out) {
    const char *item[8];
    size_t item_len[8], n = 0;
    for (size_t start = 0, i = 0; i <= len; i++) {
        if (i < len && args[i] != ':') continue;
        if (n == 8) return tag_error(tag, tag_len, "more than 8 arguments");
        item[n] = args + start;
        item_len[n++] = i - start;
        start = i + 1;
    }
    /* A1111: te = positional[1] (default 1), then te=; unet = positional[2] (default: te), then unet= */
    const char *pos[3] = {NULL, NULL, NULL}, *named_te = NULL, *named_unet = NULL;
    size_t pos_len[3] = {0, 0, 0}, named_te_len = 0, named_unet_len = 0, positional = 0;
    for (size_t k = 0; k < n; k++) {
        const char *eq = memchr(item[k], '=', item_len[k]);
        if (eq) {
            size_t key = (size_t)(eq - item[k]);
            if (key == 2 && !memcmp(item[k], "te", 2)) named_te = eq + 1, named_te_len = item_len[k] - key - 1;
            if (key == 4 && !memcmp(item[k], "unet", 4)) named_unet = eq + 1, named_unet_len = item_len[k] - key - 1;
            continue; /* other named arguments (dyn=...) change nothing here */
        }
        if (positional < 3) pos[positional] = item[k], pos_len[positional] = item_len[k];
        positional++;
    }
    const char *name = pos[0];
    size_t name_len = pos_len[0];
    float te = 1.0f, unet;
    if ((pos[1] && !parse_weight(pos[1], pos_len[1], &te)) || (named_te && !parse_weight(named_te, named_te_len, &te)))
        return tag_error(tag, tag_len, "the text-encoder weight is not a number");
    unet = te;
    if ((pos[2] && !parse_weight(pos[2], pos_len[2], &unet)) ||
        (named_unet && !parse_weight(named_unet, named_unet_len, &unet)))
        return tag_error(tag, tag_len, "the UNet weight is not a number");
    if (!name || !name_len) return tag_error(tag, tag_len, "no LoRA name");
    if (name_len > PROMPT_EXTRA_MAX_NAME) return tag_error(tag, tag_len, "the name is longer than 255 bytes");
    if (memchr(name, 0, name_len)) return tag_error(tag, tag_len, "the name holds a NUL byte");
    out->name = malloc(name_len + 1);
    if (!out->name) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "prompt: out of host memory");
    memcpy(out->name, name, name_len);
    out->name[name_len] = 0;
    out->te_weight = te;
    out->unet_weight = unet;
    return PIXEEN_OK;
}

void prompt_extra_free(prompt_extra *e) {
    if (!e) return;
    /* The prompt's text and the LoRA names it asked for: wiped (core/secure_mem.h). */
    secure_free(e->text, e->text ? e->text_len + 1 : 0);
    for (size_t i = 0; e->loras && i < e->lora_count; i++)
        secure_free(e->loras[i].name, e->loras[i].name ? strlen(e->loras[i].name) + 1 : 0);
    secure_free(e->loras, e->loras ? PROMPT_EXTRA_MAX_TAGS * sizeof *e->loras : 0);
    memset(e, 0, sizeof *e);
}

pixeen_status prompt_extra_parse(const char *text, size_t len, prompt_extra *out) {
    memset(out, 0, sizeof *out);
    if (!text && len) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "prompt: NULL text");
    out->text = malloc(len + 1);
    out->loras = calloc(PROMPT_EXTRA_MAX_TAGS, sizeof *out->loras);
    if (!out->text || !out->loras) {
        prompt_extra_free(out);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "prompt: out of host memory");
    }
    pixeen_status st = PIXEEN_OK;
    size_t tags = 0;
    for (size_t i = 0; i < len && st == PIXEEN_OK;) {
        size_t t = text[i] == '<' ? tag_length(text + i, len - i) : 0;
        if (!t) {
            out->text[out->text_len++] = text[i++];
            continue;
        }
        if (++tags > PROMPT_EXTRA_MAX_TAGS) {
            st = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "prompt: more than %d <...:...> tags", PROMPT_EXTRA_MAX_TAGS);
            break;
        }
        const char *colon = memchr(text + i, ':', t);
        size_t type_len = (size_t)(colon - (text + i)) - 1;
        bool lora = (type_len == 4 && !memcmp(text + i + 1, "lora", 4)) || (type_len == 4 && !memcmp(text + i + 1, "lyco", 4));
        if (lora) {
            const char *args = colon + 1;
            size_t args_len = (size_t)(text + i + t - 1 - args);
            st = parse_lora(text + i, t, args, args_len, &out->loras[out->lora_count]);
            if (st == PIXEEN_OK) out->lora_count++;
        } else {
            out->skipped++;
        }
        i += t;
    }
    if (st != PIXEEN_OK) {
        prompt_extra_free(out);
        return st;
    }
    out->text[out->text_len] = 0;
    return PIXEEN_OK;
}
