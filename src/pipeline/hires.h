/* hires.h — AUTOMATIC1111's hires fix (StableDiffusionProcessingTxt2Img.sample_hr_pass), composed
 * of the pieces Pixeen already has, on the GPU from the first step to the last pixel:
 *   1. txt2img at the first size (the request as given);
 *   2. the upscale: "Latent" (torch's bilinear interpolate of the latents; "Latent (nearest)":
 *      nearest) — no decode — or "Lanczos": the first image, decoded to RGBA8 as a saved image
 *      would be, resized with PIL's Lanczos (the host's taps, ops/picture_ops.h), turned into
 *      [-1, 1] floats and encoded again by the VAE;
 *   3. img2img at the hires size from that start, seeded with the same seed (a fresh generator,
 *      as A1111's new ImageRNG), at `strength` for exactly `steps` steps: A1111's rule
 *      (setup_img2img_steps with steps given) is a schedule of int(steps / min(strength, 0.999))
 *      steps of which the last `steps` run.
 * Sizes as calculate_target_resolution: `scale` (default 2) gives int(W * scale) x int(H * scale);
 * `width`/`height` (either, or both: then the upscale keeps the first pass's aspect and the excess
 * is cut from both sides in latent units, A1111's truncate_x/_y). Each side is then rounded down to
 * a multiple of the VAE's factor (A1111 interpolates to size // 8 too).
 * Where Pixeen differs from A1111, and why: the schedule is the model's (diffusers' spacing), not
 * k-diffusion's; the first image is rounded to 8 bits (A1111 truncates) so that the composition
 * equals saving it and running img2img on it; the noise of the VAE encoder's sample comes from the
 * run's one generator in diffusers' order (A1111 draws it from torch's global generator); a batch
 * draws from one generator (A1111: one per image seed).
 * Entry point: hires_run. */
#ifndef PIXEEN_PIPELINE_HIRES_H
#define PIXEEN_PIPELINE_HIRES_H

#include "pipeline/txt2img.h"

typedef enum hires_upscaler {
    HIRES_LATENT = 0,         /* A1111 "Latent": bilinear, no antialias */
    HIRES_LATENT_NEAREST = 1, /* A1111 "Latent (nearest)" */
    HIRES_LANCZOS = 2,        /* A1111 "Lanczos": decode, resize the image, encode */
} hires_upscaler;

typedef struct hires_request {
    float scale;        /* > 0, used when width and height are 0 */
    int width, height;  /* A1111's hr_resize_x / _y; 0: from the other, or from scale */
    int steps;          /* >= 1: steps that run in the second pass */
    float strength;     /* (0, 1] */
    hires_upscaler upscaler;
} hires_request;

/* The second pass's size in pixels (multiples of `factor`, within 8..4096) and the window of the
 * upscale: the interpolation's size (th, tw) and corner (y0, x0), in latent units. */
typedef struct hires_plan {
    int width, height;
    int th, tw, y0, x0;
    int total_steps;    /* the second pass's schedule */
} hires_plan;

pixeen_status hires_plan_make(int first_width, int first_height, int factor, const hires_request *h, hires_plan *out);

/* Runs both passes; `out` is the second pass's result (the first one's is wiped and freed). */
pixeen_status hires_run(sd_model *m, const txt2img_request *req, const hires_request *h, txt2img_result *out);

#endif
