/* lora_names.c — see lora_names.h. */
#include "models/lora_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *key;
    model_component component;
    const char *weight;
} entry;

struct lora_name_map {
    entry *items;
    size_t count, capacity;
};

static pixeen_status add(lora_name_map *map, const char *prefix, const char *name, size_t name_len, bool underscores,
                         model_component c, const char *weight) {
    if (map->count == map->capacity) {
        size_t cap = map->capacity ? map->capacity * 2 : 1024;
        entry *grown = realloc(map->items, cap * sizeof *grown);
        if (!grown) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
        map->items = grown;
        map->capacity = cap;
    }
    size_t plen = strlen(prefix);
    char *key = malloc(plen + name_len + 1);
    if (!key) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
    memcpy(key, prefix, plen);
    for (size_t i = 0; i < name_len; i++) key[plen + i] = underscores && name[i] == '.' ? '_' : name[i];
    key[plen + name_len] = 0;
    map->items[map->count++] = (entry){key, c, weight};
    return PIXEEN_OK;
}

static int by_key(const void *a, const void *b) { return strcmp(((const entry *)a)->key, ((const entry *)b)->key); }
static int key_vs_entry(const void *key, const void *e) { return strcmp(key, ((const entry *)e)->key); }

/* The original-layout name of a weight (without the component prefix and ".weight") when it is
 * one whole tensor there (not a slice of OpenCLIP's fused attention); else false. */
static bool original_name(const model *m, model_component c, const model_weight *w, char *out, size_t size) {
    if (c == MODEL_TEXT_ENCODER && model_get_family(m) == MODEL_FAMILY_SD1) return false; /* same names */
    layout_context ctx = {model_get_family(m), model_unet_config(m), model_vae_config(m),
                          c == MODEL_UNET ? NULL : model_clip_config(m, c)};
    tensor_spec spec = {.ndim = w->ndim};
    snprintf(spec.name, sizeof spec.name, "%s", w->name);
    for (int d = 0; d < w->ndim; d++) spec.shape[d] = w->shape[d];
    original_ref ref;
    pixeen_status st = layout_original_ref(&ctx, c, &spec, &ref);
    if (st != PIXEEN_OK) {
        error_clear();
        return false;
    }
    if (ref.element_offset || ref.transpose || ref.shape[0] != w->shape[0]) return false;
    const char *prefix = layout_component_prefix(model_get_family(m), c);
    size_t plen = strlen(prefix), len = strlen(ref.key);
    if (strncmp(ref.key, prefix, plen) || len < plen + 7 || strcmp(ref.key + len - 7, ".weight")) return false;
    snprintf(out, size, "%.*s", (int)(len - plen - 7), ref.key + plen);
    return true;
}

pixeen_status lora_name_map_build(const model *m, lora_name_map **out) {
    *out = NULL;
    lora_name_map *map = calloc(1, sizeof *map);
    if (!map) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
    bool sdxl = model_get_family(m) == MODEL_FAMILY_SDXL;
    static const model_component comps[] = {MODEL_TEXT_ENCODER, MODEL_TEXT_ENCODER_2, MODEL_UNET};
    pixeen_status st = PIXEEN_OK;
    for (size_t ci = 0; ci < 3 && st == PIXEEN_OK; ci++) {
        model_component c = comps[ci];
        if (!model_has(m, c)) continue;
        const char *kohya = c == MODEL_UNET ? "lora_unet_" : c == MODEL_TEXT_ENCODER_2 ? "lora_te2_" : sdxl ? "lora_te1_" : "lora_te_";
        const char *peft = c == MODEL_UNET ? "unet." : c == MODEL_TEXT_ENCODER_2 ? "text_encoder_2." : "text_encoder.";
        for (size_t i = 0; i < model_weight_count(m, c) && st == PIXEEN_OK; i++) {
            const model_weight *w = model_weight_at(m, c, i);
            size_t len = strlen(w->name);
            if ((w->ndim != 2 && w->ndim != 4) || len < 8 || strcmp(w->name + len - 7, ".weight")) continue;
            if (strstr(w->name, "embedding") && c != MODEL_UNET) continue; /* token / position tables */
            size_t x = len - 7;
            st = add(map, kohya, w->name, x, true, c, w->name);
            if (st == PIXEEN_OK) st = add(map, peft, w->name, x, false, c, w->name);
            if (st == PIXEEN_OK && c == MODEL_UNET) st = add(map, "base_model.model.", w->name, x, false, c, w->name);
            char orig[LAYOUT_KEY_MAX];
            if (st == PIXEEN_OK && original_name(m, c, w, orig, sizeof orig) && strcmp(orig, "") &&
                strncmp(orig, w->name, x))
                st = add(map, kohya, orig, strlen(orig), true, c, w->name);
        }
    }
    if (st != PIXEEN_OK) {
        lora_name_map_free(map);
        return st;
    }
    qsort(map->items, map->count, sizeof *map->items, by_key);
    *out = map;
    return PIXEEN_OK;
}

static const entry *lookup(const lora_name_map *map, const char *key) {
    return bsearch(key, map->items, map->count, sizeof *map->items, key_vs_entry);
}

bool lora_name_map_find(const lora_name_map *map, const char *base, model_component *component, const char **weight) {
    const entry *e = lookup(map, base);
    char alt[512];
    /* diffusers' attention-processor LoRAs: "<attn>.processor.to_q_lora" adapts "<attn>.to_q" */
    const char *proc = e ? NULL : strstr(base, ".processor.");
    if (proc && strlen(base) < sizeof alt) {
        size_t head = (size_t)(proc - base);
        const char *tail = proc + strlen(".processor.");
        static const char *names[][2] = {{"to_q_lora", "to_q"}, {"to_k_lora", "to_k"}, {"to_v_lora", "to_v"},
                                         {"to_out_lora", "to_out.0"}};
        for (size_t i = 0; i < 4 && !e; i++)
            if (!strcmp(tail, names[i][0])) {
                snprintf(alt, sizeof alt, "%.*s.%s", (int)head, base, names[i][1]);
                e = lookup(map, alt);
            }
    }
    if (!e) return false;
    *component = e->component;
    *weight = e->weight;
    return true;
}

void lora_name_map_free(lora_name_map *map) {
    if (!map) return;
    for (size_t i = 0; i < map->count; i++) free(map->items[i].key);
    free(map->items);
    free(map);
}
