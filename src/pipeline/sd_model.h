/* sd_model.h — a diffusion model ready to generate: its files (models/model.h), its family's
 * description (pipeline/family.h), one tokenizer per text encoder, its scheduler configuration
 * and its weights on the GPU.
 * Entry points: sd_model_load, sd_model_load_with, sd_model_free. */
#ifndef PIXEEN_PIPELINE_SD_MODEL_H
#define PIXEEN_PIPELINE_SD_MODEL_H

#include "models/model.h"
#include "models/nn.h"
#include "pipeline/family.h"
#include "sample/schedule.h"
#include "text/tokenizer.h"

typedef struct sd_model {
    gpu_context *ctx;
    model *files;
    const family_desc *family;
    tokenizer *tokenizers[FAMILY_MAX_ENCODERS]; /* one per family->encoders[i] */
    tokenizer *tok;           /* = tokenizers[0] (borrowed; the first encoder's) */
    schedule_config schedule; /* scheduler/scheduler_config.json, else the family's single-file defaults */
    nn_weights weights[MODEL_COMPONENT_COUNT];
    tensor_dtype act;         /* activation dtype */
    uint64_t weight_bytes;
    struct lora_state *lora;  /* LoRAs merged into `weights` and the originals' copies (models/lora.h) */
} sd_model;

typedef struct sd_model_options {
    const char *path;                                 /* required */
    const char *tokenizer_dirs[FAMILY_MAX_ENCODERS];  /* NULL: the model's own, else built in */
    tensor_dtype act;
    /* Overrides of the model's scheduler config (0: keep it). */
    int prediction;                                   /* 0, or 1 + schedule_prediction */
    schedule_spacing spacing;                         /* DEFAULT: keep */
} sd_model_options;

/* Opens the model, checks its family is one Pixeen runs (an unknown or unsupported checkpoint is
 * an error naming what was found), loads a tokenizer per text encoder (the folder given, else the
 * model's own, else the built-in CLIP vocabulary; its vocabulary must match the encoder's
 * embedding rows), the schedule, and uploads every network's weights. */
pixeen_status sd_model_load_with(gpu_context *ctx, const sd_model_options *options, sd_model **out);
/* The same with defaults: one tokenizer folder for the first encoder. */
pixeen_status sd_model_load(gpu_context *ctx, const char *path, const char *tokenizer_dir, tensor_dtype act,
                            sd_model **out);
void sd_model_free(sd_model *m);

#endif
