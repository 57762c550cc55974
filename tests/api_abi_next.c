/* api_abi_next.c — a program built against a NEWER pixeen.h: tests/CMakeLists.txt generates a
 * copy of include/pixeen/pixeen.h in which the first reserved word of pixeen_generate_more (where
 * pixeen_generate_desc grows now that its own reserved words are taken) became a new field (`future_field`, whose zero must mean today's behaviour), and compiles this file
 * against that copy only (the public header, no internals). Linked with this library, the program
 * must work while the new field is zero, and get PIXEEN_ERROR_UNSUPPORTED (not a silently ignored
 * field) when it is set. Exit 0: pass, 1: fail, 77: no Vulkan device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pixeen/pixeen.h>

#ifndef PIXEEN_ABI_NEXT
#error "compiled against the real header instead of the generated newer copy"
#endif
_Static_assert(sizeof(pixeen_generate_desc) == 168, "the newer header keeps the descriptor's size");

int main(void) {
    const char *data = getenv("PIXEEN_TEST_DATA");
    char model_path[4096], tokenizer[4096];
    snprintf(model_path, sizeof model_path, "%s/sd15-tiny/sd15-tiny.fp16.safetensors", data ? data : "tests/data");
    snprintf(tokenizer, sizeof tokenizer, "%s/sd15-tiny/model/tokenizer", data ? data : "tests/data");
    pixeen_context *ctx = NULL;
    pixeen_status st = pixeen_context_create(NULL, &ctx);
    if (st == PIXEEN_ERROR_NO_DEVICE) return 77;
    if (st != PIXEEN_OK) return 1;
    pixeen_model *model = NULL;
    pixeen_model_desc md = {0};
    md.path = model_path;
    md.tokenizer_dir = tokenizer;
    int failures = 0;
    if (pixeen_model_load(ctx, &md, &model) != PIXEEN_OK) {
        fprintf(stderr, "model: %s\n", pixeen_context_last_error(ctx));
        return 1;
    }
    pixeen_generate_desc g = {0};
    g.prompt = "a lighthouse";
    g.width = g.height = 16;
    g.steps = 1;
    pixeen_generate_more more = {0};
    g.more = &more;
    more.future_field = 0; /* the new field at its default: the library (which predates it) works */
    pixeen_image *image = NULL;
    st = pixeen_generate(model, &g, &image);
    if (st != PIXEEN_OK || !image) {
        fprintf(stderr, "FAIL: new field zero: %s: %s\n", pixeen_status_string(st), pixeen_context_last_error(ctx));
        failures++;
    }
    pixeen_image_destroy(image);
    image = NULL;
    more.future_field = 2; /* a value the older library cannot honour: refused, not ignored */
    st = pixeen_generate(model, &g, &image);
    if (st != PIXEEN_ERROR_UNSUPPORTED || image || !strstr(pixeen_context_last_error(ctx), "newer pixeen.h")) {
        fprintf(stderr, "FAIL: new field set: %s: %s\n", pixeen_status_string(st), pixeen_context_last_error(ctx));
        failures++;
    }
    pixeen_model_destroy(model);
    pixeen_context_destroy(ctx);
    printf("%s\n", failures ? "FAILED" : "newer header, older library: ok");
    return failures ? 1 : 0;
}
