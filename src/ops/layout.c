/* layout.c — nearest 2x upsampling (to 2H or 2H-1 rows), channel concatenation and [B, R, S] transposes (see layout.h,
 * shaders/layout_*.comp). Each splits its tensors into windows of whole rows (or batch items) that
 * fit one binding. */
#include "ops/layout.h"

#include "ops/bind.h"
#include "ops/common.h"
#include "ops/window.h"

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static void dispatch_1d(gpu_recorder *rec, gpu_pipeline *pipe, const gpu_binding *bind, uint32_t count, const void *push,
                        uint32_t push_size, uint64_t elements, const char *label) {
    uint32_t gx, gy;
    gpu_groups_2d(gpu_recorder_context(rec), (elements + 255) / 256, &gx, &gy);
    gpu_record_dispatch(rec, pipe, bind, count, push, push_size, gx, gy, 1, label);
}

/* shader: the module (by dtype and vec4, the shader's _vec4 variant reading RGBA texels of 4
 * consecutive elements) */
static gpu_pipeline *pipeline_for(gpu_recorder *rec, const char *shader, tensor_dtype dtype, uint32_t inputs,
                                  uint32_t push, bool vec4) {
    gpu_pipeline_desc desc = {.shader = shader, .binding_count = inputs + 1, .push_size = push};
    for (uint32_t i = 0; i < inputs; i++) desc.bindings[i] = op_texel_kind(dtype, vec4 ? 4 : 1);
    desc.bindings[inputs] = GPU_BIND_STORAGE;
    return op_pipeline(rec, &desc);
}

void op_upsample_nearest2x_record(gpu_recorder *rec, const tensor *x, const tensor *out) {
    gpu_context *ctx = gpu_recorder_context(rec);
    int64_t H = x->shape[1], W = x->shape[2], Ho = out->shape[1], Wo = out->shape[2];
    if (x->rank != 4 || out->rank != 4 || out->dtype != x->dtype || out->shape[0] != x->shape[0] ||
        (Ho != 2 * H && Ho != 2 * H - 1) || (Wo != 2 * W && Wo != 2 * W - 1) || out->shape[3] != x->shape[3] ||
        tensor_count(x) <= 0) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: upsample: x [%lld, %lld, %lld, %lld] -> out [%lld, %lld, %lld, %lld] "
                               "(expected [B, 2H or 2H-1, 2W or 2W-1, C], same dtype)", (long long)x->shape[0],
                               (long long)H, (long long)W, (long long)x->shape[3], (long long)out->shape[0],
                               (long long)Ho, (long long)Wo, (long long)out->shape[3]));
        return;
    }
    uint32_t es = dtype_size(x->dtype);
    bool vec4 = x->shape[3] % 4 == 0 && x->offset % (4 * es) == 0 && out->offset % (4 * es) == 0;
    uint32_t unit = vec4 ? 4 * es : es, per4 = vec4 ? 4 : 1;
    gpu_pipeline *pipe = pipeline_for(rec,
                                      vec4 ? OP_SHADER(LAYOUT_UPSAMPLE_NEAREST_VEC4, x->dtype)
                                           : OP_SHADER(LAYOUT_UPSAMPLE_NEAREST, x->dtype),
                                      x->dtype, 1, 40, vec4);
    if (!pipe) return;
    uint64_t c = (uint64_t)x->shape[3], in_rows = (uint64_t)x->shape[0] * (uint64_t)H;
    uint64_t in_row = (uint64_t)W * c, out_row = (uint64_t)Wo * c; /* elements of one row */
    uint64_t per = window_elements_for(ctx, es) / (2 * out_row); /* input rows per window */
    if (per == 0) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: upsample: a row of %llu elements exceeds one binding",
                               (unsigned long long)out_row));
        return;
    }
    /* Output row of input row i (i = b*H + y): b*Ho + 2y; input rows i0.. write output rows from there. */
    for (uint64_t r0 = 0; r0 < in_rows; r0 += per) {
        uint64_t nr = min64(in_rows - r0, per), xs, os, r1 = r0 + nr;
        uint64_t o0 = r0 / (uint64_t)H * (uint64_t)Ho + 2 * (r0 % (uint64_t)H);
        uint64_t o1 = r1 / (uint64_t)H * (uint64_t)Ho + 2 * (r1 % (uint64_t)H);
        gpu_binding bind[2] = {
            bind_range(ctx, BIND_TEXEL, unit, x->buffer, x->offset + r0 * in_row * es, nr * in_row * es, false, &xs),
            bind_range(ctx, BIND_STORAGE, unit, out->buffer, out->offset + o0 * out_row * es, (o1 - o0) * out_row * es, true, &os),
        };
        uint32_t chunk = window_row_chunk(2 * nr) / 2;
        struct { uint32_t rows, h, ho, wc, woc, c, x_off, o_off, y0, chunk; } push = {
            (uint32_t)nr, (uint32_t)H, (uint32_t)Ho, (uint32_t)(in_row / per4), (uint32_t)(out_row / per4),
            (uint32_t)(c / per4), (uint32_t)(xs / unit), (uint32_t)(os / unit), (uint32_t)(r0 % (uint64_t)H), chunk};
        gpu_record_dispatch(rec, pipe, bind, 2, &push, sizeof push, (uint32_t)((out_row / per4 + 63) / 64),
                            (uint32_t)((nr + chunk - 1) / chunk), 1, "upsample2x");
    }
}

void op_concat_channels_record(gpu_recorder *rec, const tensor *a, const tensor *b, const tensor *out) {
    gpu_context *ctx = gpu_recorder_context(rec);
    int64_t c1 = a->rank ? a->shape[a->rank - 1] : 0, c2 = b->rank ? b->shape[b->rank - 1] : 0;
    int64_t rows = c1 > 0 ? tensor_count(a) / c1 : 0;
    if (c1 <= 0 || c2 <= 0 || rows <= 0 || tensor_count(b) != rows * c2 || out->rank == 0 ||
        out->shape[out->rank - 1] != c1 + c2 || tensor_count(out) != rows * (c1 + c2) || a->dtype != b->dtype ||
        out->dtype != a->dtype) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: concat: a [.., %lld] ++ b [.., %lld] -> out [.., %lld] with %lld "
                               "elements (expected %lld rows of C1 + C2, one dtype)", (long long)c1, (long long)c2,
                               (long long)(out->rank ? out->shape[out->rank - 1] : 0), (long long)tensor_count(out),
                               (long long)rows));
        return;
    }
    uint32_t es = dtype_size(a->dtype);
    bool vec4 = c1 % 4 == 0 && c2 % 4 == 0 && a->offset % (4 * es) == 0 && b->offset % (4 * es) == 0 &&
                out->offset % (4 * es) == 0;
    uint32_t unit = vec4 ? 4 * es : es, per4 = vec4 ? 4 : 1;
    gpu_pipeline *pipe = pipeline_for(
        rec, vec4 ? OP_SHADER(LAYOUT_CONCAT_VEC4, a->dtype) : OP_SHADER(LAYOUT_CONCAT, a->dtype), a->dtype, 2, 28, vec4);
    if (!pipe) return;
    uint64_t c = (uint64_t)(c1 + c2), per = window_elements_for(ctx, es) / c;
    if (per == 0) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: concat: a row of %llu exceeds one binding", (unsigned long long)c));
        return;
    }
    for (uint64_t r0 = 0; r0 < (uint64_t)rows; r0 += per) {
        uint64_t nr = min64((uint64_t)rows - r0, per), as, bs, os;
        gpu_binding bind[3] = {
            bind_range(ctx, BIND_TEXEL, unit, a->buffer, a->offset + r0 * (uint64_t)c1 * es, nr * (uint64_t)c1 * es, false, &as),
            bind_range(ctx, BIND_TEXEL, unit, b->buffer, b->offset + r0 * (uint64_t)c2 * es, nr * (uint64_t)c2 * es, false, &bs),
            bind_range(ctx, BIND_STORAGE, unit, out->buffer, out->offset + r0 * c * es, nr * c * es, true, &os),
        };
        uint32_t chunk = window_row_chunk(nr);
        struct { uint32_t rows, c1, c2, a_off, b_off, o_off, chunk; } push = {
            (uint32_t)nr, (uint32_t)c1 / per4, (uint32_t)c2 / per4, (uint32_t)(as / unit), (uint32_t)(bs / unit),
            (uint32_t)(os / unit), chunk};
        gpu_record_dispatch(rec, pipe, bind, 3, &push, sizeof push, (uint32_t)((c / per4 + 63) / 64),
                            (uint32_t)((nr + chunk - 1) / chunk), 1, "concat");
    }
}

void op_transpose_record(gpu_recorder *rec, const tensor *x, int64_t batch, int64_t r, int64_t s, const tensor *out) {
    gpu_context *ctx = gpu_recorder_context(rec);
    uint32_t es = dtype_size(x->dtype);
    uint64_t item = (uint64_t)(r * s), window = window_elements_for(ctx, es);
    if (batch <= 0 || r <= 0 || s <= 0 || tensor_count(x) != batch * r * s || tensor_count(out) != batch * r * s ||
        out->dtype != x->dtype || item > window) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: transpose: [%lld, %lld, %lld] on tensors of %lld and %lld elements "
                               "(expected equal counts, one dtype, an item within one binding)", (long long)batch,
                               (long long)r, (long long)s, (long long)tensor_count(x), (long long)tensor_count(out)));
        return;
    }
    gpu_pipeline *pipe = pipeline_for(rec, OP_SHADER(LAYOUT_TRANSPOSE, x->dtype), x->dtype, 1, 20, false);
    if (!pipe) return;
    uint64_t per = window / item;
    for (uint64_t b0 = 0; b0 < (uint64_t)batch; b0 += per) {
        uint64_t nb = min64((uint64_t)batch - b0, per), xs, os;
        gpu_binding bind[2] = {
            bind_range(ctx, BIND_TEXEL, es, x->buffer, x->offset + b0 * item * es, nb * item * es, false, &xs),
            bind_range(ctx, BIND_STORAGE, es, out->buffer, out->offset + b0 * item * es, nb * item * es, true, &os),
        };
        struct { uint32_t n, r, s, x_off, o_off; } push = {(uint32_t)(nb * item), (uint32_t)r, (uint32_t)s,
                                                           (uint32_t)(xs / es), (uint32_t)(os / es)};
        dispatch_1d(rec, pipe, bind, 2, &push, sizeof push, nb * item, "transpose");
    }
}
