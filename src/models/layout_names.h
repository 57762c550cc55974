/* layout_names.h — the name map between diffusers tensor names (what model_spec.h lists and the
 * GPU builders ask for) and the keys of single-file "original layout" checkpoints (the
 * CompVis/Stability training code: model.diffusion_model.*, first_stage_model.*,
 * cond_stage_model.*, conditioner.embedders.*).
 *
 * One function maps a diffusers name to its original key, element range and original shape; the
 * loader (model.c) and the test-model maker (tools/make_test_model.c) both use it, so the two
 * layouts cannot drift apart. OpenCLIP's fused attention (in_proj_weight [3H, H]) becomes three
 * element ranges; its text_projection ([H, P], used as x @ W) is marked transposed.
 * Entry points: layout_original_ref, layout_component_prefix, model_family_name,
 * model_component_name. */
#ifndef PIXEEN_MODELS_LAYOUT_NAMES_H
#define PIXEEN_MODELS_LAYOUT_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "models/model_spec.h"

typedef enum model_family {
    MODEL_FAMILY_UNKNOWN = 0,
    MODEL_FAMILY_SD1, /* SD 1.x: CLIP ViT-L/14 text encoder (HF layout), 768-d context */
    MODEL_FAMILY_SD2, /* SD 2.x: OpenCLIP ViT-H/14, 1024-d context, linear projections */
    MODEL_FAMILY_SDXL /* SDXL base: CLIP ViT-L + OpenCLIP ViT-bigG, text_time embedding */
} model_family;

typedef enum model_component {
    MODEL_TEXT_ENCODER = 0,
    MODEL_TEXT_ENCODER_2, /* SDXL only */
    MODEL_UNET,
    MODEL_VAE,
    MODEL_COMPONENT_COUNT
} model_component;

const char *model_family_name(model_family family);
/* Diffusers folder names: "text_encoder", "text_encoder_2", "unet", "vae". */
const char *model_component_name(model_component component);

typedef struct layout_context {
    model_family family;
    const unet_config *unet; /* needed for MODEL_UNET */
    const vae_config *vae;   /* needed for MODEL_VAE */
    const clip_config *clip; /* of the component being mapped, for the text encoders */
} layout_context;

/* Longest original key: "conditioner.embedders.1.model.transformer.resblocks.31.attn.in_proj_weight"
 * (75) or "model.diffusion_model.output_blocks.8.1.transformer_blocks.9.attn2.to_out.0.weight"
 * (83); 192 leaves room. */
#define LAYOUT_KEY_MAX 192

typedef struct original_ref {
    char key[LAYOUT_KEY_MAX];
    uint64_t element_offset; /* first element of this diffusers tensor inside the original one */
    bool transpose;          /* original is the 2-D transpose of the diffusers tensor */
    int ndim;                /* expected shape of the whole original tensor */
    int64_t shape[4];
} original_ref;

/* Key prefix of a component in a single-file checkpoint of `family` ("model.diffusion_model."). */
const char *layout_component_prefix(model_family family, model_component component);

/* Maps spec->name of `component` to its original key. Fails with PIXEEN_ERROR_INTERNAL for a
 * name no network produces (a bug, since names come from model_spec.c). */
pixeen_status layout_original_ref(const layout_context *ctx, model_component component,
                                  const tensor_spec *spec, original_ref *out);

#endif
