/* sd_model.h — a Stable Diffusion model ready to generate: its files (models/model.h), its
 * tokenizer, its scheduler configuration and its weights on the GPU.
 * Entry points: sd_model_load, sd_model_free. */
#ifndef PIXEEN_PIPELINE_SD_MODEL_H
#define PIXEEN_PIPELINE_SD_MODEL_H

#include "models/model.h"
#include "models/nn.h"
#include "sample/schedule.h"
#include "text/tokenizer.h"

typedef struct sd_model {
    gpu_context *ctx;
    model *files;
    tokenizer *tok;
    schedule_config schedule; /* scheduler/scheduler_config.json, else SD 1.x defaults */
    nn_weights weights[MODEL_COMPONENT_COUNT];
    tensor_dtype act;         /* activation dtype */
    uint64_t weight_bytes;
    struct lora_state *lora;  /* LoRAs merged into `weights` and the originals' copies (models/lora.h) */
} sd_model;

/* Opens the model, finds its tokenizer (tokenizer_dir first when non-NULL), uploads the text
 * encoder, UNet and VAE weights. SD 1.x only for now (other families are refused with a message). */
pixeen_status sd_model_load(gpu_context *ctx, const char *path, const char *tokenizer_dir, tensor_dtype act,
                            sd_model **out);
void sd_model_free(sd_model *m);

#endif
