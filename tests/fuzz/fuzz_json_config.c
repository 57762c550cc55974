/* fuzz_json_config.c — the config.json readers (CLIP, UNet, VAE) on arbitrary bytes; accepted
 * configurations also build their tensor lists (bounded, so the fuzzer stays fast). */
#include <stdint.h>

#include "models/model_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *json = (const char *)data;
    clip_config c;
    unet_config u;
    vae_config v;
    spec_list l = {0};
    if (clip_config_from_json(json, size, "fuzz", &c) == PIXEEN_OK && c.num_layers <= 64) (void)spec_clip(&c, &l);
    if (unet_config_from_json(json, size, "fuzz", &u) == PIXEEN_OK) {
        long work = (long)u.n_levels * (u.layers_per_block + 1) * (u.mid_transformer_depth + 1);
        for (int i = 0; i < u.n_levels; i++) work += (long)u.transformer_depth[i] * (u.layers_per_block + 1);
        if (work < 4096) (void)spec_unet(&u, &l);
    }
    if (vae_config_from_json(json, size, "fuzz", &v) == PIXEEN_OK) (void)spec_vae(&v, &l);
    spec_list_free(&l);
    return 0;
}
