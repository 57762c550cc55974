/* model_config.h — the configuration of each network (CLIP text encoder, UNet, VAE): every field
 * the GPU builders need, read from a diffusers config.json or derived from a single-file
 * checkpoint's tensor shapes (models/layout.c), then validated by one function per network.
 *
 * Naming follows diffusers' config.json; where diffusers is confusing it is resolved here once:
 * unet_config.attention_heads[] is the number of heads per level (diffusers' SD 1.x configs write
 * this in "attention_head_dim"), attention_head_dim[] is channels / heads.
 * Entry points: clip_config_from_json, unet_config_from_json, vae_config_from_json,
 * *_config_validate, *_config_print. Left out: schedulers (src/sample), ControlNet, LoRA.
 */
#ifndef PIXEEN_MODELS_MODEL_CONFIG_H
#define PIXEEN_MODELS_MODEL_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"

/* Levels of a UNet or VAE: SD 1.x/2.x have 4, SDXL 3. Six leaves room for odd test models. */
#define MODEL_MAX_LEVELS 6
/* Resnets per UNet down level: SD uses 2; 16 bounds what a config may ask (unet.c sizes its skip
 * list from it). */
#define MODEL_MAX_LAYERS_PER_BLOCK 16

typedef enum model_act { MODEL_ACT_SILU = 0, MODEL_ACT_GELU, MODEL_ACT_QUICK_GELU } model_act;
const char *model_act_name(model_act act);

typedef struct clip_config {
    int vocab_size;          /* 49408 for CLIP */
    int hidden_size;         /* 768 (SD 1.x), 1024 (SD 2.x), 1280 (SDXL's second encoder) */
    int intermediate_size;   /* MLP width, 4 x hidden in real models */
    int num_layers;          /* transformer layers present (SD 2.x: 23, the penultimate output) */
    int num_heads;
    int head_dim;            /* hidden_size / num_heads */
    int max_positions;       /* 77 */
    int projection_dim;      /* text_projection output (only used when has_projection) */
    bool has_projection;     /* SDXL's second encoder: text_projection.weight [projection_dim, hidden] */
    float layer_norm_eps;    /* 1e-5 */
    model_act hidden_act;    /* quick_gelu (OpenAI CLIP) or gelu (OpenCLIP) */
    int bos_token_id, eos_token_id, pad_token_id; /* from config.json when given, else -1 */
} clip_config;

typedef struct unet_config {
    int in_channels;                              /* 4, 9 for inpainting */
    int out_channels;                             /* 4 */
    int sample_size;                              /* latent side for the default resolution */
    int n_levels;                                 /* len(block_out_channels) */
    int block_out_channels[MODEL_MAX_LEVELS];     /* SD 1.5: 320 640 1280 1280 */
    int layers_per_block;                         /* resnets per down level (up: +1) */
    bool down_cross_attn[MODEL_MAX_LEVELS];       /* CrossAttnDownBlock2D vs DownBlock2D */
    bool up_cross_attn[MODEL_MAX_LEVELS];         /* up level i (i = 0 is the deepest) */
    int transformer_depth[MODEL_MAX_LEVELS];      /* per down level; up uses the reverse */
    int mid_transformer_depth;                    /* 1; SDXL 10 */
    bool mid_attention;                           /* UNetMidBlock2DCrossAttn has a transformer */
    int attention_heads[MODEL_MAX_LEVELS];        /* heads per down level */
    int attention_head_dim[MODEL_MAX_LEVELS];     /* channels / heads */
    int cross_attention_dim;                      /* 768 / 1024 / 2048 */
    int norm_num_groups;                          /* 32 */
    float norm_eps;                               /* 1e-5 */
    model_act act_fn;                             /* silu */
    bool use_linear_projection;                   /* proj_in/out as linear (SD 2.x, SDXL) or 1x1 conv */
    bool upcast_attention;                        /* SD 2.1: attention in fp32 */
    bool flip_sin_to_cos;                         /* true */
    int freq_shift;                               /* 0 */
    int time_embed_dim;                           /* 4 x block_out_channels[0] */
    int addition_time_embed_dim;                  /* SDXL "text_time": 256; 0 = none */
    int projection_class_embeddings_input_dim;    /* SDXL: 2816; 0 = none */
} unet_config;

typedef struct vae_config {
    int in_channels;                          /* 3 */
    int out_channels;                         /* 3 */
    int latent_channels;                      /* 4 */
    int n_levels;
    int block_out_channels[MODEL_MAX_LEVELS]; /* 128 256 512 512 */
    int layers_per_block;                     /* encoder resnets per level; decoder has one more */
    int norm_num_groups;                      /* 32 */
    float norm_eps;                           /* 1e-6 (diffusers' AutoencoderKL) */
    model_act act_fn;                         /* silu */
    float scaling_factor;                     /* 0.18215 (SD 1.x/2.x), 0.13025 (SDXL) */
    int sample_size;                          /* image side for the default resolution */
    int downscale;                            /* 2^(n_levels-1): 8 for real models */
} vae_config;

/* Fill from a parsed config.json text. Missing optional keys take diffusers' defaults; the
 * result is validated. `what` names the file in messages. */
pixeen_status clip_config_from_json(const char *json, size_t len, const char *what, clip_config *out);
pixeen_status unet_config_from_json(const char *json, size_t len, const char *what, unet_config *out);
pixeen_status vae_config_from_json(const char *json, size_t len, const char *what, vae_config *out);

/* Range and consistency checks (channels divisible by groups and heads, ...). */
pixeen_status clip_config_validate(const clip_config *c, const char *what);
pixeen_status unet_config_validate(const unet_config *c, const char *what);
pixeen_status vae_config_validate(const vae_config *c, const char *what);

void clip_config_print(const clip_config *c, FILE *out);
void unet_config_print(const unet_config *c, FILE *out);
void vae_config_print(const vae_config *c, FILE *out);

#endif
