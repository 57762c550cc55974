/* test_taesd_decoder.c — TAESD as the final decoder and as the preview decoder, through the public
 * API on the tiny SD 1.5 model. A TAESD with the tiny VAE's factor 2 (two decoder levels of 8
 * channels, random weights) is written here as a diffusers AutoencoderTiny folder, so the test
 * needs nothing outside tests/data. Checked:
 *   - generate with .decoders->decoder = TAESD: the image equals a TAESD probe of the run's final latents
 *     (the decoder is wired with the latents unscaled, as diffusers' AutoencoderTiny takes them);
 *   - .decoders->preview_decoder = TAESD: previews are full-size RGB, and the last one equals the final
 *     image decoded by the same TAESD;
 *   - a decoder that is not a TAESD is refused. (TAESD's numbers against diffusers:
 *     test_probe_taesd.) */
#include <sys/stat.h>
#include <unistd.h>

#include "gpu_test.h"

enum { CH = 8 };

typedef struct tensor_spec {
    char name[128];
    int64_t shape[4];
    int ndim;
} tensor_spec;

static int add_conv(tensor_spec *t, int n, const char *name, int cout, int cin, int k, int bias) {
    snprintf(t[n].name, sizeof t[n].name, "%s.weight", name);
    t[n].ndim = 4, t[n].shape[0] = cout, t[n].shape[1] = cin, t[n].shape[2] = k, t[n].shape[3] = k;
    n++;
    if (bias) {
        snprintf(t[n].name, sizeof t[n].name, "%s.bias", name);
        t[n].ndim = 1, t[n].shape[0] = cout;
        n++;
    }
    return n;
}

static int add_block(tensor_spec *t, int n, const char *p) {
    char q[48];
    for (int i = 0; i < 3; i++) {
        snprintf(q, sizeof q, "%s.conv.%d", p, 2 * i);
        n = add_conv(t, n, q, CH, CH, 3, 1);
    }
    return n;
}

/* decoder: 0 conv 4->8 + ReLU(1), 2 block, 3 upsample, 4 conv (no bias), 5 block, 6 conv 8->3 */
static void write_taesd(const char *dir) {
    tensor_spec t[32];
    int n = 0;
    n = add_conv(t, n, "decoder.layers.0", CH, 4, 3, 1);
    n = add_block(t, n, "decoder.layers.2");
    n = add_conv(t, n, "decoder.layers.4", CH, CH, 3, 0);
    n = add_block(t, n, "decoder.layers.5");
    n = add_conv(t, n, "decoder.layers.6", 3, CH, 3, 1);
    char header[8192] = "{", path[4200];
    uint64_t offset = 0;
    for (int i = 0; i < n; i++) {
        uint64_t count = 1;
        char shape[64] = "";
        for (int d = 0; d < t[i].ndim; d++) {
            count *= (uint64_t)t[i].shape[d];
            snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%lld", d ? "," : "", (long long)t[i].shape[d]);
        }
        snprintf(header + strlen(header), sizeof header - strlen(header),
                 "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%s],\"data_offsets\":[%llu,%llu]}", i ? "," : "", t[i].name, shape,
                 (unsigned long long)offset, (unsigned long long)(offset + count * 4));
        offset += count * 4;
    }
    strcat(header, "}");
    while (strlen(header) % 8) strcat(header, " ");
    snprintf(path, sizeof path, "%s/diffusion_pytorch_model.safetensors", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    uint64_t hl = strlen(header);
    fwrite(&hl, 8, 1, f);
    fwrite(header, 1, hl, f);
    float *data = malloc(offset);
    test_fill_random(data, offset / 4, 42, -0.2f, 0.2f);
    fwrite(data, 1, offset, f);
    free(data);
    fclose(f);
    snprintf(path, sizeof path, "%s/config.json", dir);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "{\"_class_name\": \"AutoencoderTiny\", \"block_out_channels\": [%d, %d], \"num_decoder_blocks\": [1, 1],"
               " \"num_encoder_blocks\": [1, 1], \"latent_channels\": 4, \"act_fn\": \"relu\"}\n", CH, CH);
    fclose(f);
}

typedef struct preview_seen {
    int calls, width, height;
    uint8_t *last; /* the last preview, RGB */
} preview_seen;

static void on_preview(const uint8_t *rgb, int width, int height, int step, int total, void *user) {
    preview_seen *s = user;
    (void)step, (void)total;
    s->calls++;
    s->width = width, s->height = height;
    free(s->last);
    s->last = malloc((size_t)width * height * 3);
    memcpy(s->last, rgb, (size_t)width * height * 3);
}

int main(void) {
    gpu_context *probe = gpu_test_context(); /* skips when there is no device */
    gpu_context_destroy(probe);
    char dir[] = "/tmp/pixeen-taesd-dec-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    write_taesd(dir);
    char model_path[4096], tok[4096];
    snprintf(model_path, sizeof model_path, "%s", test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"));
    snprintf(tok, sizeof tok, "%s", test_data_path("sd15-tiny/model/tokenizer"));
    pixeen_context *ctx = NULL;
    CHECK_OK(pixeen_context_create(NULL, &ctx));
    pixeen_model *sd = NULL, *taesd = NULL;
    CHECK_OK(pixeen_model_load(ctx, &(pixeen_model_desc){.path = model_path, .tokenizer_dir = tok}, &sd));
    CHECK_OK(pixeen_model_load(ctx, &(pixeen_model_desc){.path = dir}, &taesd));
    if (!sd || !taesd) return test_finish();
    preview_seen seen = {0};
    pixeen_decoders_desc dec = {.decoder = taesd, .preview_decoder = taesd};
    pixeen_generate_desc g = {.prompt = "a lighthouse", .width = 32, .height = 24, .steps = 3, .seed = 7,
                              .decoders = &dec, .preview = on_preview, .preview_user = &seen};
    pixeen_image *img = NULL;
    CHECK_OK(pixeen_generate(sd, &g, &img));
    uint8_t rgba[32 * 24 * 4];
    if (img) CHECK_OK(pixeen_image_read(img, 0, rgba, sizeof rgba));
    printf("previews: %d of %dx%d\n", seen.calls, seen.width, seen.height);
    CHECK(seen.calls == 3 && seen.width == 32 && seen.height == 24);
    int differ = 0, nonconstant = 0;
    for (int i = 0; seen.last && i < 32 * 24; i++)
        for (int c = 0; c < 3; c++) {
            differ += seen.last[i * 3 + c] != rgba[i * 4 + c];
            nonconstant += rgba[i * 4 + c] != rgba[c];
        }
    printf("last preview vs final image: %d values differ; %d differ from the first pixel\n", differ, nonconstant);
    CHECK(differ == 0);
    CHECK(nonconstant > 0);
    pixeen_image_destroy(img);
    /* the VAE-decoded image is another picture */
    g.decoders = NULL;
    g.preview = NULL;
    CHECK_OK(pixeen_generate(sd, &g, &img));
    uint8_t vae[32 * 24 * 4];
    if (img) CHECK_OK(pixeen_image_read(img, 0, vae, sizeof vae));
    CHECK(memcmp(vae, rgba, sizeof vae) != 0);
    pixeen_image_destroy(img);
    /* not a TAESD */
    dec = (pixeen_decoders_desc){.decoder = sd};
    g.decoders = &dec;
    img = NULL;
    CHECK_STATUS(pixeen_generate(sd, &g, &img), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK(img == NULL);
    free(seen.last);
    pixeen_model_destroy(taesd);
    pixeen_model_destroy(sd);
    pixeen_context_destroy(ctx);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    CHECK(gpu_validation_message_count() == 0);
    return test_finish();
}
