/* finite_count.h — a GPU-side check for non-finite values (NaN, +-Inf), so a broken model or an fp16
 * overflow gives an error instead of a silent black image, at the cost of one small dispatch and
 * no readback per step:
 *
 *   op_finite_count_record  adds the number of non-finite elements of x (f32 or f16, any shape) to
 *                           the uint32 word `slot` of `flags` (a small buffer the caller zeroes and
 *                           reads once, at the end)
 *
 * Checked against a plain count on random data with NaNs and infinities planted (tests/test_op_finite_count.c). */
#ifndef PIXEEN_OPS_FINITE_COUNT_H
#define PIXEEN_OPS_FINITE_COUNT_H

#include "ops/ops.h"

void op_finite_count_record(gpu_recorder *rec, const tensor *x, gpu_buffer *flags, uint32_t slot);

#endif
