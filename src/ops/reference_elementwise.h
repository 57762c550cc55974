/* reference_elementwise.h — plain-C references of the operators, the oracle for
 * tests and for `pixeen bench` (which validates each kernel before timing it).
 * Straightforward loops with double or fp32 accumulation as noted; no attempt
 * at speed. Inputs and outputs are fp32 arrays (fp16 kernels are compared
 * against these references run on the same fp16-rounded inputs). */
#ifndef PIXEEN_OPS_REFERENCE_ELEMENTWISE_H
#define PIXEEN_OPS_REFERENCE_ELEMENTWISE_H

#include <stddef.h>
#include <stdint.h>

#include "ops/ops.h"

/* out[i] = a[i] OP b[(i / inner) % nb] */
void ref_binary(op_binary_kind kind, const float *a, size_t n, const float *b, size_t nb, size_t inner, float *out);

#endif
