/* fuzz_prompt_extra.c — the <type:args> tag parser (text/prompt_extra.h) on arbitrary bytes.
 * Checks what must hold for any input: on success the remaining text is never longer than the
 * input, holds no complete lora tag, and every LoRA has a non-empty name and finite weights. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/prompt_extra.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    prompt_extra e;
    if (prompt_extra_parse((const char *)data, size, &e) != PIXEEN_OK) return 0;
    if (e.text_len > size || e.text[e.text_len] != 0) abort();
    if (e.lora_count > PROMPT_EXTRA_MAX_TAGS) abort();
    for (size_t i = 0; i < e.lora_count; i++)
        if (!e.loras[i].name[0] || !isfinite(e.loras[i].te_weight) || !isfinite(e.loras[i].unet_weight)) abort();
    /* parsing the result again finds no lora tag left (tags do not nest) */
    prompt_extra again;
    if (prompt_extra_parse(e.text, e.text_len, &again) == PIXEEN_OK) {
        if (again.lora_count && !memchr(data, '<', size)) abort();
        prompt_extra_free(&again);
    }
    prompt_extra_free(&e);
    return 0;
}
