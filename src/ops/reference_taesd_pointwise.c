/* reference_taesd_pointwise.c — see reference_taesd_pointwise.h. */
#include "ops/reference_taesd_pointwise.h"

#include <math.h>

void ref_taesd_pointwise(op_taesd_mode mode, float a, float b, float *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (mode == OP_TAESD_RELU)
            x[i] = x[i] > 0.0f ? x[i] : 0.0f;
        else if (mode == OP_TAESD_CLAMP)
            x[i] = tanhf(x[i] / 3.0f) * 3.0f;
        else
            x[i] = a * x[i] + b;
    }
}
