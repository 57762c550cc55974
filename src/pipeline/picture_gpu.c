/* picture_gpu.c — see picture_gpu.h. */
#include <stdlib.h>

#include "image/picture.h"
#include "pipeline/picture_gpu.h"

/* One axis's taps and weights (the host's, picture_lanczos_coeffs) in device buffers. */
static pixeen_status upload_axis(gpu_context *ctx, int in, int out, gpu_buffer **taps, gpu_buffer **weights,
                                 uint32_t *ksize) {
    int32_t *t = NULL;
    float *w = NULL;
    int k = picture_lanczos_coeffs(in, out, &t, &w);
    if (k <= 0) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "picture: out of host memory for the Lanczos weights");
    pixeen_status st = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)out * 8, "lanczos taps", taps);
    if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, *taps, 0, t, (uint64_t)out * 8);
    if (st == PIXEEN_OK) st = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)out * k * 4, "lanczos weights", weights);
    if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, *weights, 0, w, (uint64_t)out * k * 4);
    free(t);
    free(w);
    *ksize = (uint32_t)k;
    return st;
}

pixeen_status picture_gpu_convert(gpu_context *ctx, const op_picture *src, int width, int height, uint32_t x0,
                                  uint32_t y0, bool mask, const tensor *out) {
    bool resize = (uint32_t)width != src->width || (uint32_t)height != src->height;
    gpu_buffer *taps[2] = {0}, *weights[2] = {0}, *mid = NULL, *resized = NULL;
    gpu_recorder *rec = NULL;
    uint32_t kh = 0, kv = 0;
    const uint64_t images = src->images;
    /* Horizontal, then vertical, as PIL: the intermediate is width x src->height. */
    op_picture a = {.width = (uint32_t)width, .height = src->height, .images = src->images};
    op_picture b = {.width = (uint32_t)width, .height = (uint32_t)height, .images = src->images};
    op_picture packed = *src;
    pixeen_status st = PIXEEN_OK;
    if (resize) st = upload_axis(ctx, (int)src->width, width, &taps[0], &weights[0], &kh);
    if (st == PIXEEN_OK && resize) st = upload_axis(ctx, (int)src->height, height, &taps[1], &weights[1], &kv);
    if (st == PIXEEN_OK && resize)
        st = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, images * (uint64_t)width * src->height * 4, "resize pass", &mid);
    if (st == PIXEEN_OK && resize)
        st = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, images * (uint64_t)width * (uint64_t)height * 4, "resized picture",
                               &resized);
    if (st == PIXEEN_OK) st = gpu_recorder_create(ctx, &rec);
    if (st == PIXEEN_OK) {
        gpu_recorder_begin(rec);
        if (resize) {
            a.buffer = mid;
            b.buffer = resized;
            op_picture_lanczos_record(rec, src, &a, false, taps[0], weights[0], kh);
            op_picture_lanczos_record(rec, &a, &b, true, taps[1], weights[1], kv);
            packed = b;
        }
        op_picture_unit_record(rec, &packed, x0, y0, mask, out);
        st = gpu_recorder_end(rec);
    }
    if (st == PIXEEN_OK) st = gpu_recorder_submit(rec);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy_wiped(mid); /* they hold the picture */
    gpu_buffer_destroy_wiped(resized);
    for (int i = 0; i < 2; i++) {
        gpu_buffer_destroy(taps[i]);
        gpu_buffer_destroy(weights[i]);
    }
    return st;
}
