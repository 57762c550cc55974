/* tile_blend.c — see tile_blend.h and shaders/tile_blend.comp. */
#include "ops/tile_blend.h"

#include "ops/bind.h"
#include "ops/common.h"

static bool shape4(const tensor *t) {
    return t->rank == 4 && t->shape[0] > 0 && t->shape[1] > 0 && t->shape[2] > 0 && t->shape[3] > 0;
}

void op_tile_blend_record(gpu_recorder *rec, const tensor *tile, const tensor *weights, uint32_t wy, uint32_t wx,
                          int64_t y0, int64_t x0, const tensor *out) {
    if (!shape4(tile) || !shape4(out) || out->dtype != DTYPE_F32 || weights->dtype != DTYPE_F32 ||
        tile->shape[0] != out->shape[0] || tile->shape[3] != out->shape[3] || y0 < 0 || x0 < 0 ||
        y0 + tile->shape[1] > out->shape[1] || x0 + tile->shape[2] > out->shape[2] ||
        (int64_t)wy + tile->shape[1] > tensor_count(weights) || (int64_t)wx + tile->shape[2] > tensor_count(weights)) {
        char ts[80], os[80];
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: tile_blend: a %s tile at (%lld, %lld) into %s %s, weights from %u and %u of %lld "
                               "(expected an f32 output holding the tile and f32 weights for its rows and columns)",
                               op_shape_text(tile, ts, sizeof ts), (long long)y0, (long long)x0,
                               op_shape_text(out, os, sizeof os), out->dtype == DTYPE_F32 ? "f32" : "not f32", wy, wx,
                               (long long)tensor_count(weights)));
        return;
    }
    gpu_pipeline_desc desc = {.shader = OP_SHADER(TILE_BLEND, tile->dtype), .binding_count = 3, .push_size = 32};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    const gpu_context *ctx = gpu_recorder_context(rec);
    const int64_t B = out->shape[0], H = out->shape[1], W = out->shape[2], C = out->shape[3];
    const int64_t th = tile->shape[1], tw = tile->shape[2], n = th * tw * C;
    const uint32_t es = dtype_size(tile->dtype);
    for (int64_t b = 0; b < B; b++) {
        struct {
            uint32_t n, row, C, dst_row, dst_first, tile_first, wy, wx;
        } push = {(uint32_t)n, (uint32_t)(tw * C), (uint32_t)C, (uint32_t)(W * C), 0, 0, wy, wx};
        uint64_t first = (uint64_t)(((b * H + y0) * W + x0) * C);
        gpu_binding bind[3] = {bind_elements(ctx, tile->buffer, tile->offset + (uint64_t)(b * n) * es, (uint64_t)n, es,
                                             false, &push.tile_first),
                               op_bind(weights, false),
                               bind_elements(ctx, out->buffer, out->offset + first * 4,
                                             (uint64_t)(((th - 1) * W + tw) * C), 4, true, &push.dst_first)};
        op_dispatch_groups(rec, pipeline, bind, 3, &push, sizeof push, op_groups_of_256((uint64_t)n), "tile_blend");
    }
}
