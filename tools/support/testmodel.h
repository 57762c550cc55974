/* testmodel.h — writes random-weight Stable Diffusion models with the real tensor names and
 * shapes (from model_spec.h, mapped through layout_names.h for single files), for tests, the demo
 * and benchmarks. tools/make_test_model.c is its command line. Not part of libpixeen: it is the
 * test-support library pixeen_test_support (tools/CMakeLists.txt), linked by tools/ and tests/.
 *
 * Configurations: "sd15-tiny" (the shapes of ../shared/fixtures/sd15-tiny: 32/64 channels, CLIP
 * width 32 with MLP 37, vocab 1000), "sd15" (full Stable Diffusion 1.5: 1.07 G parameters) and
 * "sdxl-tiny" (SDXL's structure at toy size: two text encoders, the second OpenCLIP-style with a
 * projection, linear projections, transformer depth 2, text_time embedding; in a single file its
 * attention is fused in_proj_weight and text_projection is transposed, as real SDXL files store)
 * and "sd2-tiny" (SD 2.x's: OpenCLIP text encoder with fused attention, whose single file holds
 * one more layer than the diffusers folder, as SD 2.x uses the penultimate layer; linear
 * projections; attention upcast; tokenizer padding with "!"), and at full size "sd21" (SD 2.1
 * 768-v: 865.9 M UNet, OpenCLIP ViT-H text tower) and "sdxl" (SDXL base: 2.57 G UNet, 123 M +
 * 695 M text encoders).
 * Layouts: a diffusers folder (model_index.json, configs, weights, tokenizer, scheduler) or one
 * single-file original-layout checkpoint (with int64 position_ids and an fp32 alphas_cumprod
 * buffer, as real ones carry) plus tokenizer/ beside it.
 * Values: weights ~ N(0, 1/sqrt(fan_in)) (activations stay O(1) through the networks), biases
 * ~ N(0, 0.02), norms weight 1 and bias 0, embeddings ~ N(0, 1/sqrt(width)). Each tensor draws
 * from its own stream seeded by (seed, component, diffusers name), so both layouts of one seed
 * hold identical values. The tokenizer is a small BPE vocabulary trained on a built-in prompt
 * corpus (deterministic): 256 byte symbols, their "</w>" forms, merges, start and end tokens.
 * Data is generated and written in 4 MiB slices: a 4 GB model never sits in memory.
 * Entry points: testmodel_configs, testmodel_write. */
#ifndef PIXEEN_TOOLS_TESTMODEL_H
#define PIXEEN_TOOLS_TESTMODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "models/model_config.h"

typedef struct testmodel_options {
    const char *config;  /* "sd15-tiny" (default when NULL), "sd15", "sd2-tiny", "sdxl-tiny", "sd21", "sdxl" */
    const char *out;     /* folder (diffusers) or .safetensors file (single) */
    bool single_file;
    bool fp16;           /* default fp32 */
    uint64_t seed;
    int vocab_size;      /* 0: the configuration's; else the text encoders' embedding rows
                            (49408: CLIP's, for a tiny model the built-in vocabulary serves) */
} testmodel_options;

typedef struct testmodel_config {
    bool sdxl;
    bool sd2;            /* OpenCLIP text encoder (a single file stores one more, unused, layer) */
    clip_config clip[2]; /* clip[1] only for SDXL */
    unet_config unet;
    vae_config vae;
} testmodel_config;

pixeen_status testmodel_config_get(const char *name, testmodel_config *out);
/* The SD 1.x configurations only ("sd15-tiny", "sd15"). */
pixeen_status testmodel_configs(const char *name, clip_config *clip, unet_config *unet, vae_config *vae);
pixeen_status testmodel_write(const testmodel_options *options);

#endif
