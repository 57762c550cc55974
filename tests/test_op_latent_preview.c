/* test_op_latent_preview.c — the latent preview kernel (shaders/latent_preview.comp) against its plain-C
 * reference: random latents for image 0 of a batch of 2, a pixel count that is not a multiple of
 * 4 (the packed tail), every byte within 1 (GPU rounding of exact halves may differ). */
#include "gpu_test.h"
#include "ops/latent_preview.h"
#include "ops/reference_latent_preview.h"
#include "pipeline/family.h"

int main(void) {
    gpu_context *ctx = gpu_test_context();
    const int64_t B = 2, h = 5, w = 7, C = 4; /* 35 pixels: 8 full groups of 4 and a tail of 3 */
    const int64_t n = B * h * w * C;
    float *host = malloc((size_t)n * sizeof *host);
    test_fill_random(host, (size_t)n, 7, -3.0f, 3.0f);
    tensor lat = gpu_test_tensor(ctx, DTYPE_F32, host, n);
    lat.rank = 4;
    lat.shape[0] = B;
    lat.shape[1] = h;
    lat.shape[2] = w;
    lat.shape[3] = C;
    uint64_t pixels = (uint64_t)(h * w);
    gpu_buffer *out = NULL;
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_HOST, op_latent_preview_bytes(pixels), "preview", &out));
    CHECK(op_latent_preview_bytes(pixels) == 108); /* 9 groups of 12 bytes */
    uint8_t *mapped = gpu_buffer_map(out);
    memset(mapped, 0xAA, op_latent_preview_bytes(pixels));
    gpu_recorder *rec = NULL;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    /* SDXL's factors: every weight and the bias differ from zero */
    const family_desc *xl = family_get(MODEL_FAMILY_SDXL);
    op_preview_factors factors;
    memcpy(factors.f, xl->preview_factors, sizeof factors.f);
    memcpy(factors.bias, xl->preview_bias, sizeof factors.bias);
    gpu_recorder_begin(rec);
    op_latent_preview_record(rec, &lat, &factors, out);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    uint8_t expected[35 * 3];
    ref_latent_preview(host, pixels, &factors, expected);
    int worst = 0, clipped = 0;
    for (uint64_t i = 0; i < pixels * 3; i++) {
        int d = abs((int)mapped[i] - (int)expected[i]);
        worst = d > worst ? d : worst;
        clipped += expected[i] == 0 || expected[i] == 255;
    }
    printf("largest difference %d; %d of %d values clipped\n", worst, clipped, (int)(pixels * 3));
    CHECK(worst <= 1);
    CHECK(clipped < (int)(pixels * 3)); /* the inputs exercise the unclipped range too */
    for (uint64_t i = pixels * 3; i < op_latent_preview_bytes(pixels); i++) CHECK(mapped[i] == 0); /* the tail */

    /* wrong shapes fail the recording, not the GPU */
    tensor bad = lat;
    bad.shape[3] = 3;
    gpu_recorder_begin(rec);
    op_latent_preview_record(rec, &bad, &factors, out);
    CHECK_STATUS(gpu_recorder_end(rec), PIXEEN_ERROR_INTERNAL);

    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(out);
    gpu_buffer_destroy(lat.buffer);
    free(host);
    return gpu_test_finish(ctx);
}
