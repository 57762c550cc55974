/* model_internal.h — what the files of the model opener share (not for other layers: they use
 * model.h). model.c: the object, binding tensors to the network spec, accessors; model_files.c:
 * filesystem helpers and the config read; model_tokenizer.c: finding the tokenizer of a single
 * file; model_open_single.c and model_open_diffusers.c: the two layouts. */
#ifndef PIXEEN_MODELS_MODEL_INTERNAL_H
#define PIXEEN_MODELS_MODEL_INTERNAL_H

#include "models/model.h"

typedef struct model_part {
    bool present;
    safetensors_file *file; /* owned (diffusers) or borrowed from model.single */
    spec_list spec;
    model_weight *weights;  /* parallel to spec.items */
    char **extras;
    size_t extra_count;
    char *tokenizer_dir;
    const char *prefix;     /* of the component's keys in a single file ("" in a component file) */
} model_part;

struct model {
    char *path;
    model_layout layout;
    model_family family;
    bool inpainting;
    bool diffusers_names;   /* a single file holding diffusers names (layout_detect_diffusers.c) */
    safetensors_file *single;
    model_part parts[MODEL_COMPONENT_COUNT];
    clip_config clip[2];
    unet_config unet;
    vae_config vae;
};

/* ---- model_files.c ---- */
char *model_str_dup(const char *s);                  /* malloc'ed copy, NULL when out of memory */
char *model_path_join(const char *a, const char *b); /* "a/b", malloc'ed */
bool model_is_file(const char *p);                   /* a regular file (following links); false for NULL */
bool model_is_dir(const char *p);
/* Reads a whole small text file (config.json, model_index.json, at most 16 MB), NUL-terminated. */
pixeen_status model_read_text(const char *path, char **out, size_t *len);

/* ---- model_tokenizer.c ---- */
/* The tokenizer folder for a single file at `file` in folder `dir` (sub: "tokenizer" or
 * "tokenizer_2"), malloc'ed, or NULL when none is beside it. */
char *model_find_tokenizer_beside(const char *dir, const char *file, const char *sub);

/* ---- model.c ---- */
/* The tensors component c needs (model_spec.c), then each bound to its stored tensor: part->prefix
 * selects the component's keys; with `original` they are the original layout's
 * (layout_original_ref), else prefix + diffusers name (a diffusers component file: prefix ""; a
 * single file in diffusers names: "unet." ...). */
pixeen_status model_build_spec(model *m, model_component c);
pixeen_status model_bind_part(model *m, model_component c, bool original);

/* ---- model_open_single.c, model_open_diffusers.c: fill m from m->path ---- */
pixeen_status model_open_single(model *m);
pixeen_status model_open_diffusers(model *m);

#endif
