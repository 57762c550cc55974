/* test_gguf_pipeline.c — whole txt2img pipelines from GGUF models (stable-diffusion.cpp's converter,
 * original tensor names) against diffusers run on the dequantized weights (fixtures gguf/ref-<type>):
 * the Euler case of test_pipeline_parity, 4 steps, guidance 7.5, in the default fp16 mode, within
 * its tolerances (final latents relative L2 < 3e-2, image mean |diff| < 4/255). The quantized
 * linear weights stay in their blocks on the GPU (checked: the upload kept some quantized) and the
 * matmul dequantizes them as it reads.
 * q8_0 is in tests/data; q4_0 and q5_1 come from ../shared/fixtures/gguf when present (skipped
 * with a message otherwise).
 * Diffusers names: the q8_0 file rewritten with every weight under its diffusers name and shape
 * behind stable-diffusion.cpp's prefixes (unet., vae., te.; the same blocks, byte for byte) must
 * load through the diffusers-name detection and give the same latents and image, bit for bit. */
#include <unistd.h>

#include "gpu_test.h"
#include "parity_test.h"
#include "models/quantize.h"
#include "pipeline/sd_model.h"
#include "pipeline/txt2img.h"

/* The latents and image of the last run of each naming, compared bit for bit. */
static float *kept_latents, *kept_image;

/* dir: folder holding ref-<type>/; model_path: the GGUF (NULL: dir/sd15-tiny.<type>.gguf).
 * keep: 1 stores the result in kept_*, 2 compares with it. */
static void run_case_model(gpu_context *ctx, const char *dir, const char *type, const char *model_file, int keep) {
    char model_path[4096], ref[4096], tok[4096];
    if (model_file) snprintf(model_path, sizeof model_path, "%s", model_file);
    else snprintf(model_path, sizeof model_path, "%s/sd15-tiny.%s.gguf", dir, type);
    snprintf(tok, sizeof tok, "%s", test_data_path("sd15-tiny/model/tokenizer"));
    sd_model *m = NULL;
    CHECK_OK(sd_model_load(ctx, model_path, tok, DTYPE_F16, &m));
    if (!m) return;
    CHECK(model_has_diffusers_names(m->files) == (keep == 2));
    size_t quantized = 0;
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) quantized += m->weights[c].quantized;
    printf("gguf %-5s: %zu weights kept quantized on the GPU\n", type, quantized);
    CHECK(quantized > 0);
    schedule_config_clear(&m->schedule);
    parity_load_schedule("sample/euler_scheduler_config.json", &m->schedule);
    const size_t n = 4 * 32 * 32, img_n = 64 * 64 * 3;
    snprintf(ref, sizeof ref, "%s/ref-%s/pipe_euler_32_init_latents.bin", dir, type);
    float *init = parity_read_floats(ref, n);
    snprintf(ref, sizeof ref, "%s/ref-%s/pipe_euler_32_final_latents.bin", dir, type);
    float *ref_latents = parity_read_floats(ref, n);
    snprintf(ref, sizeof ref, "%s/ref-%s/pipe_euler_32_image.bin", dir, type);
    float *ref_image = parity_read_floats(ref, img_n);
    txt2img_request req = {
        .prompt = "a photograph of an astronaut riding a horse",
        .negative_prompt = "blurry, low quality",
        .width = 64,
        .height = 64,
        .batch = 1,
        .clip_skip = 1,
        .guidance = 7.5f,
        .seed = 1234,
        .rng = RNG_TORCH_CPU,
        .sampler = {.kind = SAMPLER_EULER, .steps = 4, .karras = SAMPLER_KARRAS_DEFAULT},
        .init_noise = init,
        .keep_debug = 1,
    };
    txt2img_result res;
    CHECK_OK(txt2img_run(m, &req, &res));
    if (res.debug_latents) {
        char label[32];
        snprintf(label, sizeof label, "gguf %-5s", type);
        parity_check_pipeline(label, DTYPE_F16, &res, ref_latents, n, ref_image, img_n);
        if (keep == 1) {
            kept_latents = malloc(n * sizeof *kept_latents);
            kept_image = malloc(img_n * sizeof *kept_image);
            memcpy(kept_latents, res.debug_latents, n * sizeof *kept_latents);
            memcpy(kept_image, res.debug_image, img_n * sizeof *kept_image);
        } else if (keep == 2 && kept_latents) {
            bool same = !memcmp(kept_latents, res.debug_latents, n * sizeof *kept_latents) &&
                        !memcmp(kept_image, res.debug_image, img_n * sizeof *kept_image);
            printf("gguf %-5s in diffusers names: latents and image %s the original names' run\n", type,
                   same ? "bit-identical to" : "DIFFER from");
            CHECK(same);
        }
    }
    txt2img_result_free(&res);
    free(init);
    free(ref_latents);
    free(ref_image);
    sd_model_free(m);
}

static void run_case(gpu_context *ctx, const char *dir, const char *type) { run_case_model(ctx, dir, type, NULL, 0); }

int main(void) {
    gpu_context *ctx = gpu_test_context();
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_data_path("gguf"));
    run_case_model(ctx, dir, "q8_0", NULL, 1);
    /* the same weights in diffusers names (a rewrite of the blocks, not a new quantization) */
    char renamed[4096], source[4200];
    const char *bin = getenv("PIXEEN_TEST_BIN");
    snprintf(renamed, sizeof renamed, "%s/gguf-diffusers-names-%d.gguf", bin ? bin : "/tmp", (int)getpid());
    snprintf(source, sizeof source, "%s/sd15-tiny.q8_0.gguf", dir);
    CHECK_OK(model_quantize_names(source, renamed, "q8_0", QUANTIZE_NAMES_DIFFUSERS, NULL));
    safetensors_file *sf = NULL;
    CHECK_OK(safetensors_open(renamed, &sf));
    if (sf) {
        const safetensors_tensor *q = safetensors_find(sf, "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight");
        CHECK(q && q->dtype == SAFETENSORS_Q8_0);
        CHECK(safetensors_find(sf, "te.text_model.embeddings.token_embedding.weight") != NULL);
        CHECK(safetensors_find(sf, "vae.decoder.mid_block.attentions.0.to_q.weight") != NULL);
        safetensors_close(sf);
    }
    run_case_model(ctx, dir, "q8_0", renamed, 2);
    unlink(renamed);
    free(kept_latents);
    free(kept_image);
    const char *shared = test_shared_path("fixtures/gguf");
    if (!shared) {
        printf("skip: ../shared/fixtures/gguf absent: q4_0 and q5_1 not checked\n");
    } else if (!test_quick()) {
        snprintf(dir, sizeof dir, "%s", shared);
        run_case(ctx, dir, "q4_0");
        run_case(ctx, dir, "q5_1");
    }
    return gpu_test_finish(ctx);
}
