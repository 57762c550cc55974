/* test_cli_lora.c — LoRA through the `pixeen` executable exactly as a user runs it:
 *   pixeen generate -m MODEL -p "... <lora:NAME:0.8>" --lora-dir DIR -n ... -W 64 -H 64 --steps 4
 *       --cfg 7.5 --seed 1234 --sampler euler --schedule discrete --save-plain out.png --tokenizer DIR
 * in the default fp16 mode: the saved PNG within 4/255 (mean) of diffusers' fuse_lora(0.8) image
 * (tests/data/lora/ref); `--lora FILE:0.8` gives the same PNG; a name that is not in the folder
 * and a pickled .pt are refused with messages. The executable comes from $PIXEEN_TEST_BIN/src/pixeen;
 * the test skips (77) while it is not built or no Vulkan device exists. */
#include <stb_image.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static char exe[1100], dir[1024], model[4096], tokenizer[4096], loras[4096];

static int pixeen(const char *args) {
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' generate -m '%s' --tokenizer '%s' -W 64 -H 64 --steps 4 --cfg 7.5 "
             "--seed 1234 --sampler euler --schedule discrete -q %s > out.txt 2> err.txt < /dev/null",
             dir, exe, model, tokenizer, args);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void show_err(void) {
    char path[1200], buf[4096];
    snprintf(path, sizeof path, "%s/err.txt", dir);
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    printf("stderr: %s", buf);
}

static bool err_has(const char *what) {
    char path[1200], buf[8192];
    snprintf(path, sizeof path, "%s/err.txt", dir);
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    return strstr(buf, what) != NULL;
}

/* Mean |png/255 - ref| over the image; *rgb receives the decoded pixels (caller frees). */
static double compare(const char *png, const float *ref, uint8_t **rgb) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, png);
    int w = 0, h = 0, c = 0;
    static unsigned char file[1 << 20];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(file, 1, sizeof file, f) : 0;
    if (f) fclose(f);
    *rgb = stbi_load_from_memory(file, (int)n, &w, &h, &c, 3);
    CHECK(*rgb && w == 64 && h == 64);
    if (!*rgb) return 1e9;
    double err = 0;
    for (size_t i = 0; i < 64 * 64 * 3; i++) err += fabs((*rgb)[i] / 255.0 - ref[i]);
    return err / (64 * 64 * 3);
}

int main(void) {
    const char *bin = getenv("PIXEEN_TEST_BIN");
    snprintf(exe, sizeof exe, "%s/src/pixeen", bin ? bin : "build");
    if (access(exe, X_OK) != 0) TEST_SKIP("the pixeen executable is not built yet");
    snprintf(dir, sizeof dir, "%s/cli-lora-XXXXXX", bin ? bin : "/tmp");
    if (!mkdtemp(dir)) TEST_SKIP("cannot create a scratch folder");
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
    int rc = pixeen(args);
    if (rc != 0) show_err();
    if (rc == 0) {
        uint8_t *a = NULL, *b = NULL;
        double e = compare("tag.png", ref, &a);
        printf("CLI, <lora:sd15-tiny-lora:0.8>, fp16: image mean |diff| %.3g (tol %.3g)\n", e, 4.0 / 255);
        CHECK(e < 4.0 / 255);
        snprintf(args, sizeof args,
                 "-p 'a photograph of an astronaut riding a horse' -n 'blurry, low quality' "
                 "--lora '%s/sd15-tiny-lora.safetensors:0.8' --save-plain list.png",
                 loras);
        CHECK(pixeen(args) == 0);
        compare("list.png", ref, &b);
        CHECK(a && b && memcmp(a, b, 64 * 64 * 3) == 0);
        free(a);
        free(b);
    } else {
        CHECK(rc == 0);
    }
    /* refusals, with messages */
    snprintf(args, sizeof args, "-p 'a horse <lora:not-there:1>' --lora-dir '%s'", loras);
    CHECK(pixeen(args) != 0 && err_has("no LoRA named 'not-there'"));
    char pt[1200];
    snprintf(pt, sizeof pt, "%s/evil.pt", dir);
    FILE *p = fopen(pt, "wb");
    if (p) fclose(p);
    snprintf(args, sizeof args, "-p 'a horse <lora:evil:1>' --lora-dir '%s'", dir);
    CHECK(pixeen(args) != 0 && err_has("pickle"));
    CHECK(pixeen("-p 'a horse <lora:x:abc>' --lora-dir /nonexistent") != 0 && err_has("<lora:x:abc>"));
    CHECK(pixeen("-p 'a horse' --lora ':0.5'") == 2);
    free(ref);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return test_finish();
}
