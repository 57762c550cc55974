/* vae_encoder.h — the VAE encoder (diffusers' AutoencoderKL.encode up to the latent
 * distribution's parameters) as a GPU graph:
 *   x = encoder.conv_in(image); levels of layers_per_block ResNet blocks, each level but the last
 *   followed by Downsample2D (pad (0, 1, 0, 1), then a 3x3 stride-2 convolution); mid block
 *   (ResNet, single-head attention, ResNet); encoder.conv_out(silu(group_norm(x))) -> 2C
 *   channels; quant_conv (1x1) -> the moments [B, h, w, 2C]: mean in channels [0, C), log-variance
 *   in [C, 2C).
 * The sample (mean + std * noise, times the scaling factor) is op_latent_sample_record's work, so
 * the noise can come from the pipeline's one generator in diffusers' order. NHWC throughout.
 * Entry point: vae_encode_forward. */
#ifndef PIXEEN_MODELS_VAE_ENCODER_H
#define PIXEEN_MODELS_VAE_ENCODER_H

#include "models/nn.h"

/* image: [B, H, W, in_channels] in [-1, 1], H and W multiples of the downscale factor. */
tensor vae_encode_forward(nn_graph *g, const vae_config *c, const tensor *image);

#endif
