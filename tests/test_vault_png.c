/* test_vault_png.c — PNG with the A1111 `parameters` chunk: the exact text format, the chunk right
 * after IHDR with a correct CRC, pixels intact (decoded by stb_image), UTF-8 prompts (iTXt),
 * and the reader's refusal of corrupted PNGs. */
#include <stb_image.h>

#include "test.h"
#include "vault/png.h"

int main(void) {
    pixeen_generation_params p = {.prompt = "a lighthouse at dusk", .negative_prompt = "blurry",
                                  .steps = 20, .sampler = "Euler a", .cfg_scale = 7.5f, .seed = 1,
                                  .width = 512, .height = 512, .model_hash = "abcd1234", .model_name = "name"};
    pixeen_secret *text = NULL;
    CHECK_OK(pixeen_params_format(&p, &text));
    const char *want = "a lighthouse at dusk\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7.5, "
                       "Seed: 1, Size: 512x512, Model hash: abcd1234, Model: name";
    CHECK(text && !strcmp((const char *)pixeen_secret_data(text), want));
    if (text && strcmp((const char *)pixeen_secret_data(text), want))
        fprintf(stderr, "got: %s\n", pixeen_secret_data(text));
    /* Optional parts left out; whole-number CFG printed as Python does ("7.0"). */
    pixeen_generation_params q = {.prompt = "x", .steps = 4, .cfg_scale = 7.0f, .seed = 4294967296ull, .width = 64,
                                  .height = 32, .denoising_strength = 0.75f};
    pixeen_secret *t2 = NULL;
    CHECK_OK(pixeen_params_format(&q, &t2));
    CHECK(t2 && !strcmp((const char *)pixeen_secret_data(t2),
                        "x\nSteps: 4, CFG scale: 7.0, Seed: 4294967296, Size: 64x32, Denoising strength: 0.75"));
    pixeen_secret_destroy(t2);
    /* The hires fix in A1111's keys and order: a scale, or a resize (then no scale); Hires steps
     * only when given; the upscaler's A1111 name. */
    q.denoising_strength = 0.7f;
    q.hires_scale = 1.5f;
    q.hires_steps = 10;
    q.hires_upscaler = PIXEEN_HIRES_UPSCALER_LATENT_NEAREST;
    CHECK_OK(pixeen_params_format(&q, &t2));
    CHECK(t2 && !strcmp((const char *)pixeen_secret_data(t2),
                        "x\nSteps: 4, CFG scale: 7.0, Seed: 4294967296, Size: 64x32, Denoising strength: 0.7, Hires upscale: "
                        "1.5, Hires steps: 10, Hires upscaler: Latent (nearest)"));
    pixeen_secret_destroy(t2);
    q.hires_scale = 0.0f;
    q.hires_steps = 0;
    q.hires_resize_width = 1024;
    q.hires_upscaler = PIXEEN_HIRES_UPSCALER_LANCZOS;
    CHECK_OK(pixeen_params_format(&q, &t2));
    CHECK(t2 && !strcmp((const char *)pixeen_secret_data(t2), "x\nSteps: 4, CFG scale: 7.0, Seed: 4294967296, Size: 64x32, "
                                                              "Denoising strength: 0.7, Hires resize: 1024x0, Hires upscaler: Lanczos"));
    if (t2) printf("hires parameters: %s\n", (const char *)pixeen_secret_data(t2));
    pixeen_secret_destroy(t2);

    enum { W = 37, H = 23 }; /* odd sizes: no accidental alignment */
    uint8_t rgb[W * H * 3];
    for (int i = 0; i < W * H * 3; i++) rgb[i] = (uint8_t)(i * 7 + 3);
    pixeen_secret *png = NULL;
    CHECK_OK(pixeen_png_encode(rgb, W, H, (const char *)pixeen_secret_data(text), &png));
    const uint8_t *b = pixeen_secret_data(png);
    size_t n = pixeen_secret_size(png);
    CHECK(n > 33 + 12 && !memcmp(b + 37, "tEXt", 4)); /* right after IHDR */
    int w = 0, h = 0, c = 0;
    uint8_t *back = stbi_load_from_memory(b, (int)n, &w, &h, &c, 3);
    CHECK(back && w == W && h == H && !memcmp(back, rgb, sizeof rgb));
    stbi_image_free(back);
    pixeen_secret *got = NULL;
    CHECK_OK(pixeen_png_read_parameters(b, n, &got));
    CHECK(got && !strcmp((const char *)pixeen_secret_data(got), want));
    pixeen_secret_destroy(got);

    /* A corrupted chunk CRC, a truncated file, and a PNG without the chunk. */
    uint8_t *copy = malloc(n);
    memcpy(copy, b, n);
    copy[50] ^= 1;
    CHECK_STATUS(pixeen_png_read_parameters(copy, n, &got), PIXEEN_ERROR_FORMAT);
    memcpy(copy, b, n);
    CHECK_STATUS(pixeen_png_read_parameters(copy, 60, &got), PIXEEN_ERROR_FORMAT);
    CHECK_STATUS(pixeen_png_read_parameters(copy, 5, &got), PIXEEN_ERROR_FORMAT);
    free(copy);
    pixeen_secret *plain_png = NULL;
    CHECK_OK(pixeen_png_encode(rgb, W, H, NULL, &plain_png));
    CHECK_STATUS(pixeen_png_read_parameters(pixeen_secret_data(plain_png), pixeen_secret_size(plain_png), &got),
                 PIXEEN_ERROR_FORMAT);
    pixeen_secret_destroy(plain_png);

    /* UTF-8 prompt: iTXt, read back unchanged. */
    const char *utf8 = "灯台 \xc3\xa9t\xc3\xa9\nSteps: 1, CFG scale: 1.0, Seed: 0, Size: 37x23";
    pixeen_secret *png2 = NULL;
    CHECK_OK(pixeen_png_encode(rgb, W, H, utf8, &png2));
    CHECK(!memcmp(pixeen_secret_data(png2) + 37, "iTXt", 4));
    CHECK_OK(pixeen_png_read_parameters(pixeen_secret_data(png2), pixeen_secret_size(png2), &got));
    CHECK(got && !strcmp((const char *)pixeen_secret_data(got), utf8));
    pixeen_secret_destroy(got);
    pixeen_secret_destroy(png2);

    CHECK_STATUS(pixeen_png_encode(rgb, 0, H, NULL, &png2), PIXEEN_ERROR_INVALID_ARGUMENT);
    pixeen_secret_destroy(png);
    pixeen_secret_destroy(text);
    return test_finish();
}
