/* test_op_picture.c — pictures on the GPU (src/ops/picture_ops.h, src/pipeline/picture_gpu.h)
 * against the host code they stand in for, on random pictures at odd sizes and at a hires fix's
 * real size (512x512 -> 1024x1024 in the full pass; 64 -> 128 with PIXEEN_TEST_QUICK):
 *   picture_lanczos   both passes vs src/image's picture_resize_lanczos, up and down, byte by
 *                     byte: at most 1 level apart (the GPU sums the same fp32 weights in fp32,
 *                     the host in fp64, so a sum within ~1e-5 of a .5 may round the other way),
 *                     and at most 1 value in 1000 differing at all (measured: none or a handful)
 *   picture_gpu_convert  resize + [-1, 1] floats vs picture_resize_lanczos + picture_to_unit_range
 *                     (the same bound, 2/255 in floats), a window of it, and the binary mask vs
 *                     picture_mask_binary (exact: integer luma)
 *   latent_upscale    torch's bilinear and nearest interpolate (ref_latent_upscale in
 *                     ops/reference_picture_ops.c), with a window; 1e-6 relative (the same fp32
 *                     formula). The operator-case registry (src/bench/cases_pictures.c) checks all
 *                     three against ops/reference_picture_ops.h too. */
#include "gpu_test.h"
#include "image/picture.h"
#include "ops/picture_ops.h"
#include "ops/reference_picture_ops.h"
#include "pipeline/picture_gpu.h"

static void random_picture(picture *p, int w, int h, unsigned seed) {
    CHECK_OK(vault_secret_create((size_t)w * h * 4, &p->rgba));
    p->rgba->len = (size_t)w * h * 4;
    p->width = w;
    p->height = h;
    p->channels = 4;
    uint32_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < (size_t)w * h * 4; i++) {
        s = s * 1664525u + 1013904223u;
        /* smooth areas and edges: a gradient plus noise, clamped (PIL-like pictures, not only noise) */
        int v = (int)((i / 4) % (size_t)w) * 255 / w + (int)(s >> 26) - 32;
        p->rgba->data[i] = (uint8_t)(i % 4 == 3 ? 255 : v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

/* The picture with `pad` junk pixels after each row (an application's padded rows). */
static gpu_buffer *upload_padded(gpu_context *ctx, const picture *p, int pad) {
    size_t row = (size_t)(p->width + pad) * 4, n = row * (size_t)p->height;
    uint8_t *host = malloc(n);
    memset(host, 0xA5, n);
    for (int y = 0; y < p->height; y++) memcpy(host + y * row, p->rgba->data + (size_t)y * p->width * 4, (size_t)p->width * 4);
    gpu_buffer *b = NULL;
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, n, "test picture", &b));
    CHECK_OK(gpu_buffer_upload(ctx, b, 0, host, n));
    free(host);
    return b;
}

static gpu_buffer *upload_picture(gpu_context *ctx, const picture *p) { return upload_padded(ctx, p, 0); }

static gpu_buffer *upload_axis(gpu_context *ctx, int in, int out, gpu_buffer **weights, uint32_t *k) {
    int32_t *t = NULL;
    float *w = NULL;
    int ks = picture_lanczos_coeffs(in, out, &t, &w);
    CHECK(ks > 0);
    gpu_buffer *tb = NULL;
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)out * 8, "taps", &tb));
    CHECK_OK(gpu_buffer_upload(ctx, tb, 0, t, (uint64_t)out * 8));
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)out * ks * 4, "weights", weights));
    CHECK_OK(gpu_buffer_upload(ctx, *weights, 0, w, (uint64_t)out * ks * 4));
    free(t), free(w);
    *k = (uint32_t)ks;
    return tb;
}

static void check_lanczos(gpu_context *ctx, int w, int h, int ow, int oh) {
    picture in = {0}, ref = {0};
    random_picture(&in, w, h, (unsigned)(w * 7 + h));
    CHECK_OK(picture_resize_lanczos(&in, ow, oh, &ref));
    gpu_buffer *src = upload_picture(ctx, &in), *mid = NULL, *dst = NULL, *wh = NULL, *wv = NULL;
    uint32_t kh = 0, kv = 0;
    gpu_buffer *th = upload_axis(ctx, w, ow, &wh, &kh), *tv = upload_axis(ctx, h, oh, &wv, &kv);
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)ow * h * 4, "mid", &mid));
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)ow * oh * 4, "dst", &dst));
    op_picture a = {.buffer = src, .width = (uint32_t)w, .height = (uint32_t)h, .images = 1};
    op_picture b = {.buffer = mid, .width = (uint32_t)ow, .height = (uint32_t)h, .images = 1};
    op_picture c = {.buffer = dst, .width = (uint32_t)ow, .height = (uint32_t)oh, .images = 1};
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_picture_lanczos_record(rec, &a, &b, false, th, wh, kh);
    op_picture_lanczos_record(rec, &b, &c, true, tv, wv, kv);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    size_t n = (size_t)ow * oh * 4;
    uint8_t *got = malloc(n);
    CHECK_OK(gpu_buffer_download(ctx, dst, 0, got, n));
    int worst = 0;
    size_t differ = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs((int)got[i] - (int)ref.rgba->data[i]);
        worst = d > worst ? d : worst;
        differ += d != 0;
    }
    printf("picture_lanczos %dx%d -> %dx%d: max |diff| %d levels, %zu of %zu values differ\n", w, h, ow, oh, worst, differ, n);
    CHECK(worst <= 1 && differ * 1000 <= n);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(src), gpu_buffer_destroy(mid), gpu_buffer_destroy(dst);
    gpu_buffer_destroy(th), gpu_buffer_destroy(tv), gpu_buffer_destroy(wh), gpu_buffer_destroy(wv);
    free(got);
    picture_free(&in), picture_free(&ref);
}

/* picture_gpu_convert: resize + window + [-1, 1] (or the mask) against the host's own path. */
static void check_convert(gpu_context *ctx, int w, int h, int ow, int oh, int x0, int y0, int cw, int ch, bool mask,
                          int pad) {
    picture in = {0}, ref = {0};
    random_picture(&in, w, h, (unsigned)(w + 3 * h));
    CHECK_OK(picture_resize_lanczos(&in, ow, oh, &ref));
    gpu_buffer *src = upload_padded(ctx, &in, pad);
    op_picture a = {.buffer = src, .width = (uint32_t)w, .height = (uint32_t)h, .images = 1, .stride = (uint32_t)(w + pad)};
    size_t per = mask ? 1 : 3, n = (size_t)cw * ch * per;
    tensor out = gpu_test_tensor(ctx, DTYPE_F32, NULL, (int64_t)n);
    out.rank = mask ? 3 : 4;
    memcpy(out.shape, (int64_t[4]){1, ch, cw, 3}, sizeof out.shape);
    CHECK_OK(picture_gpu_convert(ctx, &a, ow, oh, (uint32_t)x0, (uint32_t)y0, mask, &out));
    float *got = malloc(n * 4), *all = malloc((size_t)ow * oh * per * 4);
    gpu_test_read(ctx, &out, got);
    if (mask) picture_mask_binary(&ref, all);
    else picture_to_unit_range(&ref, all);
    double worst = 0;
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++)
            for (size_t c = 0; c < per; c++) {
                float r = all[((size_t)(y + y0) * ow + (size_t)(x + x0)) * per + c];
                worst = fmax(worst, fabs(got[((size_t)y * cw + x) * per + c] - r));
            }
    /* a mask differs only where a level straddling 128 rounded the other way */
    double tol = mask ? (w == ow && h == oh ? 0.0 : 1.0) : 2.0 / 255 + 1e-6;
    printf("picture_gpu_convert %dx%d (rows +%d) -> %dx%d window %dx%d at %d,%d %s: max |diff| %.3g\n", w, h, pad, ow, oh,
           cw, ch, x0, y0, mask ? "mask" : "unit", worst);
    CHECK(worst <= tol);
    gpu_buffer_destroy(src), gpu_buffer_destroy(out.buffer);
    free(got), free(all);
    picture_free(&in), picture_free(&ref);
}

static void check_upscale(gpu_context *ctx, int64_t B, int64_t h, int64_t w, int64_t C, int64_t th, int64_t tw, int64_t y0,
                          int64_t x0, int64_t oh, int64_t ow, op_latent_upscale_mode mode) {
    size_t n_in = (size_t)(B * h * w * C), n = (size_t)(B * oh * ow * C);
    float *x = malloc(n_in * 4), *ref = malloc(n * 4), *got = malloc(n * 4);
    test_fill_random(x, n_in, (unsigned)(h * 13 + w), -4, 4);
    tensor ti = gpu_test_tensor(ctx, DTYPE_F32, x, (int64_t)n_in), to = gpu_test_tensor(ctx, DTYPE_F32, NULL, (int64_t)n);
    ti.rank = to.rank = 4;
    memcpy(ti.shape, (int64_t[4]){B, h, w, C}, sizeof ti.shape);
    memcpy(to.shape, (int64_t[4]){B, oh, ow, C}, sizeof to.shape);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_latent_upscale_record(rec, &ti, th, tw, y0, x0, mode, &to);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &to, got);
    ref_latent_upscale(x, B, h, w, C, th, tw, y0, x0, oh, ow, mode, ref);
    double worst = 0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(got[i] - ref[i]) / fmax(1.0, fabs(ref[i])));
    printf("latent_upscale %s B=%lld %lldx%lld -> %lldx%lld window %lldx%lld at %lld,%lld C=%lld: max rel %.3g\n",
           mode == OP_LATENT_BILINEAR ? "bilinear" : "nearest", (long long)B, (long long)h, (long long)w, (long long)th,
           (long long)tw, (long long)oh, (long long)ow, (long long)y0, (long long)x0, (long long)C, worst);
    CHECK(worst < 1e-6);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(ti.buffer), gpu_buffer_destroy(to.buffer);
    free(x), free(ref), free(got);
}

/* The reference itself on a case worked by hand (torch: interpolate([[0, 1], [2, 3]], size=4)). */
static void check_reference_by_hand(void) {
    const float in[4] = {0, 1, 2, 3};
    float out[16];
    ref_latent_upscale(in, 1, 2, 2, 1, 4, 4, 0, 0, 4, 4, OP_LATENT_BILINEAR, out);
    const float row0[4] = {0.0f, 0.25f, 0.75f, 1.0f}, col[4] = {0.0f, 0.5f, 1.5f, 2.0f};
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++) CHECK(fabsf(out[y * 4 + x] - (row0[x] + col[y])) < 1e-6f);
    ref_latent_upscale(in, 1, 2, 2, 1, 3, 3, 0, 0, 3, 3, OP_LATENT_NEAREST, out);
    const float nearest[9] = {0, 0, 1, 0, 0, 1, 2, 2, 3}; /* floor(dst * 2/3) */
    for (int i = 0; i < 9; i++) CHECK(out[i] == nearest[i]);
}

int main(void) {
    check_reference_by_hand();
    gpu_context *ctx = gpu_test_context();
    check_lanczos(ctx, 13, 7, 29, 17);  /* up, odd */
    check_lanczos(ctx, 37, 23, 11, 9);  /* down: the support widens */
    check_lanczos(ctx, 16, 16, 40, 24); /* a hires fix of a tiny model */
    int real = test_quick() ? 64 : 512;
    check_lanczos(ctx, real, real, 2 * real, 2 * real);
    check_convert(ctx, 13, 7, 29, 17, 0, 0, 29, 17, false, 0);
    check_convert(ctx, 21, 11, 21, 11, 0, 0, 21, 11, true, 0); /* same size: read as it is */
    check_convert(ctx, 21, 11, 21, 11, 3, 2, 15, 7, false, 0);  /* a window */
    check_convert(ctx, 16, 12, 32, 24, 4, 2, 24, 20, false, 0); /* resize, then A1111's truncation */
    check_convert(ctx, 19, 15, 38, 30, 0, 0, 38, 30, true, 0);
    check_convert(ctx, 19, 15, 38, 30, 0, 0, 38, 30, false, 5); /* an application's padded rows, resized */
    check_convert(ctx, 23, 9, 23, 9, 0, 0, 23, 9, true, 3);     /* ... read as they are */
    check_upscale(ctx, 1, 3, 5, 4, 6, 10, 0, 0, 6, 10, OP_LATENT_BILINEAR);
    check_upscale(ctx, 2, 7, 5, 3, 11, 13, 0, 0, 11, 13, OP_LATENT_BILINEAR);
    check_upscale(ctx, 2, 7, 5, 3, 11, 13, 2, 1, 8, 11, OP_LATENT_BILINEAR);
    check_upscale(ctx, 1, 9, 6, 4, 13, 17, 0, 0, 13, 17, OP_LATENT_NEAREST);
    check_upscale(ctx, 1, 9, 6, 4, 18, 12, 1, 2, 16, 8, OP_LATENT_NEAREST); /* exactly 2x */
    check_upscale(ctx, 2, 64, 64, 4, 128, 128, 0, 0, 128, 128, OP_LATENT_BILINEAR);
    check_upscale(ctx, 1, 64, 64, 4, 96, 96, 0, 0, 96, 96, OP_LATENT_NEAREST);
    return gpu_test_finish(ctx);
}
