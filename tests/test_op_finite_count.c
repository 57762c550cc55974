/* test_op_finite_count.c — op_finite_count_record (ops/finite_count.h) against a plain count: random data with
 * NaNs, infinities and (for fp16) values beyond its range planted at random places, fp32 and fp16,
 * odd sizes and offsets (an fp16 tensor starting in the middle of a 32-bit word), planted values
 * just outside the tensor that must not count, accumulation over two checks, and real sizes (SD
 * latents and a 512x512 image). */
#include <math.h>

#include "core/f16.h"
#include "gpu_test.h"
#include "ops/finite_count.h"

static void check(gpu_context *ctx, tensor_dtype dt, int64_t n, int64_t lead, int planted, unsigned seed) {
    int64_t total = lead + n + 3; /* values around the tensor too */
    float *x = malloc((size_t)total * 4);
    test_fill_random(x, (size_t)total, seed, -3, 3);
    srand(seed);
    for (int k = 0; k < planted; k++) {
        int64_t at = rand() % total;
        int kind = rand() % 4;
        x[at] = kind == 0 ? NAN : kind == 1 ? INFINITY : kind == 2 ? -INFINITY : (dt == DTYPE_F16 ? 1e6f : NAN);
    }
    if (lead > 0) x[lead - 1] = NAN; /* just before and just after: never counted */
    x[lead + n] = INFINITY;
    tensor buf = gpu_test_tensor(ctx, dt, x, total);
    tensor t = buf;
    t.offset = (uint64_t)lead * dtype_size(dt);
    t.shape[0] = n;
    uint32_t expect = 0;
    for (int64_t i = lead; i < lead + n; i++) {
        float v = x[i];
        if (dt == DTYPE_F16) v = f16_to_f32(f32_to_f16(v));
        expect += !isfinite(v);
    }
    gpu_buffer *flags;
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_HOST, 16, "flags", &flags));
    uint32_t *f = gpu_buffer_map(flags);
    memset(f, 0, 16);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_finite_count_record(rec, &t, flags, 1);
    op_finite_count_record(rec, &t, flags, 1); /* adds: a count per step collects in one word */
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    printf("finite %s n=%lld lead=%lld: %u non-finite (expected %u per check)\n", dt == DTYPE_F16 ? "f16" : "f32",
           (long long)n, (long long)lead, f[1], expect);
    CHECK(f[1] == 2 * expect && f[0] == 0 && f[2] == 0);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(flags);
    gpu_buffer_destroy(buf.buffer);
    free(x);
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    for (int d = 0; d < 2; d++) {
        tensor_dtype dt = d ? DTYPE_F16 : DTYPE_F32;
        check(ctx, dt, 1, 0, 0, 1);
        check(ctx, dt, 1, 1, 1, 2);
        check(ctx, dt, 1023, 1, 7, 3);
        check(ctx, dt, 1025, 3, 40, 4);
        check(ctx, dt, 77 * 5 + 1, 0, 0, 5);                /* a clean tensor counts 0 */
        check(ctx, dt, 2 * 64 * 64 * 4, 0, 3, 6);           /* SD latents, batch 2 */
        check(ctx, dt, 512 * 512 * 3, 1, 1000, 7);          /* a decoded image */
    }
    return gpu_test_finish(ctx);
}
