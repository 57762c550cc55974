/* txt2img.h — text to image with a model of any supported family (pipeline/family.h), entirely on
 * the GPU. The loop knows no family by name: the family's description says which text encoders
 * run and how their outputs become the UNet's context and added inputs.
 *
 * One run: <lora:...> tags out, LoRAs merged and embeddings found (pipeline/extras.h) -> tokenize
 * (CPU) -> the text encoders on [uncond x B; cond x B] -> initial noise drawn on the host by the
 * torch-compatible RNG and uploaded once (with every step's ancestral noise, drawn in diffusers'
 * order) -> the step (sampler input, UNet, guidance + sampler update) recorded once and replayed
 * `steps` times, the host writing only the step index between submits -> VAE decode -> RGBA8, which
 * stays on the GPU. Nothing is read back unless the caller asks (pixeen_image_read / save).
 * Prompt emphasis ("(word:1.2)") scales the text encoder's output per token (op_token_weights,
 * only when the prompt uses it); long prompts run as chunks of 75 tokens. img2img and inpainting:
 * `edit` (pipeline/edit.h).
 * Entry points: txt2img_run, txt2img_result_free. */
#ifndef PIXEEN_PIPELINE_TXT2IMG_H
#define PIXEEN_PIPELINE_TXT2IMG_H

#include <stdatomic.h>

#include "models/lora.h"
#include "models/taesd.h"
#include "pipeline/edit.h"
#include "pipeline/sd_model.h"
#include "sample/rng.h"
#include "sample/sampler.h"

typedef void (*txt2img_progress_fn)(int step, int total, double elapsed_seconds, void *user);
/* Sees the current latents (fp32 NHWC [B, h, w, C], on the GPU, valid during the call) after a
 * step; a status other than PIXEEN_OK stops the run with it. */
typedef pixeen_status (*txt2img_preview_fn)(const tensor *latents, int step, int total, void *user);

typedef struct txt2img_request {
    const char *prompt;          /* required */
    const char *negative_prompt; /* NULL: "" (SDXL: zero embeddings, diffusers' force_zeros_for_empty_prompt) */
    int width, height;           /* pixels, multiples of the VAE's downscale factor */
    int batch;                   /* >= 1 */
    int clip_skip;               /* >= 1 */
    float guidance;              /* 1: a single UNet pass per step */
    uint64_t seed;
    rng_kind rng;
    sampler_desc sampler;
    txt2img_progress_fn progress;
    void *progress_user;
    atomic_int *cancel;          /* checked between steps; may be NULL */
    txt2img_preview_fn preview;  /* NULL: none; else after every preview_every-th step and the last */
    void *preview_user;
    int preview_every;           /* <= 0: 1 */
    /* SDXL's size conditioning, pixels; 0: as diffusers (original and target = the image size,
     * crop corner 0, 0). Families without added inputs ignore them. */
    int original_width, original_height, crop_x, crop_y, target_width, target_height;
    /* LoRAs merged for this run besides the <lora:NAME:WEIGHT> tags of both prompts (whose names
     * resolve in lora_dir; NULL: $XDG_DATA_HOME/pixeen/loras). A run without any puts the original
     * weights back (pipeline/extras.h). */
    const lora_request *loras;
    size_t lora_count;
    const char *lora_dir;
    const char *embedding_dir;   /* textual-inversion embeddings; NULL: $XDG_DATA_HOME/pixeen/embeddings */

    /* For parity tests: replace what the RNG would draw (NCHW, standard normal, before scaling). */
    const float *init_noise;     /* [B, C, h, w] */
    const float *step_noise;     /* [steps, B, C, h, w], only the steps that draw */
    int keep_debug;              /* copy final latents (NCHW) and the VAE output (NHWC) to the result */

    const edit_request *edit;    /* NULL: text to image; else img2img / inpainting (edit.h) */
    const taesd *decoder;        /* NULL: the model's VAE; else TAESD decodes the final image */
    /* For a hires fix's first pass (pipeline/hires.h): */
    bool keep_latents;           /* the result keeps the final latents on the GPU (result.latents) */
    bool skip_decode;            /* no decode: result.rgba stays NULL (the latent upscalers) */
    int step_offset, step_total; /* progress and previews count steps from step_offset of
                                    step_total (0: this run's own count) */
} txt2img_request;

typedef struct txt2img_result {
    gpu_buffer *rgba; /* batch * height * width packed RGBA8, on the GPU */
    int width, height, batch;
    uint64_t peak_device_bytes; /* arenas and buffers of this run, on top of the weights */
    float *debug_latents;       /* keep_debug: [B, C, h, w] */
    float *debug_image;         /* keep_debug: [B, H, W, 3], the VAE's raw output */
    tensor latents;             /* keep_latents: fp32 [B, h, w, C] final latents, own buffer */
} txt2img_result;

pixeen_status txt2img_run(sd_model *m, const txt2img_request *req, txt2img_result *out);
/* Clears the image's GPU memory and frees the result. */
void txt2img_result_free(txt2img_result *r);

#endif
