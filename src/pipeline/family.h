/* family.h — the ONE description of each model family: what the pipeline loop (txt2img.c), the
 * model loader (sd_model.c), the API and the previews need to know about SD 1.x, SD 2.x and SDXL,
 * as data. The loop knows no family by name: adding one (SD3, Flux) is adding an entry here and
 * whatever new network it needs, not editing the loop.
 *
 *   text encoders   which components, their tokenizers' pad rule, how each one's output becomes
 *                   the UNet's context (the chosen layer after the final norm, or the penultimate
 *                   layer without it), which one gives the pooled, projected vector;
 *   UNet inputs     context = the encoders' contexts concatenated on channels; SDXL adds the
 *                   pooled vector and six size numbers (original size, crop corner, target size);
 *   latent format   preview factors (the scale comes from the VAE config: 0.18215 / 0.13025);
 *   schedule        what a single file (no scheduler_config.json) runs with;
 *   VAE precision   SDXL's VAE overflows fp16 activations with the real weights: decoded in fp32.
 * Entry point: family_get. */
#ifndef PIXEEN_PIPELINE_FAMILY_H
#define PIXEEN_PIPELINE_FAMILY_H

#include <stdbool.h>

#include "models/layout_names.h"
#include "sample/schedule.h"

#define FAMILY_MAX_ENCODERS 2

typedef enum family_context_rule {
    /* the layer clip skip selects (1 = last), then the final layer norm: SD 1.x, SD 2.x (whose
     * diffusers text encoder already ends at OpenCLIP's penultimate layer) */
    FAMILY_CONTEXT_FINAL_NORM = 0,
    /* hidden_states[-2]: the penultimate layer's output without the final norm (SDXL) */
    FAMILY_CONTEXT_PENULTIMATE,
} family_context_rule;

typedef struct family_text_encoder {
    model_component component;    /* MODEL_TEXT_ENCODER or MODEL_TEXT_ENCODER_2 */
    bool openclip_pad;            /* the tokenizer pads with "!" (OpenCLIP), else <|endoftext|> */
    family_context_rule context;
    bool pooled;                  /* gives the pooled output through text_projection */
} family_text_encoder;

typedef struct family_desc {
    model_family id;
    const char *name;                        /* "SD 1.x", ... */
    int encoder_count;
    family_text_encoder encoders[FAMILY_MAX_ENCODERS];
    bool added_time_ids;                     /* UNet text_time input: pooled text + 6 size numbers */
    bool zero_negative_when_absent;          /* diffusers' force_zeros_for_empty_prompt (SDXL) */
    bool vae_decode_fp32;                    /* decode with fp32 activations whatever the precision */
    float preview_factors[4][3];             /* latent channel c -> RGB (ComfyUI's latent_rgb_factors) */
    float preview_bias[3];
    /* Schedule of a single file, which carries no scheduler_config.json. */
    schedule_prediction single_file_prediction;
    schedule_spacing single_file_spacing;    /* DEFAULT: the sampler family's diffusers default */
} family_desc;

/* The description of a supported family, or NULL (MODEL_FAMILY_UNKNOWN). */
const family_desc *family_get(model_family family);

#endif
