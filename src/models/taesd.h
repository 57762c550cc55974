/* taesd.h — TAESD, the tiny autoencoder (diffusers' AutoencoderTiny format: a folder with
 * config.json and diffusion_pytorch_model.safetensors), as GPU graphs. It works on the UNet's
 * latents as they are (scaling_factor 1: no division by the VAE's 0.18215).
 *
 *   decoder: x = tanh(z / 3) * 3; conv 3x3 + ReLU; per level: num_decoder_blocks[i] blocks,
 *            then (but the last) nearest 2x upsampling and a 3x3 conv without bias; the last
 *            level's conv (with bias) gives out_channels; y = 2x - 1 -> about [-1, 1]
 *   encoder: x = (image + 1) / 2; per level: a 3x3 conv (level 0: with bias; later: stride 2,
 *            no bias), then num_encoder_blocks[i] blocks; a last 3x3 conv to latent_channels
 *   block:   ReLU(conv(ReLU(conv(ReLU(conv(x))))) + skip(x)), skip a bias-free 1x1 conv where
 *            the channel count changes, else x
 * Layers are found by their index in diffusers' nn.Sequential ("decoder.layers.<i>..."), walked
 * in the same order the config builds them. NHWC throughout.
 * Entry points: taesd_is_folder, taesd_load, taesd_free, taesd_decode_forward,
 * taesd_encode_forward. */
#ifndef PIXEEN_MODELS_TAESD_H
#define PIXEEN_MODELS_TAESD_H

#include <stdbool.h>

#include "models/nn.h"

#define TAESD_MAX_LEVELS 8

typedef struct taesd_config {
    int in_channels, out_channels, latent_channels;
    int enc_levels, dec_levels;
    int enc_channels[TAESD_MAX_LEVELS], enc_blocks[TAESD_MAX_LEVELS];
    int dec_channels[TAESD_MAX_LEVELS], dec_blocks[TAESD_MAX_LEVELS];
    int downscale; /* 2^(dec_levels - 1): 8 for the real ones */
} taesd_config;

typedef struct taesd {
    taesd_config cfg;
    nn_weights weights; /* fp16 on the GPU, conv kernels reordered for NHWC */
} taesd;

/* True when `path` is a folder whose config.json names AutoencoderTiny. */
bool taesd_is_folder(const char *path);
/* Parses config.json and uploads the weights; every layer the config implies must be present
 * with its shape (checked when a graph is built: a missing one is named). */
pixeen_status taesd_load(gpu_context *ctx, const char *path, taesd **out);
void taesd_free(taesd *t);

/* latents: [B, h, w, latent_channels] (unscaled) -> [B, h*f, w*f, out_channels] in about [-1, 1]. */
tensor taesd_decode_forward(nn_graph *g, const taesd_config *c, const tensor *latents);
/* image: [B, H, W, in_channels] in [-1, 1] -> [B, H/f, W/f, latent_channels]. */
tensor taesd_encode_forward(nn_graph *g, const taesd_config *c, const tensor *image);

#endif
