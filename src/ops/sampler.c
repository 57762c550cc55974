/* sampler.c — the per-step elementwise kernels of the samplers (see sampler.h): CFG combine fused
 * with the generic update, model-input scaling, scale/shift by buffer scalars. The coefficients
 * are computed on the host by src/sample/ and written into the scalar block before each replay.
 * Leaves out: noise generation (the caller provides the noise tensor). */
#include "ops/sampler.h"

#include "ops/bind.h"
#include "ops/common.h"
#include "ops/window.h"

static bool scalars_ok(const gpu_context *ctx, const tensor *s, uint64_t floats) {
    return s && s->dtype == DTYPE_F32 && (uint64_t)tensor_count(s) >= floats &&
           s->offset % bind_alignment(ctx, BIND_STORAGE, 4) == 0;
}

static gpu_binding whole(const tensor *t, bool write) { return (gpu_binding){t->buffer, t->offset, tensor_bytes(t), write}; }

static void dispatch_1d(gpu_recorder *rec, gpu_pipeline *pipe, const gpu_binding *bind, uint32_t count, const void *push,
                        uint32_t push_size, uint64_t elements, const char *label) {
    uint32_t gx, gy;
    gpu_groups_2d(gpu_recorder_context(rec), (elements + 255) / 256, &gx, &gy);
    gpu_record_dispatch(rec, pipe, bind, count, push, push_size, gx, gy, 1, label);
}

void op_sampler_step_record(gpu_recorder *rec, const op_sampler_step_desc *d) {
    gpu_context *ctx = gpu_recorder_context(rec);
    int64_t n = tensor_count(d->x);
    uint32_t copies = d->cfg ? 2 : 1;
    bool bad = !scalars_ok(ctx, d->scalars, 16) || d->x->dtype != DTYPE_F32 || n <= 0 ||
               tensor_count(d->model_out) != n * copies ||
               (d->prev_denoised && (d->prev_denoised->dtype != DTYPE_F32 || tensor_count(d->prev_denoised) != n)) ||
               (d->noise && (d->noise->dtype != DTYPE_F32 || tensor_count(d->noise) != n)) ||
               (uint64_t)n * copies > window_elements_for(ctx, 4);
    if (bad) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: sampler step: x has %lld elements, model_out %lld (expected %u x), prev %lld, noise %lld "
                               "(expected fp32 latents, fp32 aligned scalars of 16 floats)",
                               (long long)n, (long long)tensor_count(d->model_out), copies,
                               (long long)(d->prev_denoised ? tensor_count(d->prev_denoised) : -1),
                               (long long)(d->noise ? tensor_count(d->noise) : -1)));
        return;
    }
    gpu_pipeline_desc desc = {
        .shader = "sampler_step", .binding_count = 5,
        .bindings = {GPU_BIND_STORAGE, window_texel_kind(d->model_out->dtype), GPU_BIND_STORAGE, GPU_BIND_STORAGE,
                     GPU_BIND_TEXEL_F32},
        .push_size = 20, .spec_count = 3, .spec = {d->cfg ? 1u : 0u, d->prev_denoised ? 1u : 0u, d->noise ? 1u : 0u}};
    gpu_pipeline *pipe = op_pipeline(rec, &desc);
    if (!pipe) return;
    uint32_t ms = dtype_size(d->model_out->dtype);
    uint64_t m_skip, x_skip, p_skip = 0, z_skip = 0;
    gpu_binding bind[5] = {
        whole(d->scalars, false),
        bind_range(ctx, BIND_TEXEL, ms, d->model_out->buffer, d->model_out->offset, tensor_bytes(d->model_out), false, &m_skip),
        bind_range(ctx, BIND_STORAGE, 4, d->x->buffer, d->x->offset, (uint64_t)n * 4, true, &x_skip),
        /* absent operands are bound to the scalar block, which the kernel then never touches */
        d->prev_denoised ? bind_range(ctx, BIND_STORAGE, 4, d->prev_denoised->buffer, d->prev_denoised->offset, (uint64_t)n * 4,
                                      true, &p_skip)
                         : whole(d->scalars, false),
        d->noise ? bind_range(ctx, BIND_TEXEL, 4, d->noise->buffer, d->noise->offset, (uint64_t)n * 4, false, &z_skip)
                 : whole(d->scalars, false),
    };
    struct { uint32_t n, m_off, x_off, p_off, z_off; } push = {(uint32_t)n, (uint32_t)(m_skip / ms), (uint32_t)(x_skip / 4),
                                                                (uint32_t)(p_skip / 4), (uint32_t)(z_skip / 4)};
    dispatch_1d(rec, pipe, bind, 5, &push, sizeof push, (uint64_t)n, d->cfg ? "sampler_step_cfg" : "sampler_step");
}

void op_sampler_scale_input_record(gpu_recorder *rec, const tensor *scalars, const tensor *x, uint32_t copies,
                                   const tensor *x_in) {
    gpu_context *ctx = gpu_recorder_context(rec);
    int64_t n = tensor_count(x);
    if (!scalars_ok(ctx, scalars, 16) || x->dtype != DTYPE_F32 || n <= 0 || copies == 0 ||
        tensor_count(x_in) != n * (int64_t)copies || (uint64_t)n * copies > window_elements_for(ctx, 4)) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: sampler scale input: x has %lld elements, x_in %lld (expected %u x; fp32 x and scalars)",
                               (long long)n, (long long)tensor_count(x_in), copies));
        return;
    }
    char name[64];
    gpu_pipeline_desc desc = {.shader = shader_name(name, sizeof name, "sampler_scale_input", x_in->dtype), .binding_count = 3,
                              .bindings = {GPU_BIND_STORAGE, GPU_BIND_TEXEL_F32, GPU_BIND_STORAGE}, .push_size = 16};
    gpu_pipeline *pipe = op_pipeline(rec, &desc);
    if (!pipe) return;
    uint32_t es = dtype_size(x_in->dtype);
    uint64_t xs, os;
    gpu_binding bind[3] = {
        whole(scalars, false),
        bind_range(ctx, BIND_TEXEL, 4, x->buffer, x->offset, (uint64_t)n * 4, false, &xs),
        bind_range(ctx, BIND_STORAGE, es, x_in->buffer, x_in->offset, tensor_bytes(x_in), true, &os),
    };
    struct { uint32_t n, copies, x_off, o_off; } push = {(uint32_t)n, copies, (uint32_t)(xs / 4), (uint32_t)(os / es)};
    dispatch_1d(rec, pipe, bind, 3, &push, sizeof push, (uint64_t)n, "sampler_scale_input");
}

void op_scale_shift_record(gpu_recorder *rec, const tensor *scalars, uint32_t scale_index, uint32_t shift_index,
                           const tensor *x, const tensor *out) {
    gpu_context *ctx = gpu_recorder_context(rec);
    int64_t n = tensor_count(x), ns = scalars ? tensor_count(scalars) : 0;
    bool bad = !scalars || scalars->dtype != DTYPE_F32 || n <= 0 || tensor_count(out) != n || out->dtype != x->dtype ||
               (scale_index != OP_SCALAR_NONE && scale_index >= ns) || (shift_index != OP_SCALAR_NONE && shift_index >= ns);
    if (bad) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: scale/shift: x %lld elements, out %lld, scalar indices %u and %u of %lld (expected equal "
                               "counts, one dtype, indices inside the fp32 scalars)",
                               (long long)n, (long long)tensor_count(out), scale_index, shift_index, (long long)ns));
        return;
    }
    char name[64];
    gpu_pipeline_desc desc = {.shader = shader_name(name, sizeof name, "sampler_scale_shift", x->dtype), .binding_count = 3,
                              .bindings = {GPU_BIND_STORAGE, window_texel_kind(x->dtype), GPU_BIND_STORAGE}, .push_size = 20};
    gpu_pipeline *pipe = op_pipeline(rec, &desc);
    if (!pipe) return;
    uint32_t es = dtype_size(x->dtype);
    uint64_t ss;
    gpu_binding sb = bind_range(ctx, BIND_STORAGE, 4, scalars->buffer, scalars->offset, (uint64_t)ns * 4, false, &ss);
    uint32_t so = (uint32_t)(ss / 4);
    uint64_t window = window_elements_for(ctx, es);
    for (uint64_t first = 0; first < (uint64_t)n; first += window) {
        uint64_t count = (uint64_t)n - first < window ? (uint64_t)n - first : window, xs, os;
        gpu_binding bind[3] = {
            sb,
            bind_range(ctx, BIND_TEXEL, es, x->buffer, x->offset + first * es, count * es, false, &xs),
            bind_range(ctx, BIND_STORAGE, es, out->buffer, out->offset + first * es, count * es, true, &os),
        };
        struct { uint32_t n, scale_index, shift_index, x_off, o_off; } push = {
            (uint32_t)count, scale_index == OP_SCALAR_NONE ? OP_SCALAR_NONE : scale_index + so,
            shift_index == OP_SCALAR_NONE ? OP_SCALAR_NONE : shift_index + so, (uint32_t)(xs / es), (uint32_t)(os / es)};
        dispatch_1d(rec, pipe, bind, 3, &push, sizeof push, count, "scale_shift");
    }
}
