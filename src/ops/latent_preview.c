/* latent_preview.c — see latent_preview.h. */
#include "ops/common.h"
#include "ops/latent_preview.h"

uint64_t op_latent_preview_bytes(uint64_t pixels) { return (pixels + 3) / 4 * 12; }

void op_latent_preview_record(gpu_recorder *rec, const tensor *latents, const op_preview_factors *factors,
                              gpu_buffer *out) {
    if (latents->dtype != DTYPE_F32 || latents->rank != 4 || latents->shape[3] != 4) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: latent_preview: expected fp32 latents [B, h, w, 4]"));
        return;
    }
    uint64_t pixels = (uint64_t)(latents->shape[1] * latents->shape[2]);
    if (gpu_buffer_size(out) < op_latent_preview_bytes(pixels)) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: latent_preview: output buffer too small"));
        return;
    }
    /* push: F column by column (channel c's RGB at 3c), bias, pixels: 16 words */
    struct {
        float f[12], bias[3];
        uint32_t pixels;
    } push;
    for (int c = 0; c < 4; c++)
        for (int k = 0; k < 3; k++) push.f[3 * c + k] = factors->f[c][k];
    for (int k = 0; k < 3; k++) push.bias[k] = factors->bias[k];
    push.pixels = (uint32_t)pixels;
    gpu_pipeline_desc desc = {.shader = op_shader_name(SHADER_LATENT_PREVIEW), .binding_count = 2, .push_size = sizeof push};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    gpu_binding b[2] = {{latents->buffer, latents->offset, pixels * 16, false}, {out, 0, 0, true}};
    uint32_t gx, gy;
    gpu_groups_2d(gpu_recorder_context(rec), (pixels + 255) / 256, &gx, &gy); /* 64 invocations x 4 pixels */
    gpu_record_dispatch(rec, pipeline, b, 2, &push, sizeof push, gx, gy, 1, "latent_preview");
}

