/* test_cli_lora.c — LoRA through the `pixeen` executable exactly as a user runs it:
 *   pixeen generate -m MODEL -p "... <lora:NAME:0.8>" --lora-dir DIR -n ... -W 64 -H 64 --steps 4
 *       --cfg 7.5 --seed 1234 --sampler euler --schedule discrete --save-plain out.png --tokenizer DIR
 * in the default fp16 mode: the saved PNG within 4/255 (mean) of diffusers' fuse_lora(0.8) image
 * (tests/data/lora/ref); `--lora FILE:0.8` gives the same PNG; a name that is not in the folder
 * and a pickled .pt are refused with messages. The executable comes from $PIXEEN_TEST_BIN/src/pixeen;
 * the test skips (77) while it is not built or no Vulkan device exists. */
#include "cli_test.h"

static char model[4096], tokenizer[4096], loras[4096];

/* `pixeen generate` with the tiny model and the settings, then ARGS. */
static int generate(const char *args) {
    return cli_run("generate -m '%s' --tokenizer '%s' -W 64 -H 64 --steps 4 --cfg 7.5 --seed 1234 --sampler euler "
                   "--schedule discrete -q %s",
                   model, tokenizer, args);
}

/* Mean |png/255 - ref| over the image; *rgb receives the decoded pixels (caller frees). */
static double compare(const char *png, const float *ref, uint8_t **rgb) {
    int w = 0, h = 0, c = 0;
    *rgb = stbi_load(cli_path(png), &w, &h, &c, 3);
    CHECK(*rgb && w == 64 && h == 64);
    if (!*rgb) return 1e9;
    double err = 0;
    for (size_t i = 0; i < 64 * 64 * 3; i++) err += fabs((*rgb)[i] / 255.0 - ref[i]);
    return err / (64 * 64 * 3);
}

int main(void) {
    cli_test_begin("lora");
    snprintf(model, sizeof model, "%s", test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"));
    snprintf(tokenizer, sizeof tokenizer, "%s", test_data_path("sd15-tiny/model/tokenizer"));
    snprintf(loras, sizeof loras, "%s", test_data_path("lora"));
    float *ref = malloc(64 * 64 * 3 * 4);
    FILE *f = fopen(test_data_path("lora/ref/lora_euler_32_image.bin"), "rb");
    CHECK(f && fread(ref, 4, 64 * 64 * 3, f) == 64 * 64 * 3);
    if (f) fclose(f);

    char args[8192];
    snprintf(args, sizeof args,
             "-p 'a photograph of an astronaut riding a horse <lora:sd15-tiny-lora:0.8>' -n 'blurry, low quality' "
             "--lora-dir '%s' --save-plain tag.png",
             loras);
    int rc = generate(args);
    if (rc != 0) cli_show_err("pixeen generate");
    if (rc == 0) {
        uint8_t *a = NULL, *b = NULL;
        double e = compare("tag.png", ref, &a);
        printf("CLI, <lora:sd15-tiny-lora:0.8>, fp16: image mean |diff| %.3g (tol %.3g)\n", e, 4.0 / 255);
        CHECK(e < 4.0 / 255);
        snprintf(args, sizeof args,
                 "-p 'a photograph of an astronaut riding a horse' -n 'blurry, low quality' "
                 "--lora '%s/sd15-tiny-lora.safetensors:0.8' --save-plain list.png",
                 loras);
        CHECK(generate(args) == 0);
        compare("list.png", ref, &b);
        CHECK(a && b && memcmp(a, b, 64 * 64 * 3) == 0);
        stbi_image_free(a); /* stb's blocks come from its own (wiping) allocator */
        stbi_image_free(b);
    } else {
        CHECK(rc == 0);
    }
    /* refusals, with messages */
    snprintf(args, sizeof args, "-p 'a horse <lora:not-there:1>' --lora-dir '%s'", loras);
    CHECK(generate(args) != 0 && cli_err_contains("no LoRA named 'not-there'"));
    char pt[1200];
    snprintf(pt, sizeof pt, "%s/evil.pt", cli_dir);
    FILE *p = fopen(pt, "wb");
    if (p) fclose(p);
    snprintf(args, sizeof args, "-p 'a horse <lora:evil:1>' --lora-dir '%s'", cli_dir);
    CHECK(generate(args) != 0 && cli_err_contains("pickle"));
    CHECK(generate("-p 'a horse <lora:x:abc>' --lora-dir /nonexistent") != 0 && cli_err_contains("<lora:x:abc>"));
    CHECK(generate("-p 'a horse' --lora ':0.5'") == 2);
    free(ref);
    cli_test_end();
    return test_finish();
}
