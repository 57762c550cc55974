/* reference_reduce.c — see reference_reduce.h. */
#include "ops/reference_reduce.h"

double ref_sum(const float *x, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += x[i];
    return s;
}
