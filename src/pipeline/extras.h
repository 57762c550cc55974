/* extras.h — what a prompt brings besides its words, made ready before the text encoder runs:
 * AUTOMATIC1111's <lora:NAME:WEIGHT> tags are taken out of the prompt and the negative prompt
 * (text/prompt_extra.h), their names found in the LoRA folder (pipeline/extra_files.h), and,
 * with the request's own list, merged into the model's weights (models/lora.h) — or, with none,
 * the original weights are put back. Entry points: extras_prepare, extras_free. */
#ifndef PIXEEN_PIPELINE_EXTRAS_H
#define PIXEEN_PIPELINE_EXTRAS_H

#include "pipeline/txt2img.h"
#include "text/prompt_extra.h"

typedef struct extras {
    prompt_extra pos, neg;  /* .text: the prompts without their tags */
} extras;

pixeen_status extras_prepare(sd_model *m, const txt2img_request *req, extras *out);
void extras_free(extras *e);

#endif
