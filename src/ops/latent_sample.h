/* latent_sample.h — img2img's and inpainting's picture latents: the VAE
 * encoder's moments -> scaling_factor * (mean + std * noise)
 * (shaders/latent_sample.comp). Reference: ref_latent_sample
 * (ops/reference_latent_sample.h). */
#ifndef PIXEEN_OPS_LATENT_SAMPLE_H
#define PIXEEN_OPS_LATENT_SAMPLE_H

#include "ops/ops.h"

/* moments: [1, h, w, 2C] (activation dtype); noise: fp32 [1, h, w, C]; out:
 * fp32 [B, h, w, C] (the image's sample repeated over B). */
void op_latent_sample_record(gpu_recorder *rec, const tensor *moments, const tensor *noise, float scale,
                             const tensor *out);

#endif
