/* reference_activation.h — plain-C activations (double arithmetic, libm erf/tanh) and GEGLU. */
#ifndef PIXEEN_OPS_REFERENCE_ACTIVATION_H
#define PIXEEN_OPS_REFERENCE_ACTIVATION_H

#include <stddef.h>

#include "ops/activation.h"

float ref_activation_one(op_activation_kind kind, float x);
void ref_activation(op_activation_kind kind, const float *x, size_t n, float *out);
/* x [rows, 2F] -> out [rows, F] = x[:, :F] * gelu(x[:, F:]). */
void ref_geglu(op_activation_kind gelu, const float *x, size_t rows, size_t f, float *out);

#endif
