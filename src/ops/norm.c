/* norm.c — group normalisation (+ SiLU) and layer normalisation: shape checks, binding windows and
 * dispatches (see norm.h and shaders/norm_*.comp). Inputs are read through texel buffers (the fast
 * load path on lavapipe, an ordinary cached read elsewhere); outputs are storage buffers. */
#include "ops/norm.h"

#include "ops/bind.h"
#include "ops/common.h"

/* Elements one window may cover: within the storage range and the texel limit, whole workgroups
 * of 256, and below 2^31 so indices stay in uint. */
static uint64_t window_elements(const gpu_context *ctx, tensor_dtype dtype) {
    const gpu_caps *caps = gpu_context_caps(ctx);
    uint64_t n = caps->max_storage_buffer_range / dtype_size(dtype) - 256; /* room for the alignment skip */
    if (n > caps->max_texel_buffer_elements - 256) n = caps->max_texel_buffer_elements - 256;
    if (n > (1ull << 31)) n = 1ull << 31;
    return n / 256 * 256;
}

static gpu_binding param_binding(const gpu_context *ctx, const tensor *t, uint64_t count) {
    uint64_t skip;
    gpu_binding b = bind_range(ctx, BIND_TEXEL, dtype_size(t->dtype), t->buffer, t->offset, count * dtype_size(t->dtype),
                               false, &skip);
    return b;
}

void op_group_norm_record(gpu_recorder *rec, const op_group_norm_desc *d) {
    gpu_context *ctx = gpu_recorder_context(rec);
    const tensor *x = d->x, *out = d->out;
    int64_t batch = x->rank >= 2 ? x->shape[0] : 0, c = x->rank >= 2 ? x->shape[x->rank - 1] : 0;
    int64_t n = batch && c ? tensor_count(x) / (batch * c) : 0;
    uint32_t es = dtype_size(x->dtype);
    /* gamma/beta are bound whole from their offset: they need texel alignment (weights are). */
    if (x->rank < 2 || d->groups == 0 || c % d->groups || tensor_count(out) != tensor_count(x) || out->dtype != x->dtype ||
        tensor_count(d->gamma) != c || tensor_count(d->beta) != c || d->stats->dtype != DTYPE_F32 ||
        (uint64_t)tensor_count(d->stats) < op_group_norm_stats_count((uint64_t)batch, d->groups) || n <= 0 ||
        d->gamma->offset % bind_alignment(ctx, BIND_TEXEL, dtype_size(d->gamma->dtype)) ||
        d->beta->offset % bind_alignment(ctx, BIND_TEXEL, dtype_size(d->beta->dtype))) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: group norm: x [B=%lld, N=%lld, C=%lld] with %u groups, gamma %lld, beta %lld, stats "
                               "%lld floats: shapes do not match (expected C %% G == 0, gamma/beta [C], aligned, stats >= 2*B*G)",
                               (long long)batch, (long long)n, (long long)c, d->groups, (long long)tensor_count(d->gamma),
                               (long long)tensor_count(d->beta), (long long)tensor_count(d->stats)));
        return;
    }
    /* The statistics pass reads x only through a texel buffer, limited by texels rather than by
     * the storage range (a 512x512x256 VAE activation is 128 MiB in fp16: over lavapipe's storage
     * range, within its 128 Mi texels). */
    uint64_t item = (uint64_t)(n * c), window = window_elements(ctx, x->dtype);
    uint64_t texel_window = gpu_context_caps(ctx)->max_texel_buffer_elements;
    if (texel_window > (1ull << 31)) texel_window = 1ull << 31;
    if (item > texel_window || c > 65535 || batch > 65535 || (uint64_t)c > window) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: group norm: %llu elements per batch item exceed one binding (%llu)",
                               (unsigned long long)item, (unsigned long long)window));
        return;
    }
    /* Statistics: as many whole batch items per dispatch as one texel binding holds. */
    gpu_pipeline_desc sdesc = {.shader = op_shader_name(SHADER_NORM_GROUP_STATS), .binding_count = 2,
                               .bindings = {op_texel_kind(x->dtype, 1), GPU_BIND_STORAGE}, .push_size = 28};
    gpu_pipeline *stats_pipe = op_pipeline(rec, &sdesc);
    if (!stats_pipe) return;
    uint64_t per = texel_window / item;
    for (int64_t b0 = 0; b0 < batch; b0 += (int64_t)per) {
        int64_t nb = batch - b0 < (int64_t)per ? batch - b0 : (int64_t)per;
        uint64_t skip, sskip;
        gpu_binding bind[2] = {
            bind_range(ctx, BIND_TEXEL, es, x->buffer, x->offset + (uint64_t)b0 * item * es, (uint64_t)nb * item * es, false, &skip),
            bind_range(ctx, BIND_STORAGE, 8, d->stats->buffer, d->stats->offset,
                       op_group_norm_stats_count((uint64_t)batch, d->groups) * 4, true, &sskip),
        };
        if (sskip % 8) {
            op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: group norm: stats offset %llu is not 8-byte aligned",
                                   (unsigned long long)d->stats->offset));
            return;
        }
        struct { uint32_t n, c, cg, groups, x_off, s_off; float eps; } push = {
            (uint32_t)n, (uint32_t)c, (uint32_t)(c / d->groups), d->groups, (uint32_t)(skip / es),
            (uint32_t)(sskip / 8 + (uint64_t)b0 * d->groups), d->eps};
        gpu_record_dispatch(rec, stats_pipe, bind, 2, &push, sizeof push, d->groups, (uint32_t)nb, 1, "group_norm_stats");
    }
    /* Apply: windows of whole pixel rows; P rows per invocation (16 keeps >= 32 workgroups at
     * every SD shape while amortising the per-invocation loads; raised only to respect the
     * 65535-workgroup limit). */
    /* Four channels per invocation where C and the offsets allow (norm_group_apply_vec4.comp). */
    bool vec4 = c % 4 == 0 && x->offset % (4 * es) == 0 && out->offset % (4 * es) == 0;
    uint32_t unit = vec4 ? 4 * es : es;
    gpu_pipeline_desc adesc = {
        .shader = vec4 ? OP_SHADER(NORM_GROUP_APPLY_VEC4, x->dtype) : OP_SHADER(NORM_GROUP_APPLY, x->dtype),
        .binding_count = 5,
        .bindings = {op_texel_kind(x->dtype, vec4 ? 4 : 1),
                     op_texel_kind(d->gamma->dtype, 1), op_texel_kind(d->beta->dtype, 1), GPU_BIND_STORAGE,
                     vec4 ? op_image4_kind(x->dtype) : GPU_BIND_STORAGE},
        .push_size = 40, .spec_count = 1, .spec = {d->silu ? 1u : 0u}};
    gpu_pipeline *apply = op_pipeline(rec, &adesc);
    if (!apply) return;
    uint64_t rows = (uint64_t)(batch * n), row_window = window / (uint64_t)c;
    for (uint64_t first = 0; first < rows; first += row_window) {
        uint64_t nr = rows - first < row_window ? rows - first : row_window, xs, os, ss;
        gpu_binding bind[5] = {
            bind_range(ctx, BIND_TEXEL, unit, x->buffer, x->offset + first * (uint64_t)c * es, nr * (uint64_t)c * es, false, &xs),
            param_binding(ctx, d->gamma, (uint64_t)c),
            param_binding(ctx, d->beta, (uint64_t)c),
            bind_range(ctx, BIND_STORAGE, 8, d->stats->buffer, d->stats->offset,
                       op_group_norm_stats_count((uint64_t)batch, d->groups) * 4, false, &ss),
            bind_range(ctx, vec4 ? BIND_TEXEL : BIND_STORAGE, unit, out->buffer, out->offset + first * (uint64_t)c * es,
                       nr * (uint64_t)c * es, true, &os),
        };
        uint64_t chunk = 16;
        if ((nr + chunk - 1) / chunk > 65535) chunk = (nr + 65534) / 65535;
        struct { uint32_t rows, c, cg, groups, n, first_row, x_off, o_off, s_off, chunk; } push = {
            (uint32_t)nr, (uint32_t)c, (uint32_t)(c / d->groups), d->groups, (uint32_t)n, (uint32_t)first,
            (uint32_t)(xs / unit), (uint32_t)(os / unit), (uint32_t)(ss / 8), (uint32_t)chunk};
        uint64_t columns = vec4 ? (uint64_t)c / 4 : (uint64_t)c;
        gpu_record_dispatch(rec, apply, bind, 5, &push, sizeof push, (uint32_t)((columns + 63) / 64),
                            (uint32_t)((nr + chunk - 1) / chunk), 1, d->silu ? "group_norm_silu" : "group_norm");
    }
}

void op_layer_norm_record(gpu_recorder *rec, const tensor *x, const tensor *gamma, const tensor *beta, float eps,
                          const tensor *out) {
    gpu_context *ctx = gpu_recorder_context(rec);
    int64_t c = x->rank >= 1 ? x->shape[x->rank - 1] : 0;
    int64_t rows = c ? tensor_count(x) / c : 0;
    uint32_t es = dtype_size(x->dtype);
    if (c <= 0 || tensor_count(out) != tensor_count(x) || out->dtype != x->dtype || tensor_count(gamma) != c ||
        tensor_count(beta) != c || gamma->offset % bind_alignment(ctx, BIND_TEXEL, dtype_size(gamma->dtype)) ||
        beta->offset % bind_alignment(ctx, BIND_TEXEL, dtype_size(beta->dtype))) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: layer norm: x [%lld rows, C=%lld], gamma %lld, beta %lld (expected [C] each, aligned)",
                               (long long)rows, (long long)c, (long long)tensor_count(gamma), (long long)tensor_count(beta)));
        return;
    }
    /* Four channels per lane step where C and every offset allow (see norm_layer.comp). */
    bool vec4 = c % 4 == 0 && x->offset % (4 * es) == 0 && out->offset % (4 * es) == 0 &&
                gamma->offset % (4 * dtype_size(gamma->dtype)) == 0 && beta->offset % (4 * dtype_size(beta->dtype)) == 0;
    uint32_t unit = vec4 ? 4 * es : es, per4 = vec4 ? 4 : 1;
    gpu_pipeline_desc desc = {
        .shader = vec4 ? OP_SHADER(NORM_LAYER_VEC4, x->dtype) : OP_SHADER(NORM_LAYER, x->dtype), .binding_count = 4,
        .bindings = {op_texel_kind(x->dtype, per4), op_texel_kind(gamma->dtype, per4), op_texel_kind(beta->dtype, per4),
                     GPU_BIND_STORAGE},
        .push_size = 20};
    gpu_pipeline *pipe = op_pipeline(rec, &desc);
    if (!pipe) return;
    uint64_t per = window_elements(ctx, x->dtype) / (uint64_t)c; /* whole rows per dispatch */
    if (per == 0) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: layer norm: a row of %lld exceeds one binding", (long long)c));
        return;
    }
    for (int64_t r0 = 0; r0 < rows; r0 += (int64_t)per) {
        uint64_t nr = (uint64_t)(rows - r0) < per ? (uint64_t)(rows - r0) : per;
        uint64_t xs, os, at = (uint64_t)r0 * (uint64_t)c * es, gs, bs;
        gpu_binding bind[4] = {
            bind_range(ctx, BIND_TEXEL, unit, x->buffer, x->offset + at, nr * (uint64_t)c * es, false, &xs),
            bind_range(ctx, BIND_TEXEL, vec4 ? 4 * dtype_size(gamma->dtype) : dtype_size(gamma->dtype), gamma->buffer,
                       gamma->offset, (uint64_t)c * dtype_size(gamma->dtype), false, &gs),
            bind_range(ctx, BIND_TEXEL, vec4 ? 4 * dtype_size(beta->dtype) : dtype_size(beta->dtype), beta->buffer,
                       beta->offset, (uint64_t)c * dtype_size(beta->dtype), false, &bs),
            bind_range(ctx, BIND_STORAGE, unit, out->buffer, out->offset + at, nr * (uint64_t)c * es, true, &os),
        };
        /* gamma and beta are texel-aligned (checked above), so their skips are 0 */
        struct { uint32_t rows, c, x_off, o_off; float eps; } push = {(uint32_t)nr, (uint32_t)c / per4, (uint32_t)(xs / unit),
                                                                       (uint32_t)(os / unit), eps};
        uint32_t gx, gy;
        gpu_groups_2d(ctx, (nr + 7) / 8, &gx, &gy);
        gpu_record_dispatch(rec, pipe, bind, 4, &push, sizeof push, gx, gy, 1, "layer_norm");
    }
}
