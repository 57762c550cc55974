/* activation.c — SiLU, GELU (tanh and erf), quick-GELU and GEGLU: shape checks, windows, dispatch
 * (see activation.h, shaders/activation*.comp). */
#include "ops/activation.h"

#include <stdlib.h>

#include "ops/bind.h"
#include "ops/common.h"
#include "ops/window.h"

static const char *const act_labels[] = {"silu", "gelu_tanh", "gelu_erf", "quick_gelu"};

void op_activation_record(gpu_recorder *rec, op_activation_kind kind, const tensor *x, const tensor *out) {
    gpu_context *ctx = gpu_recorder_context(rec);
    int64_t n = tensor_count(x);
    if ((unsigned)kind > OP_ACT_QUICK_GELU || n <= 0 || tensor_count(out) != n || out->dtype != x->dtype) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: activation %d: x has %lld elements, out %lld (expected equal, same dtype)",
                               (int)kind, (long long)n, (long long)tensor_count(out)));
        return;
    }
    uint32_t es = dtype_size(x->dtype);
    /* Four elements per invocation where counts and offsets allow (see activation_vec4.comp). */
    bool vec4 = n % 4 == 0 && x->offset % (4 * es) == 0 && out->offset % (4 * es) == 0 && !gpu_context_tuning(gpu_recorder_context(rec))->no_vec4;
    uint32_t unit = vec4 ? 4 * es : es, per = vec4 ? 4 : 1;
    gpu_pipeline_desc desc = {.shader = vec4 ? OP_SHADER(ACTIVATION_VEC4, x->dtype) : OP_SHADER(ACTIVATION, x->dtype),
                              .binding_count = 2, .push_size = 12, .spec_count = 1, .spec = {(uint32_t)kind}};
    desc.bindings[0] = op_texel_kind(x->dtype, vec4 ? 4 : 1);
    desc.bindings[1] = GPU_BIND_STORAGE;
    gpu_pipeline *pipe = op_pipeline(rec, &desc);
    if (!pipe) return;
    uint64_t window = window_elements_for(ctx, es); /* a multiple of 256, so of 4 */
    for (uint64_t first = 0; first < (uint64_t)n; first += window) {
        uint64_t count = (uint64_t)n - first < window ? (uint64_t)n - first : window, xs, os;
        gpu_binding bind[2] = {
            bind_range(ctx, BIND_TEXEL, unit, x->buffer, x->offset + first * es, count * es, false, &xs),
            bind_range(ctx, BIND_STORAGE, unit, out->buffer, out->offset + first * es, count * es, true, &os),
        };
        uint64_t items = count / per;
        struct { uint32_t n, x_off, o_off; } push = {(uint32_t)items, (uint32_t)(xs / unit), (uint32_t)(os / unit)};
        uint32_t gx, gy;
        gpu_groups_2d(ctx, (items + 255) / 256, &gx, &gy);
        gpu_record_dispatch(rec, pipe, bind, 2, &push, sizeof push, gx, gy, 1, act_labels[kind]);
    }
}

void op_geglu_record(gpu_recorder *rec, op_activation_kind gelu, const tensor *x, const tensor *out) {
    gpu_context *ctx = gpu_recorder_context(rec);
    int64_t f2 = x->rank ? x->shape[x->rank - 1] : 0, f = f2 / 2;
    int64_t rows = f2 ? tensor_count(x) / f2 : 0;
    if ((gelu != OP_ACT_GELU_ERF && gelu != OP_ACT_GELU_TANH) || f2 % 2 || f <= 0 || rows <= 0 ||
        tensor_count(out) != rows * f || out->rank == 0 || out->shape[out->rank - 1] != f || out->dtype != x->dtype) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: geglu: x [.., %lld] -> out with %lld elements (expected [.., %lld], "
                               "same dtype, a GELU kind)", (long long)f2, (long long)tensor_count(out), (long long)f));
        return;
    }
    uint32_t es = dtype_size(x->dtype);
    bool vec4 = f % 4 == 0 && x->offset % (4 * es) == 0 && out->offset % (4 * es) == 0; /* 4 columns per invocation */
    uint32_t unit = vec4 ? 4 * es : es, per4 = vec4 ? 4 : 1;
    gpu_pipeline_desc desc = {.shader = vec4 ? OP_SHADER(ACTIVATION_GEGLU_VEC4, x->dtype) : OP_SHADER(ACTIVATION_GEGLU, x->dtype),
                              .binding_count = 2, .push_size = 20, .spec_count = 1, .spec = {(uint32_t)gelu}};
    desc.bindings[0] = op_texel_kind(x->dtype, vec4 ? 4 : 1);
    desc.bindings[1] = GPU_BIND_STORAGE;
    gpu_pipeline *pipe = op_pipeline(rec, &desc);
    if (!pipe) return;
    uint64_t per = window_elements_for(ctx, es) / (uint64_t)f2; /* whole input rows per window */
    if (per == 0) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: geglu: a row of %lld exceeds one binding", (long long)f2));
        return;
    }
    for (uint64_t r0 = 0; r0 < (uint64_t)rows; r0 += per) {
        uint64_t nr = (uint64_t)rows - r0 < per ? (uint64_t)rows - r0 : per, xs, os;
        gpu_binding bind[2] = {
            bind_range(ctx, BIND_TEXEL, unit, x->buffer, x->offset + r0 * (uint64_t)f2 * es, nr * (uint64_t)f2 * es, false, &xs),
            bind_range(ctx, BIND_STORAGE, unit, out->buffer, out->offset + r0 * (uint64_t)f * es, nr * (uint64_t)f * es, true, &os),
        };
        uint32_t chunk = window_row_chunk(nr);
        uint64_t cols = (uint64_t)f / per4;
        struct { uint32_t rows, f, x_off, o_off, chunk; } push = {(uint32_t)nr, (uint32_t)cols, (uint32_t)(xs / unit),
                                                                  (uint32_t)(os / unit), chunk};
        gpu_record_dispatch(rec, pipe, bind, 2, &push, sizeof push, (uint32_t)((cols + 63) / 64),
                            (uint32_t)((nr + chunk - 1) / chunk), 1, "geglu");
    }
}
