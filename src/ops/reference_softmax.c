/* reference_softmax.c — see reference_softmax.h. */
#include "ops/reference_softmax.h"

#include <math.h>

void ref_softmax(float *x, size_t rows, size_t n, float scale, bool causal, size_t rows_per_head) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * n;
        size_t limit = causal ? (r % rows_per_head + 1 < n ? r % rows_per_head + 1 : n) : n;
        float m = -3.0e38f;
        for (size_t j = 0; j < limit; j++) m = fmaxf(m, row[j] * scale);
        double s = 0;
        for (size_t j = 0; j < limit; j++) s += exp((double)(row[j] * scale - m));
        for (size_t j = 0; j < n; j++) row[j] = j < limit ? (float)(exp((double)(row[j] * scale - m)) / s) : 0.0f;
    }
}
