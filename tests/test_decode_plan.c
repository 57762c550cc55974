/* test_decode_plan.c — a size whose VAE decode cannot be allocated fails before the denoising, not
 * after it (txt2img plans the decode's arena first; SDXL's fp32 VAE at 1024x1024 plans 2816 MiB,
 * over lavapipe 22.3's 2048 MiB maxMemoryAllocationSize, after minutes of UNet steps).
 *
 * The model is the test-model maker's sd15-tiny-deep (SD 1.5's levels at 32 channels, VAE factor
 * 8): at 4096x4096 its step arena is ~300 MiB and its decode arena ~3.8 GiB. The run is started
 * with its cancel flag already set, so without the early check it would stop as cancelled before
 * the first step (and the test fails on the status); with it, it fails on the decode's size, naming
 * it. A small size then runs into the cancel flag: the check does not refuse what fits. The test
 * skips where the device allows one allocation as large as that decode. */
#include <stdlib.h>
#include <unistd.h>

#include "gpu_test.h"
#include "models/memory_plan.h"
#include "testmodel.h"
#include "pipeline/txt2img.h"

static pixeen_status run(sd_model *m, int size, atomic_int *cancel) {
    txt2img_request req = {
        .prompt = "a lighthouse",
        .width = size,
        .height = size,
        .batch = 1,
        .clip_skip = 1,
        .guidance = 1.0f,
        .seed = 1,
        .rng = RNG_TORCH_CPU,
        .sampler = {.kind = SAMPLER_EULER, .steps = 1},
        .cancel = cancel,
    };
    txt2img_result res = {0};
    pixeen_status st = txt2img_run(m, &req, &res);
    CHECK(res.rgba == NULL); /* nothing half-made is handed back */
    txt2img_result_free(&res);
    return st;
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    testmodel_config t;
    CHECK_OK(testmodel_config_get("sd15-tiny-deep", &t));
    memory_plan decode = {0};
    CHECK_OK(memory_plan_vae_decode(&t.vae, 1, 4096 / t.vae.downscale, 4096 / t.vae.downscale, DTYPE_F16, &decode));
    uint64_t limit = gpu_context_caps(ctx)->max_memory_allocation;
    printf("decode at 4096x4096: %.0f MiB planned, device's largest allocation %.0f MiB\n",
           (double)decode.arena_bytes / (1 << 20), (double)limit / (1 << 20));
    if (!limit || limit >= decode.arena_bytes) {
        gpu_context_destroy(ctx);
        TEST_SKIP("this device allocates the whole 4096x4096 decode arena in one buffer");
    }

    const char *bin = getenv("PIXEEN_TEST_BIN");
    char dir[1024], path[1200], tok[1200];
    snprintf(dir, sizeof dir, "%s/decode-plan-XXXXXX", bin ? bin : "/tmp");
    if (!mkdtemp(dir)) TEST_SKIP("cannot create a scratch folder");
    snprintf(path, sizeof path, "%s/deep.safetensors", dir);
    snprintf(tok, sizeof tok, "%s/tokenizer", dir);
    CHECK_OK(testmodel_write(&(testmodel_options){.config = "sd15-tiny-deep", .out = path, .single_file = true,
                                                  .fp16 = true, .seed = 3}));
    sd_model *m = NULL;
    CHECK_OK(sd_model_load(ctx, path, tok, DTYPE_F16, &m));
    if (m) {
        atomic_int cancel = 1;
        CHECK_STATUS(run(m, 4096, &cancel), PIXEEN_ERROR_GPU_OUT_OF_MEMORY);
        const char *msg = error_message();
        printf("4096x4096: %s\n", msg);
        CHECK(strstr(msg, "decoding 4096x4096") != NULL && strstr(msg, "largest allocation") != NULL);
        CHECK_STATUS(run(m, 64, &cancel), PIXEEN_ERROR_CANCELLED);
        sd_model_free(m);
    }
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return gpu_test_finish(ctx);
}
