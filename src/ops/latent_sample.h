/* latent_sample.h — the operators img2img and inpainting add around the networks:
 *   op_latent_sample_record  the VAE encoder's moments -> scaling_factor * (mean + std * noise)
 *   op_latent_blend_record   x = m * x + (1 - m) * (alpha * x0 + beta * noise), (alpha, beta) read
 *                            from a per-step table by the recorded step's index (inpainting's
 *                            paste-back of the known region) or a fixed entry (img2img's start)
 * Plain-C references: op_latent_sample_reference, op_latent_blend_reference (the tests' spec). */
#ifndef PIXEEN_OPS_LATENT_SAMPLE_H
#define PIXEEN_OPS_LATENT_SAMPLE_H

#include <stdbool.h>

#include "ops/ops.h"

/* moments: [1, h, w, 2C] (activation dtype); noise: fp32 [1, h, w, C]; out: fp32 [B, h, w, C]
 * (the image's sample repeated over B). */
void op_latent_sample_record(gpu_recorder *rec, const tensor *moments, const tensor *noise, float scale,
                             const tensor *out);
void op_latent_sample_reference(const float *moments, const float *noise, float scale, int64_t B, int64_t pixels,
                                int64_t C, float *out);

typedef struct op_blend_bindings {
    gpu_buffer *coeffs; /* float2 (alpha, beta) per entry */
    gpu_buffer *state;  /* uint32 step index (host-visible); read only when use_state */
    const tensor *x;    /* fp32 [B, h, w, C], updated in place */
    const tensor *x0;   /* fp32 like x: the clean image latents */
    const tensor *noise;/* fp32 like x */
    const tensor *mask; /* fp32 [h, w] (1 = repaint), or NULL: x = known everywhere */
} op_blend_bindings;

/* Entry `index` (+ the step index when use_state). */
void op_latent_blend_record(gpu_recorder *rec, const op_blend_bindings *b, uint32_t index, bool use_state);
void op_latent_blend_reference(float alpha, float beta, const float *x0, const float *noise, const float *mask,
                               int64_t n, int64_t C, int64_t pixels, float *x);

#endif
