/* timestep_embedding.c — the sinusoidal timestep embedding (see timestep_embedding.h, shaders/timestep_embedding.comp). */
#include "ops/timestep_embedding.h"

#include <math.h>

#include "ops/bind.h"
#include "ops/common.h"

void op_timestep_embedding_record(gpu_recorder *rec, const op_timestep_embedding_desc *d) {
    gpu_context *ctx = gpu_recorder_context(rec);
    const tensor *out = d->out, *ts = d->timesteps;
    int64_t rows = out->rank == 2 ? out->shape[0] : 0, dim = out->rank == 2 ? out->shape[1] : 0;
    int64_t nts = ts ? tensor_count(ts) : 0;
    float denom = (float)(dim / 2) - d->downscale_freq_shift;
    if (rows <= 0 || dim <= 0 || !ts || ts->dtype != DTYPE_F32 ||
        (int64_t)d->t_index + (rows - 1) * (int64_t)d->t_stride >= nts || (dim >= 2 && denom <= 0) ||
        (uint64_t)tensor_bytes(out) > gpu_context_caps(ctx)->max_storage_buffer_range) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: timestep embedding: out [%lld, %lld], timesteps %lld floats read at %u + r*%u "
                               "(expected out [N, dim], fp32 timesteps covering every row, half - shift > 0)",
                               (long long)rows, (long long)dim, (long long)nts, d->t_index, d->t_stride));
        return;
    }
    gpu_pipeline_desc desc = {.shader = OP_SHADER(TIMESTEP_EMBEDDING, out->dtype), .binding_count = 2,
                              .bindings = {GPU_BIND_STORAGE, GPU_BIND_STORAGE}, .push_size = 36};
    gpu_pipeline *pipe = op_pipeline(rec, &desc);
    if (!pipe) return;
    uint32_t es = dtype_size(out->dtype);
    uint64_t tskip, oskip;
    gpu_binding bind[2] = {
        bind_range(ctx, BIND_STORAGE, 4, ts->buffer, ts->offset, (uint64_t)nts * 4, false, &tskip),
        bind_range(ctx, BIND_STORAGE, es, out->buffer, out->offset, tensor_bytes(out), true, &oskip),
    };
    struct {
        uint32_t n, dim, t_index, t_stride, flip;
        float log_max, denom, scale;
        uint32_t o_off;
    } push = {(uint32_t)(rows * dim), (uint32_t)dim, d->t_index + (uint32_t)(tskip / 4), d->t_stride,
              d->flip_sin_to_cos ? 1u : 0u, logf(d->max_period != 0 ? d->max_period : 10000.0f), denom,
              d->scale != 0 ? d->scale : 1.0f, (uint32_t)(oskip / es)};
    uint32_t gx, gy;
    gpu_groups_2d(ctx, ((uint64_t)(rows * dim) + 255) / 256, &gx, &gy);
    gpu_record_dispatch(rec, pipe, bind, 2, &push, sizeof push, gx, gy, 1, "timestep_embedding");
}
