/* picture_ops.c — see picture_ops.h. */
#include "ops/common.h"
#include "ops/picture_ops.h"

static uint64_t groups_of_256(uint64_t invocations) { return (invocations + 255) / 256; }

static uint64_t picture_bytes(const op_picture *p) {
    uint64_t stride = p->stride ? p->stride : p->width;
    uint64_t image = p->image_stride ? p->image_stride : stride * p->height;
    return ((uint64_t)(p->images - 1) * image + (uint64_t)(p->height - 1) * stride + p->width) * 4;
}

static bool picture_fits(const op_picture *p) {
    return p->buffer && p->width && p->height && p->images && p->offset % 4 == 0 &&
           (!p->stride || p->stride >= p->width) && p->offset + picture_bytes(p) <= gpu_buffer_size(p->buffer);
}

void op_picture_lanczos_record(gpu_recorder *rec, const op_picture *src, const op_picture *dst, bool vertical,
                               gpu_buffer *taps, gpu_buffer *weights, uint32_t ksize) {
    uint32_t out_len = vertical ? dst->height : dst->width;
    bool other_axis_kept = vertical ? src->width == dst->width : src->height == dst->height;
    if (!picture_fits(src) || !picture_fits(dst) || src->images != dst->images || !other_axis_kept ||
        (src->image_stride && src->images > 1) || (dst->stride && dst->stride != dst->width) || dst->image_stride || !ksize || gpu_buffer_size(taps) < (uint64_t)out_len * 8 ||
        gpu_buffer_size(weights) < (uint64_t)out_len * ksize * 4) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: picture_lanczos: pictures, taps and weights disagree"));
        return;
    }
    gpu_pipeline_desc desc = {.shader = "picture_lanczos", .binding_count = 4, .push_size = 32};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t images, src_w, src_h, dst_w, dst_h, ksize, vertical, src_stride;
    } push = {src->images, src->width, src->height, dst->width, dst->height, ksize, vertical,
              src->stride ? src->stride : src->width};
    gpu_binding b[4] = {{src->buffer, src->offset, picture_bytes(src), false},
                        {dst->buffer, dst->offset, picture_bytes(dst), true},
                        {taps, 0, (uint64_t)out_len * 8, false},
                        {weights, 0, (uint64_t)out_len * ksize * 4, false}};
    uint64_t n = (uint64_t)dst->images * dst->width * dst->height;
    op_dispatch_groups(rec, pipeline, b, 4, &push, sizeof push, groups_of_256(n), "picture_lanczos");
}

void op_picture_unit_record(gpu_recorder *rec, const op_picture *src, uint32_t x0, uint32_t y0, bool mask,
                            const tensor *out) {
    int64_t channels = mask ? 3 : 4; /* rank of out */
    bool shape_ok = out->dtype == DTYPE_F32 && out->rank == (uint32_t)channels && out->shape[0] == src->images &&
                    (mask || out->shape[3] == 3);
    uint32_t H = shape_ok ? (uint32_t)out->shape[1] : 0, W = shape_ok ? (uint32_t)out->shape[2] : 0;
    if (!shape_ok || !picture_fits(src) || (uint64_t)x0 + W > src->width || (uint64_t)y0 + H > src->height) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: picture_unit: the window does not fit the picture"));
        return;
    }
    gpu_pipeline_desc desc = {.shader = "picture_unit", .binding_count = 2, .push_size = 32};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    uint32_t stride = src->stride ? src->stride : src->width;
    uint32_t image_stride = src->image_stride ? src->image_stride : stride * src->height;
    struct {
        uint32_t images, width, height, stride, image_stride, x0, y0, mask;
    } push = {src->images, W, H, stride, image_stride, x0, y0, mask};
    gpu_binding b[2] = {{src->buffer, src->offset, picture_bytes(src), false}, op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, b, 2, &push, sizeof push, groups_of_256((uint64_t)src->images * W * H),
                       "picture_unit");
}

void op_latent_upscale_record(gpu_recorder *rec, const tensor *in, int64_t th, int64_t tw, int64_t y0, int64_t x0,
                              op_latent_upscale_mode mode, const tensor *out) {
    if (in->rank != 4 || out->rank != 4 || in->dtype != DTYPE_F32 || out->dtype != DTYPE_F32 ||
        in->shape[0] != out->shape[0] || in->shape[3] != out->shape[3] || th < 1 || tw < 1 || y0 < 0 || x0 < 0 ||
        y0 + out->shape[1] > th || x0 + out->shape[2] > tw) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: latent_upscale: the window does not fit the interpolation"));
        return;
    }
    gpu_pipeline_desc desc = {.shader = "latent_upscale", .binding_count = 2, .push_size = 52};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, C, in_h, in_w, th, tw, out_h, out_w, y0, x0, bilinear;
        float scale_h, scale_w;
    } push = {(uint32_t)tensor_count(out), (uint32_t)in->shape[3], (uint32_t)in->shape[1], (uint32_t)in->shape[2],
              (uint32_t)th, (uint32_t)tw, (uint32_t)out->shape[1], (uint32_t)out->shape[2], (uint32_t)y0, (uint32_t)x0,
              mode == OP_LATENT_BILINEAR, (float)in->shape[1] / (float)th, (float)in->shape[2] / (float)tw};
    gpu_binding b[2] = {op_bind(in, false), op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, b, 2, &push, sizeof push, groups_of_256(push.n), "latent_upscale");
}
