/* reference_sampler_step.h — one sampler step in plain C, the specification of
 * the GPU step kernels (ops/sampler_step.h) and of the samplers' host tests. */
#ifndef PIXEEN_OPS_REFERENCE_SAMPLER_STEP_H
#define PIXEEN_OPS_REFERENCE_SAMPLER_STEP_H

#include <stddef.h>

#include "ops/abi/sampler_step.h"

/* Applies one step to n floats, in float, exactly as the generic update
 * (abi/sampler_step.h) reads: x [n], model_out [n] (guided), prev_denoised [n]
 * (read when USE_PREV, written when KEEP_DENOISED; may be NULL when neither is
 * set), noise [n] (read when d != 0; may be NULL otherwise), out [n] (may alias
 * x). */
void ref_sampler_step(const sampler_step *step, const float *x, const float *model_out, float *prev_denoised,
                      const float *noise, float *out, size_t n);

/* The start of a step (op_sampler_input_record): t[rows] = step->timestep; unet_in = c_in * x once
 * per classifier-free-guidance half ([halves * n]). */
void ref_sampler_input(const sampler_step *step, const float *x, size_t n, uint32_t halves, float *unet_in, float *t,
                       size_t rows);
/* Classifier-free guidance as op_sampler_update_record combines the halves: out = u + g * (c - u). */
void ref_guidance(const float *uncond, const float *cond, float guidance, size_t n, float *out);

#endif
