/* reference_elementwise.c — see reference_elementwise.h. */
#include "ops/reference_elementwise.h"

void ref_binary(op_binary_kind kind, const float *a, size_t n, const float *b, size_t nb, size_t inner, float *out) {
    for (size_t i = 0; i < n; i++) {
        float y = b[(i / inner) % nb];
        out[i] = kind == OP_BINARY_ADD ? a[i] + y : a[i] * y;
    }
}
