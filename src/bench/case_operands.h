/* case_operands.h — what operator cases (src/bench/cases_*.c) share: device tensors with seeded
 * random contents and host copies of them (fp16-rounded for fp16 cases), read-back as floats, and
 * the max |gpu - ref| / max |ref| measure every case's validate reports. */
#ifndef PIXEEN_BENCH_CASE_OPERANDS_H
#define PIXEEN_BENCH_CASE_OPERANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/bench.h"
#include "core/tensor.h"

#define MAX_OPERANDS 6

/* A case's state: device tensors and host copies of the inputs. */
typedef struct op_operands {
    tensor t[MAX_OPERANDS];
    float *host[MAX_OPERANDS];
    size_t count[MAX_OPERANDS];
} op_operands;

/* n uniform values in [lo, hi) from `seed` (xorshift), rounded to fp16 when asked. */
void bench_fill_random(float *x, size_t n, uint64_t seed, float lo, float hi, bool round_f16);
/* Makes operand i: a device tensor of `count` elements (rank 1; cases reshape), random in
 * [lo, hi) when lo < hi (host copy kept), else uninitialised (an output). */
pixeen_status bench_operand(gpu_context *ctx, op_operands *s, int i, tensor_dtype dt, size_t count, float lo, float hi,
                            gpu_memory memory);
/* A bench_case teardown for op_operands states. */
void bench_operands_teardown(bench_case *c, void *state);
/* Reads `count` elements of operand i starting at element `first` as floats. */
pixeen_status bench_operand_read(gpu_context *ctx, const op_operands *s, int i, size_t first, size_t count, float *out);
/* Folds n results into the running max |got - ref| and max |ref| (NaN counts as infinite). */
void bench_accumulate(const float *got, const float *ref, size_t n, double *max_diff, double *max_ref);
/* "f16" / "f32". */
const char *bench_dtype_name(int dt);

#endif
