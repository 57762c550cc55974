/* test_api_abi.c — the public header's ABI promises: every descriptor's size and the place of its
 * reserved words are pinned (a change here is an ABI break: bump the major version); a non-zero
 * reserved word is refused with PIXEEN_ERROR_UNSUPPORTED by every function that takes the
 * descriptor; version macros, pixeen_version() and CMake's project version agree; status names.
 * The other half of the growth promise (a program built against a newer header whose new field
 * is zero works with this library) is tests/api_abi_next.c. */
#include <stddef.h>

#include "api_test.h"

#define PIN(type, size, reserved_at)                                                                  \
    _Static_assert(sizeof(type) == (size), #type " changed size: an ABI break");                     \
    _Static_assert(offsetof(type, reserved) == (reserved_at), #type "'s reserved words moved: an ABI break")

#if UINTPTR_MAX == UINT64_MAX /* LP64 (Linux x86-64, arm64): the sizes there */
PIN(pixeen_context_desc, 104, 40);
PIN(pixeen_vulkan_device, 136, 72);
PIN(pixeen_model_desc, 88, 36);      /* + prediction, tokenizer_2_dir, spacing */
PIN(pixeen_generate_desc, 168, 156); /* + LoRA / embedding fields, size_conditioning, edit, decoders, seed_unsigned */
PIN(pixeen_size_conditioning, 56, 24);
PIN(pixeen_lora, 32, 12);
PIN(pixeen_picture_desc, 104, 72); /* + buffer, offset, size, context */
PIN(pixeen_edit_desc, 88, 20);
PIN(pixeen_decoders_desc, 80, 16);
_Static_assert(offsetof(pixeen_generate_desc, lora_count) == 100, "the LoRA fields took the first reserved words");
_Static_assert(offsetof(pixeen_generate_desc, size_conditioning) == 128, "then the size conditioning");
_Static_assert(offsetof(pixeen_generate_desc, edit) == 136, "then edit and decoders");
_Static_assert(offsetof(pixeen_generate_desc, seed_unsigned) == 152, "then seed_unsigned");
_Static_assert(offsetof(pixeen_generate_desc, more) == 160, "then `more`, 8-aligned after the last reserved word");
PIN(pixeen_generate_more, 72, 8);
PIN(pixeen_hires_desc, 88, 24);
PIN(pixeen_image_save_desc, 96, 32);
PIN(pixeen_seal_desc, 112, 44);
PIN(pixeen_open_desc, 80, 16);
PIN(pixeen_tokenize_desc, 88, 20);
PIN(pixeen_generation_params, 144, 96); /* + hires_scale, hires_resize_*, hires_steps, hires_upscaler */
PIN(pixeen_model_info, 64, 32);
PIN(pixeen_image_info, 56, 24);
PIN(pixeen_probe_desc, 112, 64); /* + pooled, text_embeds, time_ids */
#endif
/* Every descriptor started with 16 reserved words at its end, every output with 8; fields added
 * since took words from them, keeping every size and every older field's place. */
/* pixeen_generate_desc: the LoRA/embedding fields, the size conditioning, seed_unsigned, the last
 * reserved word(s) and `more` fill the 16 words (and, on 64-bit, the 4 bytes of padding the
 * descriptor always had after them) */
_Static_assert(offsetof(pixeen_generate_desc, reserved) + sizeof(((pixeen_generate_desc *)0)->reserved) +
                       sizeof(void *) - offsetof(pixeen_generate_desc, lora_count) ==
                   64 + 4 * (sizeof(void *) / 8),
               "16 words for growth");
_Static_assert(offsetof(pixeen_generate_desc, more) + sizeof(void *) == sizeof(pixeen_generate_desc),
               "`more` ends the descriptor");
_Static_assert(offsetof(pixeen_model_desc, prediction) == 20 && offsetof(pixeen_model_desc, tokenizer_2_dir) == 24 &&
                   offsetof(pixeen_model_desc, spacing) == 32,
               "new fields sit where the reserved words were");
_Static_assert(sizeof(((pixeen_image_info *)0)->reserved) == 32, "8 reserved words");

static void test_version(void) {
    char macros[64];
    snprintf(macros, sizeof macros, "%d.%d.%d", PIXEEN_VERSION_MAJOR, PIXEEN_VERSION_MINOR, PIXEEN_VERSION_PATCH);
    CHECK(strcmp(pixeen_version(), macros) == 0);
    CHECK(strcmp(pixeen_version(), PIXEEN_PROJECT_VERSION) == 0); /* CMake's project(VERSION) */
}

static void test_status_names(void) {
    static const pixeen_status all[] = {
        PIXEEN_OK, PIXEEN_ERROR_INVALID_ARGUMENT, PIXEEN_ERROR_OUT_OF_MEMORY, PIXEEN_ERROR_IO, PIXEEN_ERROR_CANCELLED,
        PIXEEN_ERROR_BUSY, PIXEEN_ERROR_UNSUPPORTED, PIXEEN_ERROR_INTERNAL, PIXEEN_ERROR_EXISTS, PIXEEN_ERROR_NO_DEVICE,
        PIXEEN_ERROR_VULKAN, PIXEEN_ERROR_DEVICE_LOST, PIXEEN_ERROR_GPU_OUT_OF_MEMORY, PIXEEN_ERROR_VALIDATION,
        PIXEEN_ERROR_FORMAT, PIXEEN_ERROR_MODEL, PIXEEN_ERROR_TOKENIZER, PIXEEN_ERROR_DECRYPT, PIXEEN_ERROR_KEY,
    };
    size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++) {
        const char *name = pixeen_status_string(all[i]);
        CHECK(strncmp(name, "PIXEEN_", 7) == 0 && strcmp(name, "PIXEEN_UNKNOWN_STATUS") != 0);
        for (size_t j = 0; j < i; j++) CHECK(strcmp(name, pixeen_status_string(all[j])) != 0);
        CHECK(all[i] <= 0 && all[i] > -400); /* grouped: general, GPU -1xx, models -2xx, vault -3xx */
    }
    CHECK(strcmp(pixeen_status_string(PIXEEN_ERROR_GPU_OUT_OF_MEMORY), "PIXEEN_ERROR_GPU_OUT_OF_MEMORY") == 0);
    CHECK(strcmp(pixeen_status_string((pixeen_status)-12345), "PIXEEN_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(pixeen_status_string((pixeen_status)1), "PIXEEN_UNKNOWN_STATUS") == 0);
}

/* Descriptors that need no GPU: each reserved word on its own is refused. */
static void test_reserved_without_gpu(void) {
    for (int i = 0; i < 16; i++) {
        pixeen_context *ctx = NULL;
        pixeen_context_desc c = {0};
        c.reserved[i] = 1u << (i % 32);
        CHECK_STATUS(pixeen_context_create(&c, &ctx), PIXEEN_ERROR_UNSUPPORTED);
        CHECK(ctx == NULL && strstr(pixeen_last_error(), "newer pixeen.h"));

        pixeen_tokenize_desc t = {0};
        t.reserved[i] = 7;
        CHECK_STATUS(pixeen_tokenize_print(&t, "a", stdout), PIXEEN_ERROR_UNSUPPORTED);

        /* 11 words since the hires fields took 5 */
        pixeen_generation_params p = {.prompt = "a", .steps = 1};
        p.reserved[i % (int)(sizeof p.reserved / sizeof p.reserved[0])] = 1;
        pixeen_secret *text = NULL;
        CHECK_STATUS(pixeen_params_format(&p, &text), PIXEEN_ERROR_UNSUPPORTED);
        CHECK(text == NULL);

        pixeen_seal_desc s = {0};
        s.reserved[i] = 1;
        CHECK_STATUS(pixeen_vault_seal_file(&s, "x", 1, "/nonexistent-dir/x.age"), PIXEEN_ERROR_UNSUPPORTED);
        pixeen_open_desc o = {0};
        o.reserved[i] = 1;
        CHECK_STATUS(pixeen_vault_open_file(&o, "/nonexistent-dir/x.age", &text), PIXEEN_ERROR_UNSUPPORTED);
    }
    pixeen_generation_params p = {.prompt = "a", .steps = 1}; /* and all zero works */
    pixeen_secret *text = NULL;
    CHECK_OK(pixeen_params_format(&p, &text));
    pixeen_secret_destroy(text);
}

static int log_infos, log_leaks;

static void on_log(pixeen_log_level level, const char *message, void *user) {
    (void)user;
    log_infos += level == PIXEEN_LOG_INFO && strstr(message, "using ") != NULL;
    log_leaks += strstr(message, "lighthouse") != NULL; /* never a prompt */
}

static void test_reserved_with_gpu(void) {
    /* the log callback receives diagnostics (PIXEEN_LOG=info is set in main) */
    pixeen_context *logged = NULL;
    CHECK_OK(pixeen_context_create(&(pixeen_context_desc){.log = on_log}, &logged));
    CHECK(log_infos == 1);
    pixeen_context_destroy(logged);
    pixeen_context *ctx = api_test_context();
    pixeen_model *model = api_test_model(ctx);
    const int model_words = (int)(sizeof(pixeen_model_desc){0}.reserved / sizeof(uint32_t));
    const int generate_words = (int)(sizeof(pixeen_generate_desc){0}.reserved / sizeof(uint32_t));
    for (int i = 0; i < model_words; i++) { /* 13 model words, 7 generate words (on 64-bit) */
        pixeen_model *m = NULL;
        pixeen_model_desc md = {.path = "anything"};
        md.reserved[i % model_words] = 1;
        CHECK_STATUS(pixeen_model_load(ctx, &md, &m), PIXEEN_ERROR_UNSUPPORTED);
        CHECK(m == NULL && strstr(pixeen_context_last_error(ctx), "reserved word"));
        pixeen_generate_desc g = api_test_request();
        g.reserved[i % generate_words] = 0x80000000u;
        pixeen_image *image = NULL;
        CHECK_STATUS(pixeen_generate(model, &g, &image), PIXEEN_ERROR_UNSUPPORTED);
        CHECK(image == NULL && strstr(pixeen_context_last_error(ctx), "newer pixeen.h"));
    }
    /* the size-conditioning sub-descriptor has reserved words of its own */
    pixeen_size_conditioning sc = {.reserved[3] = 1};
    pixeen_generate_desc gs = api_test_request();
    gs.size_conditioning = &sc;
    pixeen_image *none = NULL;
    CHECK_STATUS(pixeen_generate(model, &gs, &none), PIXEEN_ERROR_UNSUPPORTED);
    CHECK(none == NULL);
    /* pixeen_edit_desc and pixeen_decoders_desc: each reserved word refused */
    for (int i = 0; i < 16; i++) {
        pixeen_edit_desc ed = {0};
        pixeen_decoders_desc dd = {0};
        ed.reserved[i] = 1;
        dd.reserved[i] = 1;
        pixeen_generate_desc g = api_test_request();
        pixeen_image *image = NULL;
        g.edit = &ed;
        CHECK_STATUS(pixeen_generate(model, &g, &image), PIXEEN_ERROR_UNSUPPORTED);
        g.edit = NULL;
        g.decoders = &dd;
        CHECK_STATUS(pixeen_generate(model, &g, &image), PIXEEN_ERROR_UNSUPPORTED);
        CHECK(image == NULL);
    }
    /* pixeen_generate_more and pixeen_hires_desc: each reserved word refused */
    for (int i = 0; i < 16; i++) {
        pixeen_generate_more more = {0};
        pixeen_hires_desc hires = {0};
        pixeen_generate_desc g = api_test_request();
        pixeen_image *image = NULL;
        more.reserved[i] = 1;
        g.more = &more;
        CHECK_STATUS(pixeen_generate(model, &g, &image), PIXEEN_ERROR_UNSUPPORTED);
        more.reserved[i] = 0;
        hires.reserved[i] = 1;
        more.hires = &hires;
        CHECK_STATUS(pixeen_generate(model, &g, &image), PIXEEN_ERROR_UNSUPPORTED);
        CHECK(image == NULL);
    }
    /* pixeen_picture_desc: each reserved word refused (8 on 64-bit: buffer, offset, size and
     * context took the others) */
    for (int i = 0; i < (int)(sizeof(pixeen_picture_desc){0}.reserved / sizeof(uint32_t)); i++) {
        uint8_t px[4] = {0};
        pixeen_picture_desc pd = {.rgba = px, .width = 1, .height = 1};
        pd.reserved[i] = 1;
        pixeen_picture *pic = NULL;
        CHECK_STATUS(pixeen_picture_load(&pd, &pic), PIXEEN_ERROR_UNSUPPORTED);
        CHECK(pic == NULL);
    }
    pixeen_model_info info;
    memset(&info, 0xFF, sizeof info);
    CHECK_OK(pixeen_model_get_info(model, &info));
    for (int i = 0; i < 8; i++) CHECK(info.reserved[i] == 0); /* outputs: reserved words written as zero */
    pixeen_model_destroy(model);
    pixeen_context_destroy(ctx);
    CHECK(log_infos == 1 && log_leaks == 0); /* the destroyed context's callback gets nothing more */
}

int main(void) {
    setenv("PIXEEN_LOG", "info", 1);
    test_version();
    test_status_names();
    test_reserved_without_gpu();
    test_reserved_with_gpu();
    return test_finish();
}
