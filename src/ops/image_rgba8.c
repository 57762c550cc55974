/* image_rgba8.c — see image_rgba8.h and shaders/image_rgba8.comp. Images over one storage binding
 * (a tiled decode's fp32 image can exceed maxStorageBufferRange) are converted in windows. */
#include "ops/image_rgba8.h"

#include "ops/bind.h"
#include "ops/common.h"
#include "ops/window.h"

void op_image_rgba8_record(gpu_recorder *rec, const tensor *image, gpu_buffer *out, uint64_t out_offset) {
    int64_t pixels = tensor_count(image) / 3;
    if (image->rank != 4 || image->shape[3] != 3 || out_offset + (uint64_t)pixels * 4 > gpu_buffer_size(out)) {
        op_fail(rec,
                error_set(PIXEEN_ERROR_INTERNAL, "ops: image_rgba8: expected [B, H, W, 3] and room for the pixels"));
        return;
    }
    gpu_pipeline_desc desc = {
        .shader = OP_SHADER(IMAGE_RGBA8, image->dtype), .binding_count = 2, .push_size = 8};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    /* Windows within the storage range, each a whole number of 256-byte output blocks so every
     * output binding stays aligned; the input binding starts at an aligned offset at or before the
     * window's first pixel, which the shader skips (push.first). */
    gpu_context *ctx = gpu_recorder_context(rec);
    const uint32_t es = dtype_size(image->dtype);
    uint64_t per = window_elements_for(ctx, 3 * es) / 64 * 64;
    for (uint64_t first = 0; first < (uint64_t)pixels; first += per) {
        uint64_t count = (uint64_t)pixels - first < per ? (uint64_t)pixels - first : per, skip;
        gpu_binding b[2] = {bind_range(ctx, BIND_STORAGE, es, image->buffer, image->offset + first * 3 * es,
                                       count * 3 * es, false, &skip),
                            {out, out_offset + first * 4, count * 4, true}};
        struct {
            uint32_t pixels, first;
        } push = {(uint32_t)count, (uint32_t)(skip / es)};
        op_dispatch_groups(rec, pipeline, b, 2, &push, sizeof push, op_groups_of_256(push.pixels), "image_rgba8");
    }
}
