/* unet.h — the Stable Diffusion 1.x/2.x/SDXL UNet (diffusers' UNet2DConditionModel) as a GPU graph.
 *
 *   emb = time_embedding(timestep_embedding(t))                       [B, 4*C0]
 *   x = conv_in(sample); down levels (ResNet blocks with the time embedding, spatial transformers
 *   with self- and cross-attention and GEGLU feed-forward, stride-2 downsampling), the middle block,
 *   up levels (skip connections concatenated on channels, nearest 2x upsampling to the skip's size:
 *   any latent size works, odd sizes rounded up by the stride-2 convolutions as in diffusers), then
 *   conv_out(silu(group_norm(x))).
 * Every shape comes from unet_config, so the tiny test model and SD 1.5 run through this code.
 * Tensors are NHWC: sample [B, H, W, Cin], context [B, 77, Dctx], output [B, H, W, Cout].
 * SDXL's added conditioning ("text_time"): emb += add_embedding(concat(text_embeds,
 * sinusoid(time_ids) flattened)), each of the six time ids embedded with addition_time_embed_dim.
 * Left out: class embeddings, other addition_embed_types. */
#ifndef PIXEEN_MODELS_UNET_H
#define PIXEEN_MODELS_UNET_H

#include "models/nn.h"

/* timesteps: fp32 [B] (a buffer the host rewrites between replays). Returns [B, H, W, Cout]. */
tensor unet_forward(nn_graph *g, const unet_config *c, const tensor *sample, const tensor *timesteps,
                    const tensor *context);

/* The UNet's added inputs (SDXL): required when c->addition_time_embed_dim is set. */
typedef struct unet_added_inputs {
    const tensor *text_embeds; /* [B, P]: the pooled, projected text (activation dtype) */
    const tensor *time_ids;    /* fp32 [B * 6]: original h, w, crop top, left, target h, w per image */
} unet_added_inputs;

tensor unet_forward_added(nn_graph *g, const unet_config *c, const tensor *sample, const tensor *timesteps,
                          const tensor *context, const unet_added_inputs *added);

#endif
