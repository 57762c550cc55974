/* case_operands.c — see case_operands.h. */
#include "bench/case_operands.h"

#include <math.h>
#include <stdlib.h>

#include "core/f16.h"



void bench_fill_random(float *x, size_t n, uint64_t seed, float lo, float hi, bool round_f16) {
    uint64_t s = 0x9E3779B97F4A7C15ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        float v = lo + (hi - lo) * (float)((double)(s >> 11) * (1.0 / 9007199254740992.0));
        x[i] = round_f16 ? f32_round_f16(v) : v;
    }
}

/* Makes operand i: a device tensor of `count` elements (rank 1; cases reshape), random in
 * [lo, hi) when lo < hi (host copy kept), else uninitialised (an output). */
pixeen_status bench_operand(gpu_context *ctx, op_operands *s, int i, tensor_dtype dt, size_t count, float lo, float hi,
                             gpu_memory memory) {
    s->t[i] = (tensor){.dtype = dt, .rank = 1, .shape = {(int64_t)count}};
    s->count[i] = count;
    PX_TRY(gpu_buffer_create(ctx, memory, tensor_bytes(&s->t[i]), "bench", &s->t[i].buffer));
    if (!(lo < hi)) return PIXEEN_OK;
    s->host[i] = malloc(count * sizeof(float));
    if (!s->host[i]) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    bench_fill_random(s->host[i], count, (uint64_t)(i * 7919 + count), lo, hi, dt == DTYPE_F16);
    if (dt == DTYPE_F16) {
        uint16_t *half = malloc(count * 2);
        if (!half) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
        f32_to_f16_array(half, s->host[i], count);
        pixeen_status st = gpu_buffer_upload(ctx, s->t[i].buffer, 0, half, count * 2);
        free(half);
        return st;
    }
    return gpu_buffer_upload(ctx, s->t[i].buffer, 0, s->host[i], count * 4);
}

void bench_operands_teardown(bench_case *c, void *state) {
    (void)c;
    op_operands *s = state;
    if (!s) return;
    for (int i = 0; i < MAX_OPERANDS; i++) {
        gpu_buffer_destroy(s->t[i].buffer);
        free(s->host[i]);
    }
    free(s);
}

/* Reads `count` elements of operand i starting at element `first` as floats. */
pixeen_status bench_operand_read(gpu_context *ctx, const op_operands *s, int i, size_t first, size_t count, float *out) {
    uint32_t es = dtype_size(s->t[i].dtype);
    if (s->t[i].dtype == DTYPE_F32) return gpu_buffer_download(ctx, s->t[i].buffer, first * 4, out, count * 4);
    uint16_t *half = malloc(count * 2);
    if (!half) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    pixeen_status st = gpu_buffer_download(ctx, s->t[i].buffer, first * es, half, count * 2);
    f16_to_f32_array(out, half, count);
    free(half);
    return st;
}

void bench_accumulate(const float *got, const float *ref, size_t n, double *max_diff, double *max_ref) {
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - ref[i]);
        if (isnan(got[i])) d = INFINITY;
        if (d > *max_diff) *max_diff = d;
        if (fabs(ref[i]) > *max_ref) *max_ref = fabs(ref[i]);
    }
}

const char *bench_dtype_name(int dt) { return dt == DTYPE_F16 ? "f16" : "f32"; }
