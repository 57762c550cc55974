/* extras.h — what a prompt brings besides its words, made ready before the text encoder runs:
 * AUTOMATIC1111's <lora:NAME:WEIGHT> tags are taken out of the prompt and the negative prompt
 * (text/prompt_extra.h), their names found in the LoRA folder (pipeline/extra_files.h), and,
 * with the request's own list, merged into the model's weights (models/lora.h) — or, with none,
 * the original weights are put back. Textual-inversion embeddings whose file name appears in a
 * prompt are read from the embedding folder (models/embedding_file.h) into a side table, one per
 * text encoder, and named in `emb` for the tokenizer (text/embeddings.h); the pipeline uploads the
 * table and the GPU puts its rows in place of the placeholders (ops/embedding_inject.h).
 * Entry points: extras_prepare, extras_free. */
#ifndef PIXEEN_PIPELINE_EXTRAS_H
#define PIXEEN_PIPELINE_EXTRAS_H

#include "pipeline/txt2img.h"
#include "text/embeddings.h"
#include "text/prompt_extra.h"

/* Side-table rows over all embeddings of one prompt pair: bounds host and GPU memory. */
#define EXTRAS_MAX_EMBEDDING_ROWS 4096

typedef struct extras {
    prompt_extra pos, neg;     /* .text: the prompts without their tags */
    prompt_embedding_set emb;  /* embeddings whose names occur in the prompts' text */
    float *side[2];            /* fp32 [emb.rows, D] per text encoder (NULL when absent) */
    int64_t side_dim[2];
} extras;

pixeen_status extras_prepare(sd_model *m, const txt2img_request *req, extras *out);
void extras_free(extras *e);

#endif
