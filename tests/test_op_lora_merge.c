/* test_op_lora_merge.c — op_lora_merge_record (W += scale * up @ down: the product by the matrix
 * kernels in fp32, then added and rounded once to fp16 in place) against the plain-C reference
 * ref_lora_merge on seeded random inputs, with the device's default GEMM tiling:
 * odd sizes, a single element, rank 1, and real SD shapes (a 320x320 attention projection at rank
 * 16, a 3x3 convolution's [1280, 3*3*640] matrix at rank 8 as LoCon merges it, a wide rank 128).
 * Tolerance: both sides accumulate in fp32 and round once to fp16; the GEMM may sum in another
 * order and a driver may contract the final multiply-add, which moves the fp32 value by a few ulp:
 * at most one fp16 ulp apart. */
#include "gpu_test.h"
#include "ops/lora_merge.h"
#include "ops/reference_lora_merge.h"

/* Distance in fp16 units in the last place between two finite halves (sign-magnitude order). */
static int ulp_distance(uint16_t a, uint16_t b) {
    int ia = (a & 0x8000) ? -(int)(a & 0x7fff) : (int)a;
    int ib = (b & 0x8000) ? -(int)(b & 0x7fff) : (int)b;
    return ia > ib ? ia - ib : ib - ia;
}

static void check_merge(gpu_context *ctx, int64_t n, int64_t k, int64_t rank, float scale) {
    size_t nw = (size_t)(n * k), nu = (size_t)(n * rank), nd = (size_t)(rank * k);
    float *w = malloc(nw * 4), *up = malloc(nu * 4), *down = malloc(nd * 4);
    uint16_t *ref = malloc(nw * 2), *got = malloc(nw * 2);
    test_fill_random(w, nw, (unsigned)(n * 7 + k), -0.5f, 0.5f);
    test_fill_random(up, nu, (unsigned)(n + 3), -0.2f, 0.2f);
    test_fill_random(down, nd, (unsigned)(k + 5), -0.2f, 0.2f);
    f32_to_f16_array(ref, w, nw);
    float *down_t = malloc(nd * 4);
    for (int64_t j = 0; j < rank; j++)
        for (int64_t c = 0; c < k; c++) down_t[c * rank + j] = down[j * k + c];
    tensor tw = gpu_test_tensor(ctx, DTYPE_F16, w, (int64_t)nw);
    tensor tu = gpu_test_tensor(ctx, DTYPE_F32, up, (int64_t)nu), td = gpu_test_tensor(ctx, DTYPE_F32, down_t, (int64_t)nd);
    tensor delta = gpu_test_tensor(ctx, DTYPE_F32, NULL, (int64_t)nw + 3);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_lora_merge_record(rec, &tw, n, k, rank, &tu, &td, &delta, scale);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    CHECK_OK(gpu_buffer_download(ctx, tw.buffer, 0, got, nw * 2));
    ref_lora_merge(ref, n, k, rank, up, down, scale);
    int worst = 0;
    size_t changed = 0;
    uint16_t *orig = malloc(nw * 2);
    f32_to_f16_array(orig, w, nw);
    for (size_t i = 0; i < nw; i++) {
        int d = ulp_distance(got[i], ref[i]);
        if (d > worst) worst = d;
        changed += got[i] != orig[i];
    }
    printf("lora merge [%lld, %lld] rank %lld scale %g: worst %d fp16 ulp, %zu of %zu weights changed\n", (long long)n,
           (long long)k, (long long)rank, (double)scale, worst, changed, nw);
    CHECK(worst <= 1);
    CHECK(scale == 0.0f || changed > 0); /* the update really landed */
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tw.buffer);
    gpu_buffer_destroy(tu.buffer);
    gpu_buffer_destroy(td.buffer);
    gpu_buffer_destroy(delta.buffer);
    free(w), free(up), free(down), free(down_t), free(ref), free(got), free(orig);
}

/* Shapes that do not fit fail the recording instead of reading out of bounds. */
static void check_refused(gpu_context *ctx) {
    tensor tw = gpu_test_tensor(ctx, DTYPE_F16, NULL, 12), tu = gpu_test_tensor(ctx, DTYPE_F32, NULL, 6);
    tensor td = gpu_test_tensor(ctx, DTYPE_F32, NULL, 5), delta = gpu_test_tensor(ctx, DTYPE_F32, NULL, 12);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_lora_merge_record(rec, &tw, 3, 4, 2, &tu, &td, &delta, 1.0f); /* down should hold 2*4 = 8 */
    CHECK(gpu_recorder_end(rec) == PIXEEN_ERROR_INTERNAL);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(tw.buffer);
    gpu_buffer_destroy(tu.buffer);
    gpu_buffer_destroy(td.buffer);
    gpu_buffer_destroy(delta.buffer);
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    check_merge(ctx, 37, 29, 3, 0.8f * 2.0f / 3.0f);
    check_merge(ctx, 1, 1, 1, -1.5f);
    check_merge(ctx, 5, 257, 1, 0.25f);
    check_merge(ctx, 101, 7, 13, 1.0f);
    check_merge(ctx, 320, 320, 16, 0.5f);
    if (!getenv("PIXEEN_TEST_QUICK")) {
        check_merge(ctx, 1280, 3 * 3 * 640, 8, 0.7f);
        check_merge(ctx, 768, 768, 128, 0.1f);
    }
    check_refused(ctx);
    return gpu_test_finish(ctx);
}
