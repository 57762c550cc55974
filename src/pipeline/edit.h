/* edit.h — what img2img and inpainting add to a txt2img run (diffusers 0.25.1's
 * StableDiffusionImg2ImgPipeline and StableDiffusionInpaintPipeline), as hooks txt2img.c calls:
 *
 *   1. edit_begin       checks the request, decides what is encoded and drawn
 *   2. edit_trim_plan   diffusers' get_timesteps: init = min(int(steps * strength), steps) steps
 *                       run, from t_start = steps - init (a DPM++ 2M run restarts first order there)
 *   3. noise draws, from the run's one generator in diffusers' order:
 *        the init image's latent sample (img2img; inpainting unless a 9-channel model starts from
 *        pure noise), then the initial noise (txt2img.c), then the masked image's latent sample
 *        (inpainting, even where a 4-channel model does not use it), then each step's noise
 *   4. edit_prepare     on the GPU, once: the VAE encoder on the picture(s), the samples times the
 *                       scaling factor, the initial latents x = x0 + sigma * noise (VP samplers:
 *                       sqrt(abar) x0 + sqrt(1 - abar) noise) unless inpainting at strength 1
 *                       (then pure noise * init_sigma, as txt2img), and for 9-channel models the
 *                       constant UNet input channels [mask, masked-image latents]
 *   5. in the recorded step: edit_unet_input (9 channels: c_in x ++ mask ++ masked latents) and
 *      edit_record_after_update (4-channel inpainting: the known region, re-noised to the next
 *      step's level — the clean latents after the last step — pasted back where the mask is 0)
 * Entry points: the functions below, in that order; edit_free. */
#ifndef PIXEEN_PIPELINE_EDIT_H
#define PIXEEN_PIPELINE_EDIT_H

#include <stdbool.h>

#include "models/nn.h"
#include "pipeline/sd_model.h"
#include "sample/rng.h"
#include "sample/sampler.h"

typedef struct edit_request {
    const float *image; /* [H, W, 3] in [-1, 1] at the request's size (the caller's locked memory) */
    const float *mask;  /* NULL: img2img; else [H, W], 1 = repaint, 0 = keep (binarised) */
    float strength;     /* (0, 1] */
    /* Starts already on the GPU (image NULL; borrowed, read during edit_prepare; not for
     * 9-channel models; a mask only with pixels): */
    const tensor *pixels;  /* fp32 [1 or B, H, W, 3] in [-1, 1]: B distinct pictures are encoded
                              and sampled together, their noise drawn as one [B, C, h, w] randn */
    const tensor *latents; /* fp32 [B, h, w, C], already times the scaling factor: the start
                              itself (no encoder, no sample drawn) — a hires fix's upscaled latents */
    int run_steps;         /* 0: diffusers' int(steps * strength) last steps run; else exactly this
                              many (AUTOMATIC1111's hires rule: a longer schedule, its last steps) */
} edit_request;

typedef struct edit_state {
    const edit_request *req;
    bool inpaint;       /* a mask is given */
    bool nine;          /* the UNet takes [latents, mask, masked-image latents] */
    bool full;          /* inpainting at strength 1: start from pure noise */
    bool encode_image;  /* the init image's latents are needed (and their sample drawn) */
    int t_start;        /* steps of the full schedule skipped */
    int64_t B, C, h, w, H, W;
    int pictures;               /* distinct pictures encoded for the start: 1, or B (GPU pixels) */
    float *sample_noise;        /* NHWC [pictures + 1, h, w, C]: the image's sample noise (per
                                   picture), the masked image's */
    float *init_noise;          /* NHWC [B, h, w, C], unscaled */
    tensor pixels;              /* fp32 [images, H, W, 3] */
    tensor sample_noise_t;      /* fp32 [pictures + 1, h*w*C] */
    tensor x0, noise, masked;   /* fp32 [B, h, w, C] */
    tensor mask_lat;            /* fp32 [h, w] */
    tensor mask_rows;           /* fp32 [B, h, w, 1] (9-channel input) */
    tensor extra;               /* activation dtype [halves*B, h, w, C+1] (9-channel input) */
    gpu_buffer *coeffs;         /* float2 per entry: 0 the start, k+1 after step k */
    nn_program encode;
    uint32_t halves;
    const vae_config *vae;
    const sampler_plan *plan;
} edit_state;

pixeen_status edit_begin(const sd_model *m, const edit_request *req, int width, int height, int batch, edit_state *e);
pixeen_status edit_trim_plan(edit_state *e, sampler_plan *plan);
pixeen_status edit_draw_before_noise(edit_state *e, rng *r);
/* A copy of the initial noise (NCHW [B, C, h, w], before any scaling). */
pixeen_status edit_keep_noise(edit_state *e, const float *nchw);
pixeen_status edit_draw_after_noise(edit_state *e, rng *r);
/* x: the run's fp32 latents [B, h, w, C], already holding init_sigma * noise. */
pixeen_status edit_prepare(sd_model *m, edit_state *e, const sampler_plan *plan, const tensor *x, uint32_t halves);
/* The UNet's input for this step: unet_in itself, or (9 channels) a new arena tensor the caller
 * releases with edit_release_unet_input. */
tensor edit_unet_input(nn_graph *g, const edit_state *e, const tensor *unet_in);
void edit_release_unet_input(nn_graph *g, const edit_state *e, tensor *t);
void edit_record_after_update(nn_graph *g, const edit_state *e, gpu_buffer *state, const tensor *x);
/* Wipes the host copies and the GPU tensors (they hold the picture's latents). */
void edit_free(edit_state *e);

#endif
