/* clip.h — the CLIP text encoder (transformers' CLIPTextModel) as a GPU graph.
 *
 *   x = token_embedding[ids] + position_embedding          [B, T, D]   (T = 77)
 *   for each layer: x += out_proj(attn(layer_norm1(x)))    causal self-attention, H heads
 *                   x += fc2(act(fc1(layer_norm2(x))))     act: quick_gelu (OpenAI) or gelu
 *   out = final_layer_norm(x)
 * Clip skip N (as AUTOMATIC1111 and ComfyUI count it: 1 = last layer) stops after layer
 * num_layers - N + 1 and still applies the final layer norm, which is what those tools feed the
 * UNet. Weight names: text_model.* (diffusers/transformers). */
#ifndef PIXEEN_MODELS_CLIP_H
#define PIXEEN_MODELS_CLIP_H

#include "models/nn.h"

/* ids: int32 [B, T]. Returns the hidden states [B, T, D] (allocated in the graph's arena).
 * final_norm false returns the chosen layer's output without the final layer norm. */
tensor clip_text_forward(nn_graph *g, const clip_config *c, const tensor *ids, int clip_skip, bool final_norm);

/* The same, and the pooled output when `pooled` is non-NULL: the last layer after the final norm
 * at one token per prompt (`eos_rows` int32 [P]: row index b*T + t of that prompt's end token in
 * the flattened [B*T] sequence), through `text_projection` when the encoder has one
 * (CLIPTextModelWithProjection's text_embeds) -> *pooled [P, projection_dim or D]. */
tensor clip_text_forward_pooled(nn_graph *g, const clip_config *c, const tensor *ids, int clip_skip, bool final_norm,
                                const tensor *eos_rows, tensor *pooled);

#endif
