/* tile_crop.c — see tile_crop.h and shaders/tile_crop.comp. */
#include "ops/tile_crop.h"

#include "ops/bind.h"
#include "ops/common.h"

static bool shape4(const tensor *t) {
    return t->rank == 4 && t->shape[0] > 0 && t->shape[1] > 0 && t->shape[2] > 0 && t->shape[3] > 0;
}

void op_tile_crop_record(gpu_recorder *rec, const tensor *in, int64_t y0, int64_t x0, float scale, const tensor *out) {
    if (!shape4(in) || !shape4(out) || in->dtype != DTYPE_F32 || in->shape[0] != out->shape[0] ||
        in->shape[3] != out->shape[3] || y0 < 0 || x0 < 0 || y0 + out->shape[1] > in->shape[1] ||
        x0 + out->shape[2] > in->shape[2]) {
        char is[80], os[80];
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: tile_crop: a %s tile at (%lld, %lld) of %s %s (expected an f32 input holding it)",
                               op_shape_text(out, os, sizeof os), (long long)y0, (long long)x0,
                               op_shape_text(in, is, sizeof is), in->dtype == DTYPE_F32 ? "f32" : "not f32"));
        return;
    }
    gpu_pipeline_desc desc = {.shader = OP_SHADER(TILE_CROP, out->dtype), .binding_count = 2, .push_size = 24};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    const gpu_context *ctx = gpu_recorder_context(rec);
    const int64_t B = in->shape[0], H = in->shape[1], W = in->shape[2], C = in->shape[3];
    const int64_t th = out->shape[1], tw = out->shape[2], n = th * tw * C;
    const uint32_t es = dtype_size(out->dtype);
    for (int64_t b = 0; b < B; b++) {
        struct {
            uint32_t n, row, src_row, src_first, dst_first;
            float scale;
        } push = {(uint32_t)n, (uint32_t)(tw * C), (uint32_t)(W * C), 0, 0, scale};
        uint64_t first = (uint64_t)(((b * H + y0) * W + x0) * C);
        gpu_binding bind[2] = {bind_elements(ctx, in->buffer, in->offset + first * 4,
                                             (uint64_t)(((th - 1) * W + tw) * C), 4, false, &push.src_first),
                               bind_elements(ctx, out->buffer, out->offset + (uint64_t)(b * n) * es, (uint64_t)n, es,
                                             true, &push.dst_first)};
        op_dispatch_groups(rec, pipeline, bind, 2, &push, sizeof push, op_groups_of_256((uint64_t)n), "tile_crop");
    }
}
