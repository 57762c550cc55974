/* reference_bias_per_batch.c — see reference_bias_per_batch.h. */
#include "ops/reference_bias_per_batch.h"

void ref_bias_per_batch(float *x, size_t batches, size_t p, size_t c, const float *e) {
    for (size_t b = 0; b < batches; b++)
        for (size_t i = 0; i < p * c; i++) x[b * p * c + i] += e[b * c + i % c];
}
