/* test_cli_vae_tiling.c — tiled VAE through the CLI as a user runs it: `pixeen generate ...
 * --vae-tiling on [--vae-tile-size PX]` against `--vae-tiling off`, the saved PNGs compared:
 *   - text to image at 96x96 (a 48x48 latent of the tiny SD 1.5 single file), 2x2 decoder tiles
 *     of 72 px against off: image mean |diff| within 2/255 (the bound);
 *   - img2img (the fixture's input.png resized to 96x96, 2x2 tiles of 72 px): encoder and decoder
 *     tiled, within 2/255 of auto (the default), which -v shows untiled for both (the untiled arena
 *     is far below the budget);
 *   - bad values: an unknown mode, a tile size that is not a multiple of the VAE's factor or too
 *     small, each a clear message and no output file. */
#include <limits.h>

#include "cli_test.h"

static char model[PATH_MAX], tok[PATH_MAX], input[PATH_MAX];

/* Runs pixeen generate at 96x96 with `args`, saving `out`; returns its exit status. */
static int generate(const char *args, const char *out) {
    return cli_run("generate -m '%s' --tokenizer '%s' -p 'a red lighthouse on a rocky coast' -n 'blurry, low quality' "
                   "-W 96 -H 96 --steps 4 --cfg 7.5 --seed 1234 --sampler euler_a --schedule discrete -q %s "
                   "--save-plain %s",
                   model, tok, args, out);
}

/* Mean |a - b| over the RGB channels, on [0, 1]. */
static double mean_diff(const char *a, const char *b, const char *what) {
    double mean = cli_png_pair_diff(a, b, 96, 96);
    CHECK(mean < 1.0); /* both PNGs saved at 96x96 */
    printf("cli %-44s image mean |diff| %.3f/255\n", what, mean * 255);
    return mean;
}

int main(void) {
    cli_test_begin("vae-tiling");
    cli_test_need_device();
    CHECK(realpath(test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"), model) != NULL);
    CHECK(realpath(test_data_path("sd15-tiny/model/tokenizer"), tok) != NULL);
    CHECK(realpath(test_data_path("sd15-tiny/edit/input.png"), input) != NULL);
    /* text to image: 2x2 tiles of 36 latent pixels (the single file's own tile, 64 latent, would
     * cover the whole 48x48 latent) */
    CHECK(generate("--vae-tiling off", "off.png") == 0);
    CHECK(generate("--vae-tiling on --vae-tile-size 72", "on.png") == 0);
    CHECK(mean_diff("on.png", "off.png", "txt2img --vae-tiling on (2x2 tiles) vs off") < 2.0 / 255);

    /* img2img: the picture encoded in tiles as well, against auto (the default), which takes the
     * untiled path at this size for both the encoder and the decoder (it says so with -v) */
    char args[PATH_MAX + 256];
    snprintf(args, sizeof args, "--init-image '%s' --strength 0.75 -v", input);
    CHECK(generate(args, "eoff.png") == 0);
    CHECK(cli_err_contains("vae: encode untiled") && cli_err_contains("vae: decode untiled"));
    snprintf(args, sizeof args, "--init-image '%s' --strength 0.75 --vae-tiling on --vae-tile-size 72", input);
    CHECK(generate(args, "eon.png") == 0);
    CHECK(mean_diff("eon.png", "eoff.png", "img2img --vae-tiling on (2x2 tiles) vs auto") < 2.0 / 255);

    /* refusals */
    CHECK(generate("--vae-tiling sometimes", "bad.png") != 0);
    CHECK(cli_err_contains("--vae-tiling takes auto, on or off"));
    CHECK(generate("--vae-tiling on --vae-tile-size 33", "bad.png") != 0);
    CHECK(cli_err_contains("vae_tile_size 33 px (expected 0 for the VAE's own, or a multiple of 2 from 16 to 4096)"));
    CHECK(generate("--vae-tile-size 8", "bad.png") != 0);
    CHECK(cli_err_contains("--vae-tile-size '8' is not a whole number in 16..4096"));
    CHECK(!cli_exists("bad.png"));

    cli_test_end();
    return test_finish();
}
