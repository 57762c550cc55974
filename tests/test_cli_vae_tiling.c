/* test_cli_vae_tiling.c — tiled VAE through the CLI as a user runs it: `pixeen generate ...
 * --vae-tiling on [--vae-tile-size PX]` against `--vae-tiling off`, the saved PNGs compared:
 *   - text to image at 96x96 (a 48x48 latent of the tiny SD 1.5 single file), 2x2 decoder tiles
 *     of 72 px: image mean |diff| within 2/255 (the bound), and auto (the default) equal
 *     to off there (the untiled arena is far below the budget);
 *   - img2img (the fixture's input.png resized to 96x96, 2x2 tiles of 72 px): encoder and decoder
 *     tiled, within 2/255;
 *   - bad values: an unknown mode, a tile size that is not a multiple of the VAE's factor or too
 *     small, each a clear message and no output file. */
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/picture.h"
#include "test.h"

static char root[64] = "/tmp/pixeen-cli-tiling-XXXXXX";
static char model[PATH_MAX], tok[PATH_MAX], input[PATH_MAX];

static void *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *d = malloc(n > 0 ? (size_t)n : 1);
    *size = d ? fread(d, 1, (size_t)n, f) : 0;
    fclose(f);
    return d;
}

/* Runs pixeen generate at 96x96 with `args`, saving `out`; returns its exit status. */
static int generate(const char *args, const char *out) {
    char cmd[4 * PATH_MAX + 1024];
    snprintf(cmd, sizeof cmd,
             "cd %s && %s/src/pixeen generate -m '%s' --tokenizer '%s' -p 'a red lighthouse on a rocky coast' "
             "-n 'blurry, low quality' -W 96 -H 96 --steps 4 --cfg 7.5 --seed 1234 --sampler euler_a --schedule discrete "
             "-q %s --save-plain %s 2>%s/err.txt",
             root, getenv("PIXEEN_TEST_BIN"), model, tok, args, out, root);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static bool load(const char *name, picture *p) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, name);
    size_t n = 0;
    uint8_t *png = read_all(path, &n);
    bool ok = png && picture_decode(png, n, name, p) == PIXEEN_OK && p->width == 96 && p->height == 96;
    free(png);
    return ok;
}

/* Mean |a - b| over the RGB channels, on [0, 1]. */
static double mean_diff(const char *a, const char *b, const char *what) {
    picture pa = {0}, pb = {0};
    double mean = INFINITY;
    if (load(a, &pa) && load(b, &pb)) {
        double sum = 0;
        for (size_t i = 0; i < 96 * 96; i++)
            for (int c = 0; c < 3; c++) sum += fabs((double)pa.rgba->data[i * 4 + c] - pb.rgba->data[i * 4 + c]) / 255.0;
        mean = sum / (96 * 96 * 3);
    } else {
        CHECK(!"both PNGs saved at 96x96");
    }
    printf("cli %-44s image mean |diff| %.3f/255\n", what, mean * 255);
    picture_free(&pa);
    picture_free(&pb);
    return mean;
}

static bool err_contains(const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/err.txt", root);
    size_t n = 0;
    char *e = read_all(path, &n);
    bool found = false;
    for (size_t i = 0; e && !found && i + strlen(text) <= n; i++) found = !memcmp(e + i, text, strlen(text));
    if (!found) fprintf(stderr, "  expected '%s' in: %.*s\n", text, (int)n, e ? e : "");
    free(e);
    return found;
}

static bool exists(const char *name) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, name);
    return access(path, F_OK) == 0;
}

int main(void) {
    const char *bin = getenv("PIXEEN_TEST_BIN");
    char exe[4096];
    snprintf(exe, sizeof exe, "%s/src/pixeen", bin ? bin : ".");
    if (!bin || access(exe, X_OK) != 0) TEST_SKIP("the pixeen executable is not built");
    char probe[4200];
    snprintf(probe, sizeof probe, "%s devices >/dev/null 2>&1", exe);
    if (system(probe) != 0) TEST_SKIP("no Vulkan device");
    if (!mkdtemp(root)) return 1;
    CHECK(realpath(test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"), model) != NULL);
    CHECK(realpath(test_data_path("sd15-tiny/model/tokenizer"), tok) != NULL);
    CHECK(realpath(test_data_path("sd15-tiny/edit/input.png"), input) != NULL);

    /* text to image: 2x2 tiles of 36 latent pixels (the single file's own tile, 64 latent, would
     * cover the whole 48x48 latent) */
    CHECK(generate("--vae-tiling off", "off.png") == 0);
    CHECK(generate("--vae-tiling on --vae-tile-size 72", "on.png") == 0);
    CHECK(generate("", "auto.png") == 0);
    CHECK(mean_diff("on.png", "off.png", "txt2img --vae-tiling on (2x2 tiles) vs off") < 2.0 / 255);
    CHECK(mean_diff("auto.png", "off.png", "txt2img --vae-tiling auto vs off") == 0.0);

    /* img2img: the picture encoded in tiles as well */
    char args[PATH_MAX + 256];
    snprintf(args, sizeof args, "--init-image '%s' --strength 0.75 --vae-tiling off", input);
    CHECK(generate(args, "eoff.png") == 0);
    snprintf(args, sizeof args, "--init-image '%s' --strength 0.75 --vae-tiling on --vae-tile-size 72", input);
    CHECK(generate(args, "eon.png") == 0);
    CHECK(mean_diff("eon.png", "eoff.png", "img2img --vae-tiling on (2x2 tiles) vs off") < 2.0 / 255);

    /* refusals */
    CHECK(generate("--vae-tiling sometimes", "bad.png") != 0);
    CHECK(err_contains("--vae-tiling takes auto, on or off"));
    CHECK(generate("--vae-tiling on --vae-tile-size 33", "bad.png") != 0);
    CHECK(err_contains("vae_tile_size 33 px (expected 0 for the VAE's own, or a multiple of 2 from 16 to 4096)"));
    CHECK(generate("--vae-tile-size 8", "bad.png") != 0);
    CHECK(err_contains("--vae-tile-size '8' is not a whole number in 16..4096"));
    CHECK(!exists("bad.png"));

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    CHECK(system(cmd) == 0);
    return test_finish();
}
