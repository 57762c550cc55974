/* reference_activation.c — see reference_activation.h. */
#include "ops/reference_activation.h"

#include <math.h>

float ref_activation_one(op_activation_kind kind, float xf) {
    double x = xf;
    switch (kind) {
    case OP_ACT_SILU: return (float)(x / (1.0 + exp(-x)));
    case OP_ACT_GELU_TANH: return (float)(0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x))));
    case OP_ACT_GELU_ERF: return (float)(0.5 * x * (1.0 + erf(x / sqrt(2.0))));
    case OP_ACT_QUICK_GELU: return (float)(x / (1.0 + exp(-1.702 * x)));
    }
    return NAN;
}

void ref_activation(op_activation_kind kind, const float *x, size_t n, float *out) {
    for (size_t i = 0; i < n; i++) out[i] = ref_activation_one(kind, x[i]);
}

void ref_geglu(op_activation_kind gelu, const float *x, size_t rows, size_t f, float *out) {
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < f; c++)
            out[r * f + c] = (float)((double)x[r * 2 * f + c] * ref_activation_one(gelu, x[r * 2 * f + f + c]));
}
