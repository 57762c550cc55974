/* latent_blend.h — x = m * x + (1 - m) * (alpha * x0 + beta * noise)
 * (shaders/latent_blend.comp), (alpha, beta) read from a per-step table by the
 * recorded step's index (inpainting's paste-back of the known region) or a
 * fixed entry (img2img's start). Reference: ref_latent_blend
 * (ops/reference_latent_blend.h). */
#ifndef PIXEEN_OPS_LATENT_BLEND_H
#define PIXEEN_OPS_LATENT_BLEND_H

#include <stdbool.h>

#include "ops/ops.h"

typedef struct op_blend_bindings {
    gpu_buffer *coeffs;  /* float2 (alpha, beta) per entry */
    gpu_buffer *state;   /* uint32 step index (host-visible); read only when use_state */
    const tensor *x;     /* fp32 [B, h, w, C], updated in place */
    const tensor *x0;    /* fp32 like x: the clean image latents */
    const tensor *noise; /* fp32 like x */
    const tensor *mask;  /* fp32 [h, w] (1 = repaint), or NULL: x = known everywhere */
} op_blend_bindings;

/* Entry `index` (+ the step index when use_state). */
void op_latent_blend_record(gpu_recorder *rec, const op_blend_bindings *b, uint32_t index, bool use_state);

#endif
