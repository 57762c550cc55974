/* resnet.h — diffusers' ResnetBlock2D, shared by the UNet and the VAE:
 *   h = conv1(silu(norm1(x))) (+ time_emb_proj(silu(emb)) per batch row, UNet only)
 *   h = conv2(silu(norm2(h)));  out = shortcut(x) + h   (residual add fused into conv2;
 *   shortcut = conv_shortcut, a 1x1 convolution, where the channel count changes). */
#ifndef PIXEEN_MODELS_RESNET_H
#define PIXEEN_MODELS_RESNET_H

#include "models/nn.h"

/* x [B, H, W, Cin] -> [B, H, W, Cout]; emb_silu [B, E] or NULL (the VAE has no time embedding). */
tensor resnet_block(nn_graph *g, const char *prefix, const tensor *x, const tensor *emb_silu, int groups, float eps);

#endif
