/* permute.c — see permute.h and shaders/permute.comp. */
#include "ops/permute.h"

#include "ops/bind.h"
#include "ops/common.h"

/* A row of the output's last dim an invocation, four elements a store (shaders/permute_vec4.comp):
 * texel fetches in, RGBA image stores out, where permute.comp loads and stores an SSBO element an
 * invocation (a loop over the lanes each on lavapipe). `pixeen bench --filter permute`, fp16,
 * 2026-12-07: CLIP's head split (b2 t77 12x64) 1.0 -> 0.18 ms on Mesa 22, 0.92 -> 0.22 ms on Mesa
 * 25; the UNet's at 16x16 (b2 t256 8x80) 0.40 and 0.50 ms, its transposed values 0.43 and 0.53 ms
 * (one quad an invocation: 0.82-0.97 ms). In Mesa 25's 256 px UNet step, whose attention below
 * 1024 query rows takes explicit products (88 permutes), permutes went from 108-145 to 40-44 ms.
 * Needs the output's last dim a multiple of 4, the output on a whole texel and both tensors within
 * the device's texel buffer limit; false (nothing recorded) otherwise. */
static bool record_quads(gpu_recorder *rec, const tensor *in, const int perm[4], const int64_t in_stride[4],
                         float scale, const tensor *out) {
    gpu_context *ctx = gpu_recorder_context(rec);
    const gpu_caps *caps = gpu_context_caps(ctx);
    uint64_t es = dtype_size(in->dtype), count = (uint64_t)tensor_count(out);
    if (out->shape[3] % 4 || out->offset % (4 * es) || in->offset % es || count > caps->max_texel_buffer_elements)
        return false;
    /* ROWS: the output's last dim is the input's and every other stride whole texels */
    bool rows = in_stride[perm[3]] == 1 && in->offset % (4 * es) == 0;
    for (int i = 0; i < 3 && rows; i++) rows = in_stride[perm[i]] % 4 == 0;
    uint64_t unit = rows ? 4 * es : es, in_skip, out_skip;
    gpu_binding b[2] = {
        bind_range(ctx, BIND_TEXEL, unit, in->buffer, in->offset, count * es, false, &in_skip),
        bind_range(ctx, BIND_TEXEL, 4 * es, out->buffer, out->offset, count * es, true, &out_skip),
    };
    gpu_pipeline_desc desc = {
        .shader = rows ? OP_SHADER(PERMUTE_VEC4_ROWS, in->dtype) : OP_SHADER(PERMUTE_VEC4, in->dtype),
        .binding_count = 2,
        .bindings = {op_texel_kind(in->dtype, rows ? 4 : 1), op_image4_kind(out->dtype)},
        .push_size = 44,
    };
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return true;
    uint32_t div = rows ? 4 : 1;
    struct {
        uint32_t rows, shape1, shape2, quads3, stride0, stride1, stride2, stride3, in_off, out_off;
        float scale;
    } push = {(uint32_t)(count / (uint64_t)out->shape[3]),
              (uint32_t)out->shape[1],
              (uint32_t)out->shape[2],
              (uint32_t)(out->shape[3] / 4),
              (uint32_t)(in_stride[perm[0]] / div),
              (uint32_t)(in_stride[perm[1]] / div),
              (uint32_t)(in_stride[perm[2]] / div),
              (uint32_t)in_stride[perm[3]],
              (uint32_t)(in_skip / unit),
              (uint32_t)(out_skip / (4 * es)),
              scale};
    op_dispatch_groups(rec, pipeline, b, 2, &push, sizeof push, ((uint64_t)push.rows + 63) / 64, "permute");
    return true;
}

void op_permute_record(gpu_recorder *rec, const tensor *in, const int perm[4], float scale, const tensor *out) {
    bool ok = in->rank == 4 && out->rank == 4 && in->dtype == out->dtype;
    for (int i = 0; ok && i < 4; i++) ok = perm[i] >= 0 && perm[i] < 4 && out->shape[i] == in->shape[perm[i]];
    if (!ok) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: permute: output shape is not the permuted input shape"));
        return;
    }
    if (!op_fits_binding(rec, in, "permute") || !op_fits_binding(rec, out, "permute")) return;
    int64_t in_stride[4];
    in_stride[3] = 1;
    for (int i = 2; i >= 0; i--) in_stride[i] = in_stride[i + 1] * in->shape[i + 1];
    if (record_quads(rec, in, perm, in_stride, scale, out)) return;
    gpu_pipeline_desc desc = {
        .shader = OP_SHADER(PERMUTE, in->dtype),
        .binding_count = 2,
        .push_size = 36,
    };
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, shape1, shape2, shape3, stride0, stride1, stride2, stride3;
        float scale;
    } push = {(uint32_t)tensor_count(out),  (uint32_t)out->shape[1],      (uint32_t)out->shape[2],
              (uint32_t)out->shape[3],      (uint32_t)in_stride[perm[0]], (uint32_t)in_stride[perm[1]],
              (uint32_t)in_stride[perm[2]], (uint32_t)in_stride[perm[3]], scale};
    gpu_binding bindings[2] = {op_bind(in, false), op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, bindings, 2, &push, sizeof push, ((uint64_t)push.n + 255) / 256, "permute");
}
