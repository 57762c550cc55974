/* api_test.h — setup shared by the tests of the public API (tests/test_api_*.c): a context on
 * the default device (skipping the test, exit 77, where none exists) and the committed tiny SD 1.x
 * model (random weights: its images are noise, but every kernel of the real pipeline runs). */
#ifndef PIXEEN_API_TEST_H
#define PIXEEN_API_TEST_H

#include <pixeen/pixeen.h>

#include "test.h"

static inline pixeen_context *api_test_context(void) {
    pixeen_context *ctx = NULL;
    pixeen_status status = pixeen_context_create(NULL, &ctx);
    if (status == PIXEEN_ERROR_NO_DEVICE) TEST_SKIP(pixeen_last_error());
    if (status != PIXEEN_OK) {
        fprintf(stderr, "cannot create a context: %s\n", pixeen_last_error());
        exit(1);
    }
    printf("device: %s\n", pixeen_context_device_name(ctx));
    return ctx;
}

static inline pixeen_model *api_test_model(pixeen_context *ctx) {
    char path[4096], tokenizer_dir[4096];
    snprintf(path, sizeof path, "%s", test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"));
    snprintf(tokenizer_dir, sizeof tokenizer_dir, "%s", test_data_path("sd15-tiny/model/tokenizer"));
    pixeen_model_desc desc = {.path = path, .tokenizer_dir = tokenizer_dir};
    pixeen_model *loaded = NULL;
    if (pixeen_model_load(ctx, &desc, &loaded) != PIXEEN_OK) {
        fprintf(stderr, "cannot load the tiny model: %s\n", pixeen_context_last_error(ctx));
        exit(1);
    }
    return loaded;
}

/* A small, fast request: 16x16 (2x2 latents), 1 step. */
static inline pixeen_generate_desc api_test_request(void) {
    return (pixeen_generate_desc){.prompt = "a lighthouse", .width = 16, .height = 16, .steps = 1, .seed = 1};
}

#endif
