/* reference_reduce.h — the plain-C specification of op_reduce_sum_record
 * (ops/ops.h). */
#ifndef PIXEEN_OPS_REFERENCE_REDUCE_H
#define PIXEEN_OPS_REFERENCE_REDUCE_H

#include <stddef.h>
#include <stdint.h>

/* Sum in double. */
double ref_sum(const float *x, size_t n);

#endif
