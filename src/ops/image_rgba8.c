/* image_rgba8.c — see image_rgba8.h and shaders/image_rgba8.comp. */
#include "ops/image_rgba8.h"

#include "ops/common.h"

void op_image_rgba8_record(gpu_recorder *rec, const tensor *image, gpu_buffer *out, uint64_t out_offset) {
    int64_t pixels = tensor_count(image) / 3;
    if (image->rank != 4 || image->shape[3] != 3 || out_offset + (uint64_t)pixels * 4 > gpu_buffer_size(out)) {
        op_fail(rec,
                error_set(PIXEEN_ERROR_INTERNAL, "ops: image_rgba8: expected [B, H, W, 3] and room for the pixels"));
        return;
    }
    gpu_pipeline_desc desc = {
        .shader = OP_SHADER(IMAGE_RGBA8, image->dtype), .binding_count = 2, .push_size = 4};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    uint32_t push = (uint32_t)pixels;
    gpu_binding b[2] = {op_bind(image, false), {out, out_offset, (uint64_t)pixels * 4, true}};
    op_dispatch_groups(rec, pipeline, b, 2, &push, sizeof push, op_groups_of_256(push), "image_rgba8");
}
