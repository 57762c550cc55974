/* prompt_extra.h — AUTOMATIC1111's "extra networks" tags in a prompt: `<lora:NAME:WEIGHT>`.
 *
 * As A1111's modules/extra_networks.py (re_extra_net = <(\w+):([^>]+)>): every tag of that shape
 * is removed from the text before anything else reads it (emphasis, tokenizing), whatever its
 * type; the arguments are split at ':'. For `lora` (and its alias `lyco`), as
 * extensions-builtin/Lora/extra_networks_lora.py reads them: the first argument is the name, the
 * second the text-encoder weight (default 1), the third the UNet weight (default: the text
 * encoder's); `te=X` / `unet=X` set them by name. Other types (hypernet, ...) are removed and
 * reported in `skipped` so the caller can warn, as A1111 warns. A weight that is not a number is
 * an error naming the tag (A1111 raises too). \w is ASCII letters, digits and '_' here.
 * Entry points: prompt_extra_parse, prompt_extra_free. */
#ifndef PIXEEN_TEXT_PROMPT_EXTRA_H
#define PIXEEN_TEXT_PROMPT_EXTRA_H

#include <stddef.h>

#include "core/error.h"

/* Bounds that keep a hostile prompt small: more LoRAs than this in one prompt is not a prompt. */
#define PROMPT_EXTRA_MAX_TAGS 64
#define PROMPT_EXTRA_MAX_NAME 255

typedef struct prompt_lora {
    char *name;       /* as written (a file stem, possibly with sub-folders), owned */
    float te_weight;  /* text encoder(s) */
    float unet_weight;
} prompt_lora;

typedef struct prompt_extra {
    char *text;          /* the prompt without its tags, NUL-terminated, owned */
    size_t text_len;
    prompt_lora *loras;  /* in order of appearance */
    size_t lora_count;
    size_t skipped;      /* tags of other types, removed and ignored */
} prompt_extra;

/* Parses `len` bytes of `text`. On error *out is empty and the message names the tag. */
pixeen_status prompt_extra_parse(const char *text, size_t len, prompt_extra *out);
/* Wipes the text (it is a prompt) and frees everything. */
void prompt_extra_free(prompt_extra *e);

#endif
