/* sampler_step.h — the operators around the networks in a denoising loop. The sampler ones read the
 * whole plan (an array of sampler_step, src/sample/sampler.h, uploaded once) and the current step
 * index from a small host-visible buffer, so a step recorded once is replayed with only that index
 * changing:
 *   op_sampler_input_record   t[rows] = plan[s].timestep; unet_in = c_in * x (per CFG half)
 *   op_sampler_update_record  guidance combine + generic update of x (and prev_denoised)
 *   op_latent_scale_record    fp32 latents * scale -> activation dtype (VAE input)
 *   op_image_rgba8_record     VAE output [B, H, W, 3] -> packed RGBA8 */
#ifndef PIXEEN_OPS_SAMPLER_STEP_H
#define PIXEEN_OPS_SAMPLER_STEP_H

#include "ops/ops.h"

typedef struct op_sampler_bindings {
    gpu_buffer *plan;  /* sampler_step[steps] */
    gpu_buffer *state; /* uint32 step index (host-visible) */
    const tensor *x;   /* fp32 latents [B, h, w, c] */
} op_sampler_bindings;

/* unet_in: [halves * B, h, w, c] in the activation dtype; t: fp32 [halves * B]. */
void op_sampler_input_record(gpu_recorder *rec, const op_sampler_bindings *s, uint32_t halves, const tensor *unet_in,
                             const tensor *t);
/* model_out: [halves * B, h, w, c]; prev: fp32 like x; noise: fp32 [noise_steps, B, h, w, c] (or
 * any fp32 tensor when noise_steps is 0). */
void op_sampler_update_record(gpu_recorder *rec, const op_sampler_bindings *s, uint32_t halves, float guidance,
                              const tensor *model_out, const tensor *prev, const tensor *noise, uint32_t noise_steps);
void op_latent_scale_record(gpu_recorder *rec, const tensor *x, float scale, const tensor *out);
/* AUTOMATIC1111 emphasis: z [rows, T, D] *= w [rows, T] (fp32), then each row rescaled to keep its
 * mean. */
void op_token_weights_record(gpu_recorder *rec, const tensor *z, const tensor *w);
/* out: a buffer range of B*H*W uint32. */
void op_image_rgba8_record(gpu_recorder *rec, const tensor *image, gpu_buffer *out, uint64_t out_offset);

#endif
