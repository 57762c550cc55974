/* test_cli_families.c — SD 2.x and SDXL through the `pixeen` executable exactly as a user runs it:
 *   pixeen generate -m MODEL -p P -n N -W 64 -H 64 --steps 4 --cfg 7.5 --seed 1234
 *       --sampler euler_a --schedule discrete --precision fp16 --save-plain out.png
 * (plus --tokenizer / --tokenizer-2 for the tiny single files, whose vocabulary is not CLIP's),
 * from the single files (tests/data) and the diffusers folders (../shared/fixtures, when present);
 * the PNG must match diffusers' `pipe(prompt, negative_prompt, generator=manual_seed(1234))`
 * (user/ref/user_euler_a_32_image) within the fp16 image tolerance, mean |diff| < 4/255.
 * Also: `pixeen tokenize -m lone.safetensors` with nothing beside the file uses the built-in CLIP
 * vocabulary, and a tokenizer whose vocabulary disagrees with the text encoder is refused.
 * The executable comes from $PIXEEN_TEST_BIN/src/pixeen; the test skips (77) while it is not built. */
#include "cli_test.h"
#include "testmodel.h"

/* test_data_path made absolute: the commands run inside the scratch folder. */
static const char *data_abs(const char *rel) {
    static char path[PATH_MAX];
    if (!realpath(test_data_path(rel), path)) snprintf(path, sizeof path, "%s", test_data_path(rel));
    return path;
}

static void generate_case(const char *family, const char *model, bool tokenizers, bool xl) {
    char tok[8400] = "", rel[256];
    if (tokenizers) {
        char t1[4096], t2[4096];
        snprintf(rel, sizeof rel, "%s/model/tokenizer", family);
        snprintf(t1, sizeof t1, "%s", data_abs(rel));
        snprintf(rel, sizeof rel, "%s/model/tokenizer_2", family);
        snprintf(t2, sizeof t2, "%s", data_abs(rel));
        snprintf(tok, sizeof tok, " --tokenizer '%s'%s%s%s", t1, xl ? " --tokenizer-2 '" : "", xl ? t2 : "", xl ? "'" : "");
    }
    unlink(cli_path("out.png"));
    int rc = cli_run("generate -m '%s' -p 'a photograph of an astronaut riding a horse' -n 'blurry, low quality' "
                     "-W 64 -H 64 --steps 4 --cfg 7.5 --seed 1234 --sampler euler_a --schedule discrete "
                     "--precision fp16 --save-plain out.png -q%s",
                     model, tok);
    if (rc != 0) cli_show_err(model);
    CHECK(rc == 0);
    snprintf(rel, sizeof rel, "%s/user/ref/user_euler_a_32_image.bin", family);
    static float ref[64 * 64 * 3];
    FILE *f = fopen(test_data_path(rel), "rb");
    CHECK(f && fread(ref, sizeof ref, 1, f) == 1);
    if (f) fclose(f);
    double d = cli_png_mean_diff("out.png", ref, 64, 64);
    printf("cli %s %s: image mean |diff| %.3g (tol %.3g)\n", family, tokenizers ? "single file" : "folder", d, 4.0 / 255);
    CHECK(d < 4.0 / 255);
}

/* A lone single file whose text encoder has CLIP's 49408 rows: tokenize works with nothing beside
 * it; the tiny 1000-token fixture file is refused with the built-in vocabulary (wrong model). */
static void tokenize_lone(void) {
    char lone[1400], out[16384], err[4096], cmd[6000];
    snprintf(lone, sizeof lone, "%s", cli_path("lone"));
    CHECK(mkdir(lone, 0700) == 0);
    snprintf(lone, sizeof lone, "%s", cli_path("lone/v1-5-pruned-emaonly.safetensors"));
    CHECK_OK(testmodel_write(&(testmodel_options){.config = "sd15-tiny", .out = lone, .single_file = true, .fp16 = true,
                                                  .seed = 5, .vocab_size = 49408}));
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cli_path("lone/tokenizer")); /* testmodel writes one beside: not here */
    CHECK(system(cmd) == 0);
    CHECK(cli_run("tokenize -m lone/v1-5-pruned-emaonly.safetensors 'a photograph of an astronaut riding a horse'") == 0);
    cli_slurp("out.txt", out, sizeof out);
    cli_slurp("err.txt", err, sizeof err);
    /* openai CLIP's ids: start, a, photograph, of, an, astronaut, riding, a, horse, end */
    CHECK(strstr(out, "built-in CLIP vocabulary") != NULL);
    CHECK(strstr(out, "ids[0]: 49406 320 8853 539 550 18376 6765 320 4558 49407 49407") != NULL);
    if (!strstr(out, "49406 320 8853")) fprintf(stderr, "tokenize: %s%s\n", out, err);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", data_abs("sd15-tiny/sd15-tiny.fp16.safetensors"), cli_path("lone/tiny.safetensors"));
    CHECK(system(cmd) == 0);
    CHECK(cli_run("tokenize -m lone/tiny.safetensors 'a photo'") != 0);
    cli_slurp("err.txt", err, sizeof err);
    CHECK(strstr(err, "49408 tokens") && strstr(err, "1000"));
}

int main(void) {
    cli_test_begin("families");
    tokenize_lone();
    static const struct {
        const char *name;
        bool xl;
    } families[] = {{"sd21-tiny", false}, {"sdxl-tiny", true}};
    for (size_t f = 0; f < 2; f++) {
        char rel[256], path[4096];
        snprintf(rel, sizeof rel, "%s/%s.fp16.safetensors", families[f].name, families[f].name);
        snprintf(path, sizeof path, "%s", data_abs(rel));
        generate_case(families[f].name, path, true, families[f].xl);
        snprintf(rel, sizeof rel, "fixtures/%s/model", families[f].name);
        const char *folder = test_shared_path(rel);
        /* the sanitizer pass (PIXEEN_TEST_QUICK) runs the single files only */
        if (folder && !test_quick()) generate_case(families[f].name, folder, false, families[f].xl);
        else if (!folder) printf("%s: ../shared/fixtures absent: the diffusers folder is not run\n", families[f].name);
    }
    cli_test_end();
    return test_finish();
}
