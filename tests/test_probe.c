/* test_probe.c — pixeen_probe through the public API: fixture inputs written as .npy, each network
 * run, the .npy output compared with the upstream reference (fp32, tolerance 1e-3 relative as in
 * test_models_parity), plus malformed inputs rejected with clear errors; SDXL's second text
 * encoder's projected pooled output and its UNet with the added inputs (text_embeds, time_ids). */
#include <unistd.h>

#include "core/npy.h"
#include "gpu_test.h"

static const char *family = "sd15-tiny"; /* whose ref/ read_ref reads */

static float *read_ref(const char *name, size_t count) {
    char rel[256];
    snprintf(rel, sizeof rel, "%s/ref/%s.bin", family, name);
    FILE *f = fopen(test_data_path(rel), "rb");
    float *data = malloc(count * 4);
    if (!f || fread(data, 4, count, f) != count) exit(1);
    fclose(f);
    return data;
}

static void ref_to_npy(const char *name, npy_dtype dtype, int ndim, const uint64_t *shape, const char *path) {
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    float *data = read_ref(name, n);
    CHECK_OK(npy_write(path, dtype, ndim, shape, data));
    free(data);
}

static void compare(const char *path, const char *ref_name, size_t n, const char *what) {
    npy_header h;
    float *got = NULL;
    CHECK_OK(npy_read(path, &h, (void **)&got));
    float *ref = read_ref(ref_name, n);
    double worst = 0, scale = 0;
    for (size_t i = 0; got && i < n && h.count == n; i++) {
        double d = fabs((double)got[i] - ref[i]);
        if (d > worst || isnan(got[i])) worst = isnan(got[i]) ? INFINITY : d;
        if (fabs(ref[i]) > scale) scale = fabs(ref[i]);
    }
    CHECK(h.count == n);
    printf("probe %s: max rel %.3g\n", what, worst / scale);
    CHECK(worst / scale < 1e-3);
    free(got);
    free(ref);
}

int main(void) {
    gpu_context *probe_ctx = gpu_test_context(); /* skips when there is no device */
    gpu_context_destroy(probe_ctx);
    char dir[] = "/tmp/pixeen-probe-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char model_path[4096], tok[4096], a[4200], b[4200], c[4200], out[4200];
    snprintf(model_path, sizeof model_path, "%s", test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"));
    snprintf(tok, sizeof tok, "%s", test_data_path("sd15-tiny/model/tokenizer"));
    pixeen_context *ctx = NULL;
    CHECK_OK(pixeen_context_create(&(pixeen_context_desc){0}, &ctx));
    pixeen_model *model = NULL;
    CHECK_OK(pixeen_model_load(ctx, &(pixeen_model_desc){.path = model_path, .tokenizer_dir = tok, .precision = PIXEEN_PRECISION_FP32},
                               &model));
    if (!model) return test_finish();
    snprintf(out, sizeof out, "%s/out.npy", dir);

    /* text encoder: ids (int32) */
    snprintf(a, sizeof a, "%s/ids.npy", dir);
    {
        int32_t ids[3 * 77];
        FILE *f = fopen(test_data_path("sd15-tiny/ref/text_encoder_input_ids.bin"), "rb");
        CHECK(f && fread(ids, 4, 3 * 77, f) == 3 * 77);
        if (f) fclose(f);
        CHECK_OK(npy_write(a, NPY_DTYPE_I32, 2, (const uint64_t[]){3, 77}, ids));
    }
    CHECK_OK(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_TEXT_ENCODER, .inputs = {a}, .output = out}));
    compare(out, "text_encoder_last_hidden_state", 3 * 77 * 32, "text encoder");

    /* UNet, batch 2 */
    snprintf(a, sizeof a, "%s/x.npy", dir);
    snprintf(b, sizeof b, "%s/t.npy", dir);
    snprintf(c, sizeof c, "%s/ctx.npy", dir);
    ref_to_npy("unet_32_b2_t250_x", NPY_DTYPE_F32, 4, (const uint64_t[]){2, 4, 32, 32}, a);
    ref_to_npy("unet_32_b2_t250_t", NPY_DTYPE_F32, 1, (const uint64_t[]){1}, b);
    ref_to_npy("unet_32_b2_t250_ctx", NPY_DTYPE_F32, 3, (const uint64_t[]){2, 77, 32}, c);
    CHECK_OK(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_UNET, .inputs = {a, b, c}, .output = out}));
    compare(out, "unet_32_b2_t250_out", 2 * 4 * 32 * 32, "unet");

    /* VAE decoder */
    ref_to_npy("vae_decode_32_z", NPY_DTYPE_F32, 4, (const uint64_t[]){1, 4, 32, 32}, a);
    CHECK_OK(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_VAE_DECODER, .inputs = {a}, .output = out}));
    compare(out, "vae_decode_32_out", 3 * 64 * 64, "vae decoder");

    /* misuse: wrong channel count, missing file, truncated file, wrong dtype for ids */
    CHECK_STATUS(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_VAE_DECODER, .inputs = {c}, .output = out}),
                 PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_VAE_DECODER, .inputs = {"/nonexistent.npy"},
                                                          .output = out}),
                 PIXEEN_ERROR_IO);
    CHECK_STATUS(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_TEXT_ENCODER, .inputs = {c}, .output = out}),
                 PIXEEN_ERROR_FORMAT);
    FILE *f = fopen(a, "r+b");
    if (f) {
        CHECK(ftruncate(fileno(f), 100) == 0);
        fclose(f);
    }
    CHECK_STATUS(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_VAE_DECODER, .inputs = {a}, .output = out}),
                 PIXEEN_ERROR_FORMAT);
    printf("error for a truncated input: %s\n", pixeen_context_last_error(ctx));

    pixeen_model_destroy(model);

    /* SDXL: the second text encoder's text_embeds, the UNet with its added inputs */
    family = "sdxl-tiny";
    char tok2[4096], d4[4200], d5[4200];
    snprintf(model_path, sizeof model_path, "%s", test_data_path("sdxl-tiny/sdxl-tiny.fp16.safetensors"));
    snprintf(tok, sizeof tok, "%s", test_data_path("sdxl-tiny/model/tokenizer"));
    snprintf(tok2, sizeof tok2, "%s", test_data_path("sdxl-tiny/model/tokenizer_2"));
    model = NULL;
    CHECK_OK(pixeen_model_load(ctx, &(pixeen_model_desc){.path = model_path, .tokenizer_dir = tok, .tokenizer_2_dir = tok2,
                                                         .precision = PIXEEN_PRECISION_FP32},
                               &model));
    if (model) {
        snprintf(a, sizeof a, "%s/ids2.npy", dir);
        int32_t ids[3 * 77];
        FILE *idf = fopen(test_data_path("sdxl-tiny/ref/text_encoder_2_input_ids.bin"), "rb");
        CHECK(idf && fread(ids, 4, 3 * 77, idf) == 3 * 77);
        if (idf) fclose(idf);
        CHECK_OK(npy_write(a, NPY_DTYPE_I32, 2, (const uint64_t[]){3, 77}, ids));
        CHECK_OK(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_TEXT_ENCODER_2, .inputs = {a},
                                                          .output = out, .pooled = 1}));
        compare(out, "text_encoder_2_text_embeds", 3 * 32, "sdxl text_encoder_2 text_embeds");
        CHECK_OK(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_TEXT_ENCODER_2, .inputs = {a},
                                                          .output = out}));
        compare(out, "text_encoder_2_last_hidden_state", 3 * 77 * 32, "sdxl text_encoder_2");
        unlink(a);
        snprintf(a, sizeof a, "%s/x.npy", dir);
        snprintf(d4, sizeof d4, "%s/text.npy", dir);
        snprintf(d5, sizeof d5, "%s/time.npy", dir);
        ref_to_npy("unet_32_b1_t500_x", NPY_DTYPE_F32, 4, (const uint64_t[]){1, 4, 32, 32}, a);
        ref_to_npy("unet_32_b1_t500_t", NPY_DTYPE_F32, 1, (const uint64_t[]){1}, b);
        ref_to_npy("unet_32_b1_t500_ctx", NPY_DTYPE_F32, 3, (const uint64_t[]){1, 77, 64}, c);
        ref_to_npy("unet_32_b1_t500_text_embeds", NPY_DTYPE_F32, 2, (const uint64_t[]){1, 32}, d4);
        ref_to_npy("unet_32_b1_t500_time_ids", NPY_DTYPE_F32, 2, (const uint64_t[]){1, 6}, d5);
        CHECK_OK(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_UNET, .inputs = {a, b, c},
                                                          .text_embeds = d4, .time_ids = d5, .output = out}));
        compare(out, "unet_32_b1_t500_out", 4 * 32 * 32, "sdxl unet with added inputs");
        CHECK_STATUS(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_UNET, .inputs = {a, b, c},
                                                              .output = out}),
                     PIXEEN_ERROR_INVALID_ARGUMENT);
        CHECK(strstr(pixeen_context_last_error(ctx), "text_embeds") != NULL);
        unlink(d4);
        unlink(d5);
    }
    pixeen_model_destroy(model);
    pixeen_context_destroy(ctx);
    unlink(a);
    unlink(b);
    unlink(c);
    unlink(out);
    rmdir(dir);
    CHECK(gpu_validation_message_count() == 0);
    return test_finish();
}
