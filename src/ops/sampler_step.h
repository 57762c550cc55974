/* sampler_step.h — the two kernels of a sampler step in the denoising loop.
 * They read the whole plan (an array of sampler_step, ops/abi/sampler_step.h,
 * uploaded once) and the current step index from a small host-visible buffer,
 * so a step recorded once is replayed with only that index changing:
 *   op_sampler_input_record   t[rows] = plan[s].timestep; unet_in = c_in * x
 * (per CFG half) op_sampler_update_record  guidance combine + generic update of
 * x (and prev_denoised) Reference: ref_sampler_step
 * (ops/reference_sampler_step.h). */
#ifndef PIXEEN_OPS_SAMPLER_STEP_H
#define PIXEEN_OPS_SAMPLER_STEP_H

#include "ops/abi/sampler_step.h"
#include "ops/ops.h"

typedef struct op_sampler_bindings {
    gpu_buffer *plan;  /* sampler_step[steps] */
    gpu_buffer *state; /* uint32 step index (host-visible) */
    const tensor *x;   /* fp32 latents [B, h, w, c] */
} op_sampler_bindings;

/* unet_in: [halves * B, h, w, c] in the activation dtype; t: fp32 [halves * B].
 */
void op_sampler_input_record(gpu_recorder *rec, const op_sampler_bindings *s, uint32_t halves, const tensor *unet_in,
                             const tensor *t);
/* model_out: [halves * B, h, w, c]; prev: fp32 like x; noise: fp32
 * [noise_steps, B, h, w, c] (or any fp32 tensor when noise_steps is 0). */
void op_sampler_update_record(gpu_recorder *rec, const op_sampler_bindings *s, uint32_t halves, float guidance,
                              const tensor *model_out, const tensor *prev, const tensor *noise, uint32_t noise_steps);

#endif
