/* tile_ops.c — see tile_ops.h. */
#include "ops/bind.h"
#include "ops/common.h"
#include "ops/tile_ops.h"

static uint64_t groups_of_256(uint64_t invocations) { return (invocations + 255) / 256; }

/* Binds `count` elements of `es` bytes from byte `offset` of `buffer` (rounded down to the
 * device's alignment); returns the binding and the element index of the first one in it. The
 * size is rounded up to whole 32-bit words where the buffer has room (fp16 tiles). */
static gpu_binding bind_elements(gpu_recorder *rec, gpu_buffer *buffer, uint64_t offset, uint64_t count, uint32_t es,
                                 bool write, uint32_t *first) {
    uint64_t skip, bytes = (count * es + 3) / 4 * 4;
    gpu_binding b = bind_range(gpu_recorder_context(rec), BIND_STORAGE, es, buffer, offset, bytes, write, &skip);
    *first = (uint32_t)(skip / es);
    return b;
}

static bool shape4(const tensor *t) { return t->rank == 4 && t->shape[0] > 0 && t->shape[1] > 0 && t->shape[2] > 0 && t->shape[3] > 0; }

void op_tile_crop_record(gpu_recorder *rec, const tensor *in, int64_t y0, int64_t x0, float scale, const tensor *out) {
    if (!shape4(in) || !shape4(out) || in->dtype != DTYPE_F32 || in->shape[0] != out->shape[0] ||
        in->shape[3] != out->shape[3] || y0 < 0 || x0 < 0 || y0 + out->shape[1] > in->shape[1] ||
        x0 + out->shape[2] > in->shape[2]) {
        char is[80], os[80];
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: tile_crop: a %s tile at (%lld, %lld) of %s %s (expected an f32 input holding it)",
                               op_shape_text(out, os, sizeof os), (long long)y0, (long long)x0,
                               op_shape_text(in, is, sizeof is), in->dtype == DTYPE_F32 ? "f32" : "not f32"));
        return;
    }
    char name[64];
    gpu_pipeline_desc desc = {.shader = shader_name(name, sizeof name, "tile_crop", out->dtype), .binding_count = 2, .push_size = 24};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    const int64_t B = in->shape[0], H = in->shape[1], W = in->shape[2], C = in->shape[3];
    const int64_t th = out->shape[1], tw = out->shape[2], n = th * tw * C;
    const uint32_t es = dtype_size(out->dtype);
    for (int64_t b = 0; b < B; b++) {
        struct {
            uint32_t n, row, src_row, src_first, dst_first;
            float scale;
        } push = {(uint32_t)n, (uint32_t)(tw * C), (uint32_t)(W * C), 0, 0, scale};
        uint64_t first = (uint64_t)(((b * H + y0) * W + x0) * C);
        gpu_binding bind[2] = {
            bind_elements(rec, in->buffer, in->offset + first * 4, (uint64_t)(((th - 1) * W + tw) * C), 4, false, &push.src_first),
            bind_elements(rec, out->buffer, out->offset + (uint64_t)(b * n) * es, (uint64_t)n, es, true, &push.dst_first)};
        op_dispatch_groups(rec, pipeline, bind, 2, &push, sizeof push, groups_of_256((uint64_t)n), "tile_crop");
    }
}

void op_tile_crop_reference(const float *in, int64_t B, int64_t H, int64_t W, int64_t C, int64_t y0, int64_t x0,
                            int64_t th, int64_t tw, float scale, float *out) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t v = 0; v < th; v++)
            for (int64_t u = 0; u < tw; u++)
                for (int64_t c = 0; c < C; c++)
                    out[((b * th + v) * tw + u) * C + c] = scale * in[((b * H + y0 + v) * W + x0 + u) * C + c];
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
                               op_shape_text(tile, ts, sizeof ts), (long long)y0, (long long)x0, op_shape_text(out, os, sizeof os),
                               out->dtype == DTYPE_F32 ? "f32" : "not f32", wy, wx, (long long)tensor_count(weights)));
        return;
    }
    char name[64];
    gpu_pipeline_desc desc = {.shader = shader_name(name, sizeof name, "tile_blend", tile->dtype), .binding_count = 3, .push_size = 32};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    const int64_t B = out->shape[0], H = out->shape[1], W = out->shape[2], C = out->shape[3];
    const int64_t th = tile->shape[1], tw = tile->shape[2], n = th * tw * C;
    const uint32_t es = dtype_size(tile->dtype);
    for (int64_t b = 0; b < B; b++) {
        struct {
            uint32_t n, row, C, dst_row, dst_first, tile_first, wy, wx;
        } push = {(uint32_t)n, (uint32_t)(tw * C), (uint32_t)C, (uint32_t)(W * C), 0, 0, wy, wx};
        uint64_t first = (uint64_t)(((b * H + y0) * W + x0) * C);
        gpu_binding bind[3] = {
            bind_elements(rec, tile->buffer, tile->offset + (uint64_t)(b * n) * es, (uint64_t)n, es, false, &push.tile_first),
            op_bind(weights, false),
            bind_elements(rec, out->buffer, out->offset + first * 4, (uint64_t)(((th - 1) * W + tw) * C), 4, true, &push.dst_first)};
        op_dispatch_groups(rec, pipeline, bind, 3, &push, sizeof push, groups_of_256((uint64_t)n), "tile_blend");
    }
}

void op_tile_blend_reference(const float *tile, int64_t B, int64_t th, int64_t tw, int64_t C, const float *wy,
                             const float *wx, int64_t H, int64_t W, int64_t y0, int64_t x0, float *out) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t v = 0; v < th; v++)
            for (int64_t u = 0; u < tw; u++)
                for (int64_t c = 0; c < C; c++)
                    out[((b * H + y0 + v) * W + x0 + u) * C + c] += wy[v] * wx[u] * tile[((b * th + v) * tw + u) * C + c];
}

