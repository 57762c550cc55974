/* reference_softmax.h — the plain-C specification of op_softmax_record (ops/softmax.h), fp32 statistics. */
#ifndef PIXEEN_OPS_REFERENCE_SOFTMAX_H
#define PIXEEN_OPS_REFERENCE_SOFTMAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* x [rows, n] in place: softmax over the first limit values of x*scale (limit = n, or
 * row % rows_per_head + 1 when causal), 0 beyond. */
void ref_softmax(float *x, size_t rows, size_t n, float scale, bool causal, size_t rows_per_head);

#endif
