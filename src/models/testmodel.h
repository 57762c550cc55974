/* testmodel.h — writes random-weight Stable Diffusion models with the real tensor names and
 * shapes (from model_spec.h, mapped through layout_names.h for single files), for tests, the demo
 * and benchmarks. tools/make_test_model.c is its command line.
 *
 * Configurations: "sd15-tiny" (the shapes of ../shared/fixtures/sd15-tiny: 32/64 channels, CLIP
 * width 32 with MLP 37, vocab 1000) and "sd15" (full Stable Diffusion 1.5: 1.07 G parameters).
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
#ifndef PIXEEN_MODELS_TESTMODEL_H
#define PIXEEN_MODELS_TESTMODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "models/model_config.h"

typedef struct testmodel_options {
    const char *config;  /* "sd15-tiny" (default when NULL) or "sd15" */
    const char *out;     /* folder (diffusers) or .safetensors file (single) */
    bool single_file;
    bool fp16;           /* default fp32 */
    uint64_t seed;
} testmodel_options;

pixeen_status testmodel_configs(const char *name, clip_config *clip, unet_config *unet, vae_config *vae);
pixeen_status testmodel_write(const testmodel_options *options);

#endif
