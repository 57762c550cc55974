/* model_open_single.c — opening a single-file (original layout) checkpoint: its layout and
 * configuration detected from the tensors (layout_detect.c), every component bound through the name
 * map, the tokenizer looked for beside the file. */
#include "models/model_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/layout_names.h"

pixeen_status model_open_single(model *m) {
    PX_TRY(safetensors_open(m->path, &m->single));
    layout_detected d;
    PX_TRY(layout_detect(m->single, &d));
    m->layout = MODEL_LAYOUT_SINGLE_FILE;
    m->diffusers_names = d.diffusers_names;
    m->family = d.family;
    m->inpainting = d.inpainting;
    m->clip[0] = d.clip[0];
    m->clip[1] = d.clip[1];
    m->unet = d.unet;
    m->vae = d.vae;
    /* A diffusers folder beside the file (or the folder holding it) may provide the tokenizer. */
    char *dir = model_str_dup(m->path);
    if (!dir) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: path");
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, strlen(dir) + 1, ".");
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) { /* every prefix first: extras exclude the others' */
        if (!d.present[c]) continue;
        m->parts[c].present = true;
        m->parts[c].file = m->single;
        m->parts[c].prefix = d.diffusers_names ? d.prefix[c] : layout_component_prefix(m->family, (model_component)c);
    }
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) {
        if (!d.present[c]) continue;
        model_part *p = &m->parts[c];
        if (c == MODEL_TEXT_ENCODER || c == MODEL_TEXT_ENCODER_2)
            p->tokenizer_dir = model_find_tokenizer_beside(dir, m->path, c == MODEL_TEXT_ENCODER ? "tokenizer" : "tokenizer_2");
        pixeen_status st = model_build_spec(m, (model_component)c);
        if (!st) st = model_bind_part(m, (model_component)c, !d.diffusers_names);
        if (st) {
            free(dir);
            return st;
        }
    }
    free(dir);
    return PIXEEN_OK;
}
