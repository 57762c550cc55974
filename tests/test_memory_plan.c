/* test_memory_plan.c — the full-size configurations of the test-model maker are the released ones,
 * and their planned device memory at the sizes people run (src/models/memory_plan.h). CPU only.
 *
 * 1. Parameter counts of make_test_model's "sd15", "sd21" and "sdxl" against the released models'
 *    (diffusers' num_parameters() of each network): a wrong depth, width or head layout changes them.
 * 2. SDXL at 1024x1024 with CFG (the UNet on batch 2), fp16: no UNet activation may exceed 128 MiB
 *    (lavapipe's maxStorageBufferRange, the smallest binding limit Pixeen meets: every tensor binds
 *    whole) — in particular the attention scores at 4096 tokens (64x64 level, 10 heads, batch 2:
 *    640 MiB in fp16) must never be materialized — and the step's arena must stay one allocation
 *    of at most 2 GiB (maxMemoryAllocationSize on lavapipe 22.3). The same for SD 2.1 at 768.
 * 3. The plan does see scores where they are materialized: the VAE's single 512-wide head goes
 *    through explicit products, and its largest activation is at least the [1, T, T] fp32 scores.
 * 4. The UNet keeps its skip connections in a list sized from the config limits (unet.c MAX_SKIPS):
 *    one layer per block past them is refused by the validator, and by the graph builder itself when
 *    the config never went through the validator (a clear error, not a write past the list). */
#include "models/memory_plan.h"
#include "models/model_spec.h"
#include "testmodel.h"
#include "test.h"

#define MIB (1ull << 20)

static uint64_t params(pixeen_status (*spec)(const void *, spec_list *), const void *config) {
    spec_list list = {0};
    uint64_t n = spec(config, &list) == PIXEEN_OK ? spec_list_parameters(&list) : 0;
    spec_list_free(&list);
    return n;
}

static pixeen_status spec_clip_any(const void *c, spec_list *out) { return spec_clip(c, out); }
static pixeen_status spec_unet_any(const void *c, spec_list *out) { return spec_unet(c, out); }
static pixeen_status spec_vae_any(const void *c, spec_list *out) { return spec_vae(c, out); }

static void check_counts(void) {
    testmodel_config t;
    /* Stable Diffusion 1.5: CLIP ViT-L/14 text model, UNet, AutoencoderKL */
    CHECK_OK(testmodel_config_get("sd15", &t));
    CHECK(params(spec_clip_any, &t.clip[0]) == 123060480ull);
    CHECK(params(spec_unet_any, &t.unet) == 859520964ull);
    CHECK(params(spec_vae_any, &t.vae) == 83653863ull);
    /* Stable Diffusion 2.1: OpenCLIP ViT-H/14 text tower to its 23rd layer (diffusers' text_encoder), UNet */
    CHECK_OK(testmodel_config_get("sd21", &t));
    CHECK(params(spec_clip_any, &t.clip[0]) == 340387840ull);
    CHECK(params(spec_unet_any, &t.unet) == 865910724ull);
    CHECK(params(spec_vae_any, &t.vae) == 83653863ull);
    CHECK(t.unet.sample_size == 96 && t.unet.upcast_attention && t.unet.use_linear_projection);
    /* SDXL base 1.0: CLIP ViT-L, OpenCLIP ViT-bigG/14 with text_projection, UNet */
    CHECK_OK(testmodel_config_get("sdxl", &t));
    CHECK(params(spec_clip_any, &t.clip[0]) == 123060480ull);
    CHECK(params(spec_clip_any, &t.clip[1]) == 694659840ull);
    CHECK(params(spec_unet_any, &t.unet) == 2567463684ull);
    CHECK(params(spec_vae_any, &t.vae) == 83653863ull);
    CHECK(t.unet.sample_size == 128 && !t.unet.upcast_attention && t.unet.cross_attention_dim == 2048);
    CHECK(t.vae.scaling_factor == 0.13025f);
}

static void check_fits(const char *config, int image, int64_t max_step_arena) {
    testmodel_config t;
    CHECK_OK(testmodel_config_get(config, &t));
    int64_t latent = image / t.vae.downscale;
    memory_plan step = {0};
    CHECK_OK(memory_plan_unet(&t.unet, 2, latent, latent, 77, DTYPE_F16, &step));
    printf("%s at %d: step arena %.1f MiB, largest activation %.1f MiB\n", config, image,
           (double)step.arena_bytes / MIB, (double)step.largest_bytes / MIB);
    CHECK(step.largest_bytes > 0 && step.largest_bytes <= 128 * MIB);
    CHECK(step.arena_bytes > step.largest_bytes && step.arena_bytes <= (uint64_t)max_step_arena);
    /* the sequence of 77-token chunks grows only the cross-attention keys: still within the limit */
    memory_plan long_prompt = {0};
    CHECK_OK(memory_plan_unet(&t.unet, 2, latent, latent, 77 * 4, DTYPE_F16, &long_prompt));
    CHECK(long_prompt.largest_bytes <= 128 * MIB);
}

static void check_scores_seen(void) {
    testmodel_config t;
    CHECK_OK(testmodel_config_get("sdxl", &t));
    memory_plan decode = {0};
    CHECK_OK(memory_plan_vae_decode(&t.vae, 1, 128, 128, DTYPE_F32, &decode));
    uint64_t scores = 16384ull * 16384ull * 4; /* [1, 128*128, 128*128] fp32 */
    printf("sdxl VAE decode at 1024 (fp32): arena %.1f MiB, largest activation %.1f MiB\n",
           (double)decode.arena_bytes / MIB, (double)decode.largest_bytes / MIB);
    CHECK(decode.largest_bytes >= scores);
    CHECK(decode.arena_bytes > decode.largest_bytes);
}

static void check_skip_bound(void) {
    testmodel_config t;
    CHECK_OK(testmodel_config_get("sd15-tiny", &t));
    unet_config c = t.unet;
    /* the most levels, each one layer deeper than allowed: more skips than the list holds */
    for (int i = c.n_levels; i < MODEL_MAX_LEVELS; i++) {
        c.block_out_channels[i] = c.block_out_channels[c.n_levels - 1];
        c.down_cross_attn[i] = c.up_cross_attn[i] = false;
        c.transformer_depth[i] = 1;
        c.attention_heads[i] = c.attention_heads[c.n_levels - 1];
        c.attention_head_dim[i] = c.attention_head_dim[c.n_levels - 1];
    }
    c.n_levels = MODEL_MAX_LEVELS;
    c.layers_per_block = MODEL_MAX_LAYERS_PER_BLOCK + 1;
    CHECK(unet_config_validate(&c, "unet") == PIXEEN_ERROR_MODEL);
    CHECK(strstr(error_message(), "layers_per_block") != NULL);
    memory_plan plan = {0};
    CHECK(memory_plan_unet(&c, 2, 8, 8, 77, DTYPE_F16, &plan) == PIXEEN_ERROR_MODEL);
    printf("unet with %d levels of %d layers: %s\n", c.n_levels, c.layers_per_block, error_message());
    CHECK(strstr(error_message(), "more skip connections than") != NULL);
    /* the tiny UNet at the layer limit still plans */
    c = t.unet;
    c.layers_per_block = MODEL_MAX_LAYERS_PER_BLOCK;
    CHECK_OK(unet_config_validate(&c, "unet"));
    CHECK_OK(memory_plan_unet(&c, 2, 8, 8, 77, DTYPE_F16, &plan));
}

int main(void) {
    check_skip_bound();
    check_counts();
    check_fits("sdxl", 1024, 2048 * MIB);
    check_fits("sdxl", 512, 2048 * MIB);
    check_fits("sd21", 768, 2048 * MIB);
    check_scores_seen();
    return test_finish();
}
