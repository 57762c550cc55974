/* test_cli_hires.c — the hires fix and --preview-decoder through the CLI as a user runs them:
 *   - `--hires-fix --hires-steps 2` (Latent) and `--hires-upscaler lanczos --hires-width 48`: the
 *     saved PNG has the second size, and its parameters chunk (read back with
 *     pixeen_png_read_parameters) carries AUTOMATIC1111's keys: Size (the first pass's),
 *     Denoising strength, Hires upscale or Hires resize, Hires steps (only when given), Hires upscaler;
 *   - the Lanczos hires equals, pixel for pixel, `generate` then `generate --init-image` on the
 *     saved first image at the second size, with A1111's step rule spelled out (--steps 4
 *     --strength 0.5 runs the last 2 of 4 steps, as 2 hires steps at --hires-strength 0.5 do);
 *   - `--preview-decoder taesd:DIR` (the TAESD of ../shared/fixtures, riding along on the hires
 *     runs; skipped with a reason when absent): previews of both passes reported (-v: each; else a
 *     summary), a missing TAESD refused with nothing written;
 *   - refusals before the model loads: hires with --init-image, an unknown upscaler, a strength of 0,
 *     a hires width that is not a multiple of 8, --preview-every without --preview-decoder. */
#include <limits.h>

#include <pixeen/pixeen.h>

#include "cli_test.h"
#include "image/picture.h"

static char model[PATH_MAX], tok[PATH_MAX];

static int generate(const char *args) {
    return cli_run("generate -m '%s' --tokenizer '%s' -p 'a red lighthouse' -n 'blurry' -W 16 -H 16 --steps 2 --seed 7 "
                   "--sampler euler_a --schedule discrete --precision fp32 %s",
                   model, tok, args);
}

/* The saved PNG's pixels (and its parameters text into params, when non-NULL). */
static bool load_png(const char *name, picture *p, char *params, size_t size) {
    size_t n = 0;
    uint8_t *png = cli_read(name, &n);
    bool ok = png && picture_decode(png, n, name, p) == PIXEEN_OK;
    if (ok && params) {
        pixeen_secret *text = NULL;
        ok = pixeen_png_read_parameters(png, n, &text) == PIXEEN_OK;
        if (ok) snprintf(params, size, "%s", (const char *)pixeen_secret_data(text));
        pixeen_secret_destroy(text);
    }
    free(png);
    return ok;
}
static void check_params(const char *params, const char *const *want, const char *absent) {
    for (size_t i = 0; want[i]; i++) {
        bool found = strstr(params, want[i]) != NULL;
        if (!found) fprintf(stderr, "  expected '%s' in the parameters: %s\n", want[i], params);
        CHECK(found);
    }
    if (absent) CHECK(strstr(params, absent) == NULL);
}

int main(void) {
    cli_test_begin("hires");
    cli_test_need_device();
    CHECK(realpath(test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"), model) != NULL);
    CHECK(realpath(test_data_path("sd15-tiny/model/tokenizer"), tok) != NULL);
    char params[4096], args[PATH_MAX + 512], preview[PATH_MAX + 64] = "";
    picture p = {0};
    /* --preview-decoder rides along on the hires runs when the fixture's TAESD is there */
    const char *taesd = test_shared_path("fixtures/taesd/model");
    char taesd_dir[PATH_MAX];
    bool have_taesd = taesd && realpath(taesd, taesd_dir);
    if (have_taesd) snprintf(preview, sizeof preview, "--preview-decoder taesd:%s", taesd_dir);
    else printf("SKIP --preview-decoder: ../shared/fixtures/taesd is absent\n");

    /* Latent: the second size, A1111's keys; with -v each TAESD preview is reported (2 + 2 steps:
     * 8x8 latents -> 64x64 previews, then 16x16 -> 128x128) */
    snprintf(args, sizeof args, "--hires-fix --hires-steps 2 --save-plain latent.png -v %s", preview);
    CHECK(generate(args) == 0);
    CHECK(load_png("latent.png", &p, params, sizeof params));
    CHECK(p.width == 32 && p.height == 32);
    printf("latent hires: %dx%d, parameters: %s\n", p.width, p.height, params);
    check_params(params, (const char *const[]){"Size: 16x16", "Denoising strength: 0.7", "Hires upscale: 2",
                                               "Hires steps: 2", "Hires upscaler: Latent", NULL},
                 "Hires resize");
    picture_free(&p);
    if (have_taesd) CHECK(cli_err_contains("preview at step 2/4: 64x64") && cli_err_contains("preview at step 4/4: 128x128"));

    /* Lanczos to a width: the height keeps the aspect; no Hires steps key when not given */
    snprintf(args, sizeof args, "--hires-upscaler lanczos --hires-width 48 --hires-strength 0.5 --save-plain hires.png %s",
             preview);
    CHECK(generate(args) == 0);
    CHECK(load_png("hires.png", &p, params, sizeof params));
    CHECK(p.width == 48 && p.height == 48);
    printf("lanczos hires: %dx%d, parameters: %s\n", p.width, p.height, params);
    check_params(params, (const char *const[]){"Size: 16x16", "Denoising strength: 0.5", "Hires resize: 48x0",
                                               "Hires upscaler: Lanczos", NULL},
                 "Hires steps");
    if (have_taesd) CHECK(cli_err_contains("previews: 4 by the TAESD, 192x192, the last at step 4"));

    /* The composition, through the CLI: that run == generate, then generate --init-image at 48x48
     * with A1111's step rule spelled out (2 hires steps at 0.5: the last 2 of int(2 / 0.5) = 4) */
    picture by_hand = {0};
    CHECK(generate("--save-plain first.png -q") == 0);
    snprintf(args, sizeof args, "--init-image '%s' -W 48 -H 48 --steps 4 --strength 0.5 --save-plain hand.png -q",
             cli_path("first.png")); /* the later -W/-H/--steps override the base command's */
    CHECK(generate(args) == 0);
    CHECK(load_png("hand.png", &by_hand, NULL, 0));
    bool same = p.rgba && by_hand.rgba && by_hand.width == 48 && by_hand.height == 48 &&
                !memcmp(p.rgba->data, by_hand.rgba->data, (size_t)48 * 48 * 4);
    printf("cli hires (lanczos) == generate + generate --init-image: %s\n", same ? "yes, pixel for pixel" : "NO");
    CHECK(same);
    picture_free(&p), picture_free(&by_hand);

    if (have_taesd) { /* a preview decoder that is not there: refused, nothing written */
        snprintf(args, sizeof args, "--preview-decoder taesd:'%s' --save-plain none.png", cli_path("nowhere"));
        CHECK(generate(args) == 1);
        CHECK(cli_err_contains("preview decoder"));
        CHECK(!cli_exists("none.png"));
    }

    /* refusals, before the model loads */
    static const struct {
        const char *args, *needle;
    } bad[] = {
        {"--hires-fix --init-image x.png", "does not go with --init-image"},
        {"--hires-upscaler bicubic", "unknown hires upscaler"},
        {"--hires-strength 0", "--hires-strength"},
        {"--hires-width 12", "multiples of 8"},
        {"--hires-scale 20", "--hires-scale"},
        {"--preview-every 2", "goes with --preview-decoder"},
        {"--preview-decoder vae:x", "taesd:DIR"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(generate(bad[i].args) == 2);
        CHECK(cli_err_contains(bad[i].needle));
    }

    cli_test_end();
    return test_finish();
}
