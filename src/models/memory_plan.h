/* memory_plan.h — how much device memory a configuration needs at a size, from shapes alone: no
 * weights, no GPU, milliseconds. The networks' own builders (unet.c, vae.c) run their planning
 * pass (nn.h: g->rec == NULL) over a table of weights that has names and shapes but no buffers,
 * so the arena peaks are exactly those nn_program_build would allocate for the same shapes.
 *
 * What it answers: will SDXL at 1024x1024 fit a device (weights + the step's arena + the decode's
 * arena), and does any single activation exceed a binding limit (lavapipe's 128 MiB
 * maxStorageBufferRange) or one allocation (the arena is one buffer: maxMemoryAllocationSize).
 * tools/memory_plan.c prints it; tests/test_memory_plan.c checks the full-size configurations.
 * Left out: the text encoders' arenas (77 tokens per chunk: a few MiB) and the run's small
 * buffers (latents, noise, plan), which txt2img adds to its own log.
 * Entry points: memory_plan_unet, memory_plan_vae_decode, memory_plan_weight_bytes. */
#ifndef PIXEEN_MODELS_MEMORY_PLAN_H
#define PIXEEN_MODELS_MEMORY_PLAN_H

#include <stdint.h>

#include "core/tensor.h"
#include "models/model_config.h"

typedef struct memory_plan {
    uint64_t arena_bytes;   /* the activation arena's peak: the one buffer nn_program_build allocates */
    uint64_t largest_bytes; /* the largest single activation (what one binding must cover) */
    double flops;           /* 2 x multiply-adds of its matrix products, convolutions and attentions */
    uint64_t winograd_bytes; /* the transformed 3x3 kernels its Winograd convolutions keep with the
                              * weights (nn.h, nn_winograd_cache): device memory beside weights and arena */
} memory_plan;

/* One UNet evaluation (the denoising step's arena, less the sampler's few bytes): sample
 * [batch, height/8, width/8, in_channels] (latent_h x latent_w given), context [batch,
 * context_tokens, cross_attention_dim], SDXL's added inputs when the config has them. */
pixeen_status memory_plan_unet(const unet_config *c, int64_t batch, int64_t latent_h, int64_t latent_w,
                               int64_t context_tokens, tensor_dtype act, memory_plan *out);

/* The VAE decoder on [batch, latent_h, latent_w, latent_channels] latents, plus the scaled copy
 * of them the pipeline's decode program makes first. */
pixeen_status memory_plan_vae_decode(const vae_config *c, int64_t batch, int64_t latent_h, int64_t latent_w,
                                     tensor_dtype act, memory_plan *out);

/* Bytes of the weights in fp16 on the device (what nn_weights_upload stores for an unquantized
 * model), per network: the UNet, a text encoder, the VAE (encoder and decoder: both are loaded). */
uint64_t memory_plan_unet_weight_bytes(const unet_config *c);
uint64_t memory_plan_clip_weight_bytes(const clip_config *c);
uint64_t memory_plan_vae_weight_bytes(const vae_config *c);

#endif
