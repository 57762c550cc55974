/* reference_taesd_pointwise.h — the plain-C specification of
 * op_taesd_pointwise_record (ops/taesd_pointwise.h). */
#ifndef PIXEEN_OPS_REFERENCE_TAESD_POINTWISE_H
#define PIXEEN_OPS_REFERENCE_TAESD_POINTWISE_H

#include <stddef.h>

#include "ops/taesd_pointwise.h"

void ref_taesd_pointwise(op_taesd_mode mode, float a, float b, float *x, size_t n);

#endif
