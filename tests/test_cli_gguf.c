/* test_cli_gguf.c — GGUF through the `pixeen` executable as a user runs it:
 *   pixeen quantize tests/data/sd15-tiny/sd15-tiny.fp16.safetensors rt.q8_0.gguf --type q8_0
 *     (atomic: no temporary file left; its tensors' bytes equal stable-diffusion.cpp's q8_0 file's;
 *     SIGTERM while it writes, held there by tests/preload's fsync wrapper, leaves neither the
 *     temporary nor the target),
 *   pixeen inspect rt.q8_0.gguf (types and bytes per component),
 *   pixeen generate -m rt.q8_0.gguf --tokenizer DIR -p P -n N -W 64 -H 64 --steps 4 --cfg 7.5 \
 *     --seed 1234 --sampler euler --schedule discrete --save-plain out.png
 *   whose PNG matches diffusers on the dequantized weights (gguf/ref-q8_0) within 4/255 (+ the 8-bit
 *   rounding), the refusals (unknown type, a file that is not a model: nothing written), and a NaN
 *   block scale in a weight that stays quantized (the load fails naming the tensor and block), and
 *   LoRA on a GGUF base (refused: LoRA merges into fp16 weights, these stay quantized).
 *   With ../shared/fixtures: pixeen quantize of the diffusers folder (a GGUF in diffusers names,
 *   unet./vae./te.), inspect, and generate from it against the same reference.
 * The executable comes from $PIXEEN_TEST_BIN/src/pixeen; the test skips (77) while it is not built. */
#include <dirent.h>

#include "cli_test.h"
#include "models/safetensors.h"
#include "test.h"

static char root[2048];

static int files_in_dir(void) {
    DIR *d = opendir(cli_dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

/* Names starting with a dot (temporaries: .pixeen-tmp-*), . and .. aside. */
static int dot_files_in_dir(void) {
    DIR *d = opendir(cli_dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d) closedir(d);
    return n;
}

/* Every tensor of `a` has the same dtype, shape and bytes in `b`. */
static void same_tensors(const char *a_path, const char *b_path) {
    safetensors_file *a = NULL, *b = NULL;
    CHECK_OK(safetensors_open(a_path, &a));
    CHECK_OK(safetensors_open(b_path, &b));
    if (!a || !b) goto done;
    CHECK(safetensors_count(a) >= safetensors_count(b));
    size_t same = 0;
    for (size_t i = 0; i < safetensors_count(b); i++) {
        const safetensors_tensor *tb = safetensors_at(b, i), *ta = safetensors_find(a, tb->name);
        CHECK(ta && ta->dtype == tb->dtype && ta->nbytes == tb->nbytes);
        if (!ta || ta->nbytes != tb->nbytes) continue;
        uint8_t *x = malloc(ta->nbytes + 1), *y = malloc(tb->nbytes + 1);
        CHECK_OK(safetensors_read_raw(a, ta, 0, ta->nbytes, x));
        CHECK_OK(safetensors_read_raw(b, tb, 0, tb->nbytes, y));
        same += !memcmp(x, y, ta->nbytes);
        free(x);
        free(y);
    }
    printf("quantize q8_0: %zu of %zu tensors byte-identical to stable-diffusion.cpp's file\n", same,
           safetensors_count(b));
    CHECK(same == safetensors_count(b));
done:
    safetensors_close(a);
    safetensors_close(b);
}

/* generate from `model` as a user does; the PNG against diffusers on the dequantized q8_0 weights */
static void generate_and_compare(const char *model, const char *what) {
    char out[16384];
    CHECK(cli_run("generate -m '%s' --tokenizer '%s/sd15-tiny/model/tokenizer' -p 'a photograph of an astronaut "
                  "riding a horse' -n 'blurry, low quality' -W 64 -H 64 --steps 4 --cfg 7.5 --seed 1234 --sampler euler "
                  "--schedule discrete --save-plain out.png --force",
                  model, root) == 0);
    cli_slurp("err.txt", out, sizeof out);
    if (out[0]) printf("%s", out);
    FILE *f = fopen(test_data_path("gguf/ref-q8_0/pipe_euler_32_image.bin"), "rb");
    static float ref[64 * 64 * 3];
    CHECK(f && fread(ref, 4, 64 * 64 * 3, f) == 64 * 64 * 3);
    if (f) fclose(f);
    double mean = cli_png_mean_diff("out.png", ref, 64, 64);
    printf("generate from %s: image mean |diff| %.4f (tol %.4f)\n", what, mean, 4.5 / 255);
    CHECK(mean < 4.5 / 255); /* 4/255 in fp16 plus half a step of the 8-bit PNG */
    unlink(cli_path("out.png"));
}

int main(void) {
    cli_test_begin("gguf");
    if (!realpath(test_data_path("."), root)) TEST_SKIP("no tests/data");
    char args[8192], out[16384], path[1300];

    /* refusals first: nothing may be left behind */
    snprintf(args, sizeof args, "quantize '%s/sd15-tiny/sd15-tiny.fp16.safetensors' bad.gguf --type q3_K", root);
    CHECK(cli_run("%s", args) != 0);
    cli_slurp("err.txt", out, sizeof out);
    CHECK(strstr(out, "q3_K") != NULL);
    snprintf(args, sizeof args, "quantize '%s/corpus/gguf/valid_q8_f32' bad.gguf --type q8_0", root);
    CHECK(cli_run("%s", args) != 0);
    cli_slurp("err.txt", out, sizeof out);
    CHECK(strstr(out, "UNet") != NULL);
    CHECK(files_in_dir() == 2); /* out.txt and err.txt only */

    snprintf(args, sizeof args, "quantize '%s/sd15-tiny/sd15-tiny.fp16.safetensors' rt.q8_0.gguf --type q8_0", root);
    CHECK(cli_run("%s", args) == 0);
    CHECK(files_in_dir() == 3); /* no temporary file left */

    /* SIGTERM while the file is written (held at its fsync): the CLI's handler removes the
     * temporary, and the target never appears */
    char temp[4096];
    snprintf(args, sizeof args, "quantize '%s/sd15-tiny/sd15-tiny.fp16.safetensors' held.gguf --type q8_0", root);
    int status = cli_run_signalled_mid_save(args, SIGTERM, temp, sizeof temp);
    printf("quantize held mid-write in %s, then SIGTERM: %s\n", temp[0] ? temp : "(not held)",
           status >= 0 && WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "did not end by the signal");
    CHECK(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    CHECK(strncmp(temp, cli_dir, strlen(cli_dir)) == 0 && strstr(temp, "/.pixeen-tmp-") != NULL);
    CHECK(temp[0] && access(temp, F_OK) != 0);
    CHECK(access(cli_path("held.gguf"), F_OK) != 0);
    CHECK(files_in_dir() == 3 && dot_files_in_dir() == 0);
    snprintf(path, sizeof path, "%s/rt.q8_0.gguf", cli_dir);
    same_tensors(path, test_data_path("gguf/sd15-tiny.q8_0.gguf"));

    CHECK(cli_run("inspect rt.q8_0.gguf") == 0);
    cli_slurp("out.txt", out, sizeof out);
    CHECK(strstr(out, "unet:") && strstr(out, "Q8_0 (") && strstr(out, "F16 ("));

    generate_and_compare("rt.q8_0.gguf", "the quantized round trip");

    /* A diffusers folder (the fixture's fp32 one, in ../shared) quantizes to a GGUF in diffusers
     * names, as stable-diffusion.cpp's converter writes one (unet., vae., te.), and generates the
     * same picture (its VAE attention, 2-D there, is quantized too: within the same tolerance). */
    const char *folder = test_shared_path("fixtures/sd15-tiny/model/unet/diffusion_pytorch_model.safetensors");
    char folder_dir[4096];
    if (folder) snprintf(folder_dir, sizeof folder_dir, "%s", test_shared_path("fixtures/sd15-tiny/model"));
    if (!folder) {
        printf("skip: ../shared/fixtures/sd15-tiny/model absent: quantize of a diffusers folder not checked\n");
    } else {
        snprintf(args, sizeof args, "quantize '%s' d.q8_0.gguf --type q8_0", folder_dir);
        CHECK(cli_run("%s", args) == 0);
        CHECK(cli_run("inspect d.q8_0.gguf") == 0);
        cli_slurp("out.txt", out, sizeof out);
        CHECK(strstr(out, "layout: single file, diffusers names") && strstr(out, "Q8_0 ("));
        generate_and_compare("d.q8_0.gguf", "a diffusers folder quantized (diffusers names)");
        unlink(cli_path("d.q8_0.gguf"));
    }
    /* LoRA on a GGUF base is refused (it merges into fp16 weights; these stay quantized): no image */
    snprintf(args, sizeof args,
             "generate -m rt.q8_0.gguf --tokenizer '%s/sd15-tiny/model/tokenizer' -p 'a photo "
             "<lora:sd15-tiny-lora:0.8>' --lora-dir '%s/lora' -W 64 -H 64 --steps 1 --save-plain lora.png",
             root, root);
    CHECK(cli_run("%s", args) != 0);
    cli_slurp("err.txt", out, sizeof out);
    CHECK(strstr(out, "not stored as fp16") != NULL);
    CHECK(access(cli_path("lora.png"), F_OK) != 0);

    /* a NaN block scale in a weight that stays quantized: the load fails naming the tensor */
    safetensors_file *sf = NULL;
    uint64_t at = 0;
    CHECK_OK(safetensors_open(cli_path("rt.q8_0.gguf"), &sf));
    const safetensors_tensor *q = sf ? safetensors_find(sf, "model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight") : NULL;
    CHECK(q && q->dtype == SAFETENSORS_Q8_0);
    if (q) at = q->offset + 34 * 3; /* the fourth block's d */
    safetensors_close(sf);
    FILE *bad = fopen(cli_path("rt.q8_0.gguf"), "r+b");
    CHECK(bad && at && fseek(bad, (long)at, SEEK_SET) == 0 && fputc(0xFF, bad) != EOF && fputc(0x7F, bad) != EOF);
    if (bad) fclose(bad);
    snprintf(args, sizeof args,
             "generate -m rt.q8_0.gguf --tokenizer '%s/sd15-tiny/model/tokenizer' -p x -W 64 -H 64 --steps 1 "
             "--save-plain nan.png",
             root);
    CHECK(cli_run("%s", args) != 0);
    cli_slurp("err.txt", out, sizeof out);
    CHECK(strstr(out, "attn1.to_q.weight") && strstr(out, "NaN or infinite scale in block 3"));
    snprintf(path, sizeof path, "%s/nan.png", cli_dir);
    CHECK(access(path, F_OK) != 0);

    cli_test_end();
    return test_finish();
}
