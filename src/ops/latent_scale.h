/* latent_scale.h — fp32 latents times a scale into the activation dtype: the
 * VAE decoder's input (latents / scaling_factor; shaders/latent_scale.comp). */
#ifndef PIXEEN_OPS_LATENT_SCALE_H
#define PIXEEN_OPS_LATENT_SCALE_H

#include "ops/ops.h"

/* out = x * scale; x fp32, out any dtype with as many values. */
void op_latent_scale_record(gpu_recorder *rec, const tensor *x, float scale, const tensor *out);

#endif
