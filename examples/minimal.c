/* minimal.c — the smallest complete Pixeen program: load a model, generate one image, save it
 * encrypted to an age recipient. Uses only the public header, like any application.
 *
 *   pixeen_example_minimal MODEL RECIPIENT OUT.png.age [PROMPT] [SIZE] [STEPS] [TOKENIZER_DIR]
 *
 * e.g. with the committed tiny test model (its pictures are noise-like: it is untrained):
 *   pixeen_example_minimal tests/data/sd15-tiny/sd15-tiny.fp16.safetensors age1... out.png.age \
 *       "a lighthouse" 64 4 tests/data/sd15-tiny/model/tokenizer
 * then `age -d -i key.txt out.png.age > out.png`. */
#include <stdio.h>
#include <stdlib.h>

#include <pixeen/pixeen.h>

/* Prints the context's message for a failed call and returns 1 (the exit code). */
static int fail(pixeen_context *ctx, const char *what, pixeen_status status) {
    fprintf(stderr, "%s: %s: %s\n", what, pixeen_status_string(status),
            ctx ? pixeen_context_last_error(ctx) : pixeen_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL RECIPIENT OUT.png.age [PROMPT] [SIZE] [STEPS] [TOKENIZER_DIR]\n", argv[0]);
        return 2;
    }
    pixeen_context *ctx = NULL;
    pixeen_model *model = NULL;
    pixeen_image *image = NULL;
    int rc = 1;
    pixeen_status status = pixeen_context_create(NULL, &ctx); /* NULL: every default */
    if (status != PIXEEN_OK) return fail(NULL, "context", status);

    pixeen_model_desc m = {0};
    m.path = argv[1];
    m.tokenizer_dir = argc > 7 ? argv[7] : NULL;
    status = pixeen_model_load(ctx, &m, &model);
    if (status != PIXEEN_OK) {
        rc = fail(ctx, "model", status);
        goto done;
    }

    pixeen_generate_desc g = {0}; /* {0}: the model's size, 20 steps, guidance 7.5, Euler a */
    g.prompt = argc > 4 ? argv[4] : "a lighthouse at dusk, oil painting";
    g.width = g.height = argc > 5 ? atoi(argv[5]) : 0;
    g.steps = argc > 6 ? atoi(argv[6]) : 0;
    g.seed = 1;
    status = pixeen_generate(model, &g, &image);
    if (status != PIXEEN_OK) {
        rc = fail(ctx, "generate", status);
        goto done;
    }

    const char *recipients[] = {argv[2]};
    pixeen_seal_desc seal = {0};
    seal.recipients = recipients;
    seal.recipient_count = 1;
    pixeen_generation_params params = {0}; /* written into the PNG as AUTOMATIC1111 does */
    params.prompt = g.prompt;
    params.steps = g.steps ? g.steps : 20;
    params.cfg_scale = 7.5f;
    params.seed = 1;
    pixeen_image_info info;
    pixeen_image_get_info(image, &info);
    params.width = info.width;
    params.height = info.height;
    pixeen_image_save_desc s = {0};
    s.path = argv[3];
    s.seal = &seal;
    s.params = &params;
    status = pixeen_image_save(image, 0, &s);
    if (status != PIXEEN_OK) {
        rc = fail(ctx, "save", status);
        goto done;
    }
    printf("saved %dx%d image to %s (pixeen %s on %s)\n", info.width, info.height, argv[3], pixeen_version(),
           pixeen_context_device_name(ctx));
    rc = 0;
done:
    pixeen_image_destroy(image); /* each destroy accepts NULL */
    pixeen_model_destroy(model);
    pixeen_context_destroy(ctx);
    return rc;
}
