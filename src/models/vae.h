/* vae.h — the VAE decoder (diffusers' AutoencoderKL.decode) as a GPU graph.
 *
 *   z = post_quant_conv(latents / scaling_factor)     (the caller applies the scaling factor)
 *   x = decoder.conv_in(z); mid block (ResNet, single-head attention, ResNet); up levels of
 *   layers_per_block + 1 ResNet blocks with nearest 2x upsampling between them;
 *   decoder.conv_out(silu(group_norm(x)))  -> [B, H*f, W*f, 3] in about [-1, 1]
 * GroupNorms use eps 1e-6 (vae_config.norm_eps) and no time embedding. NHWC throughout.
 * The encoder is in vae_encoder.h; tiled decoding and encoding in pipeline/vae_tiling.h. */
#ifndef PIXEEN_MODELS_VAE_H
#define PIXEEN_MODELS_VAE_H

#include "models/nn.h"

/* latents: [B, h, w, latent_channels], already divided by the scaling factor. */
tensor vae_decode_forward(nn_graph *g, const vae_config *c, const tensor *latents);

/* The mid block's single-head self-attention over all pixels (`<p>.group_norm`, to_q/k/v,
 * to_out.0 with the residual added), shared by the decoder and the encoder. x: [B, H, W, C]. */
tensor vae_attention_forward(nn_graph *g, const vae_config *c, const char *p, const tensor *x);

#endif
