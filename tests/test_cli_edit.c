/* test_cli_edit.c — img2img and inpainting through the CLI exactly as a user runs it
 * (`pixeen generate ... --init-image input.png --strength S [--mask mask.png] --save-plain out.png`),
 * the saved PNG read back and compared with diffusers' image (fixtures sd15-tiny/edit, copied to
 * tests/data; the 9-channel model from ../shared/fixtures when present): image mean |diff| within
 * 1/255 (fp32) and 4/255 (fp16), the PNG's 8-bit rounding included. Also the refusals a user
 * meets: a mask of another size, a strength out of range, an inpainting model without a mask, a
 * corrupt picture — each a clear message and no output file. */
#include <limits.h>

#include <pixeen/pixeen.h>

#include "cli_test.h"

/* Runs pixeen generate; returns its exit status (-1 if it did not exit normally). */
static int generate(const char *model, const char *tok, const char *args) {
    return cli_run("generate -m '%s' --tokenizer '%s' -p 'a red lighthouse on a rocky coast' -n 'blurry, low quality' "
                   "-W 64 -H 64 --steps 8 --cfg 7.5 --seed 1234 --schedule discrete -q %s",
                   model, tok, args);
}

static void compare(const char *out, const char *ref_path, double tol, const char *what) {
    size_t rn = 0;
    float *ref = (float *)cli_read(ref_path, &rn);
    CHECK(ref && rn == 64 * 64 * 3 * 4);
    double mean = cli_png_mean_diff(out, rn == 64 * 64 * 3 * 4 ? ref : NULL, 64, 64);
    printf("cli %-40s image mean |diff| %.3g (tol %.3g)\n", what, mean, tol);
    CHECK(mean < tol); /* 1.0 when the PNG is missing or not 64x64 */
    free(ref);
    unlink(cli_path(out));
}
int main(void) {
    cli_test_begin("edit");
    cli_test_need_device();
    char model[PATH_MAX], tok[PATH_MAX], dir[PATH_MAX], args[4 * PATH_MAX + 512], ref[PATH_MAX + 128];
    CHECK(realpath(test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"), model) != NULL);
    CHECK(realpath(test_data_path("sd15-tiny/model/tokenizer"), tok) != NULL);
    CHECK(realpath(test_data_path("sd15-tiny/edit"), dir) != NULL);

    static const struct {
        const char *tag, *sampler, *strength;
        bool mask;
        int fp; /* 1: the default fp16, 0: --precision fp32 */
    } cases[] = {{"img2img_euler_s75", "euler", "0.75", false, 1}, {"inpaint_euler_a_s100", "euler_a", "1", true, 0}};
    {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            int fp = test_quick() ? 1 : cases[i].fp;
            snprintf(args, sizeof args, "--sampler %s --init-image %s/input.png --strength %s %s%s%s --save-plain out.png %s",
                     cases[i].sampler, dir, cases[i].strength, cases[i].mask ? "--mask " : "", cases[i].mask ? dir : "",
                     cases[i].mask ? "/mask.png" : "", fp ? "" : "--precision fp32");
            CHECK(generate(model, tok, args) == 0);
            snprintf(ref, sizeof ref, "%s/ref/%s_32_image.bin", dir, cases[i].tag);
            char what[128];
            snprintf(what, sizeof what, "sd15-tiny %s %s", cases[i].tag, fp ? "fp16" : "fp32");
            compare("out.png", ref, (fp ? 4.0 : 1.0) / 255.0, what);
        }
    }
    const char *nine = test_shared_path("fixtures/sd15-tiny-inpaint/sd15-tiny-inpaint.fp16.safetensors");
    if (!nine) {
        printf("SKIP the 9-channel CLI case: ../shared/fixtures/sd15-tiny-inpaint is absent\n");
    } else {
        char nine_model[PATH_MAX], nine_dir[PATH_MAX];
        snprintf(nine_model, sizeof nine_model, "%s", nine);
        CHECK(realpath(test_shared_path("fixtures/sd15-tiny-inpaint/edit"), nine_dir) != NULL);
        snprintf(args, sizeof args, "--sampler euler --init-image %s/input.png --strength 0.75 --mask %s/mask.png "
                 "--save-plain out.png", nine_dir, nine_dir);
        CHECK(generate(nine_model, tok, args) == 0);
        snprintf(ref, sizeof ref, "%s/ref/inpaint_euler_s75_32_image.bin", nine_dir);
        compare("out.png", ref, 4.0 / 255.0, "sd15-tiny-inpaint inpaint_euler_s75 fp16");
        /* an inpainting model needs a mask */
        snprintf(args, sizeof args, "--init-image %s/input.png --save-plain out.png", nine_dir);
        CHECK(generate(nine_model, tok, args) != 0);
        CHECK(cli_err_contains("inpainting model"));
    }

    /* refusals: clear messages, no output */
    char path[sizeof cli_dir + 32];
    snprintf(path, sizeof path, "%s/small.png", cli_dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    /* a 16x16 white mask, written by the library's own encoder through the public vault API */
    pixeen_secret *png = NULL;
    uint8_t rgb[16 * 16 * 3];
    memset(rgb, 255, sizeof rgb);
    CHECK_OK(pixeen_png_encode(rgb, 16, 16, NULL, &png));
    if (f && png) fwrite(pixeen_secret_data(png), 1, pixeen_secret_size(png), f);
    if (f) fclose(f);
    pixeen_secret_destroy(png);
    snprintf(args, sizeof args, "--init-image %s/input.png --mask %s --save-plain out.png", dir, path);
    CHECK(generate(model, tok, args) != 0);
    CHECK(cli_err_contains("the mask is 16x16 but the init image 64x64"));
    snprintf(args, sizeof args, "--init-image %s/input.png --strength 1.5 --save-plain out.png", dir);
    CHECK(generate(model, tok, args) == 2);
    CHECK(cli_err_contains("--strength"));
    snprintf(path, sizeof path, "%s/corrupt.png", cli_dir);
    f = fopen(path, "wb");
    size_t n = 0;
    char in_path[PATH_MAX + 16];
    snprintf(in_path, sizeof in_path, "%s/input.png", dir);
    uint8_t *bytes = cli_read(in_path, &n);
    if (f && bytes) fwrite(bytes, 1, n / 2, f); /* truncated */
    if (f) fclose(f);
    free(bytes);
    snprintf(args, sizeof args, "--init-image %s --save-plain out.png", path);
    CHECK(generate(model, tok, args) != 0);
    CHECK(cli_err_contains("corrupt"));
    CHECK(!cli_exists("out.png"));

    cli_test_end();
    return test_finish();
}
