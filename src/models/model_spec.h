/* model_spec.h — the ONE description of each network's tensors: every tensor a CLIP text encoder,
 * UNet or VAE of a given configuration must have, by its diffusers name, with the shape computed
 * from the configuration. Both layouts (diffusers folder, single-file original) are checked
 * against it (models/model.c, through the name map in models/layout_names.c), and the test-model
 * maker (tools/make_test_model.c) writes exactly it.
 * Entry points: spec_clip, spec_unet, spec_vae, spec_list_free. */
#ifndef PIXEEN_MODELS_MODEL_SPEC_H
#define PIXEEN_MODELS_MODEL_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "models/model_config.h"

/* Longest diffusers name: "up_blocks.3.attentions.2.transformer_blocks.9.attn2.to_out.0.weight"
 * is 67 characters (plus "text_model." for CLIP); 128 leaves room. */
#define SPEC_NAME_MAX 128

typedef struct tensor_spec {
    char name[SPEC_NAME_MAX]; /* diffusers name within its component */
    int ndim;
    int64_t shape[4];
    int64_t fan_in;           /* for random init: product of shape[1:], 0 for vectors */
    enum { SPEC_WEIGHT, SPEC_BIAS, SPEC_NORM_WEIGHT, SPEC_NORM_BIAS, SPEC_EMBEDDING } kind;
} tensor_spec;

typedef struct spec_list {
    tensor_spec *items;
    size_t count, capacity;
} spec_list;

pixeen_status spec_clip(const clip_config *c, spec_list *out);
pixeen_status spec_unet(const unet_config *c, spec_list *out);
pixeen_status spec_vae(const vae_config *c, spec_list *out);
void spec_list_free(spec_list *list);
/* Sum of the elements of all tensors. */
uint64_t spec_list_parameters(const spec_list *list);

#endif
