/* reference_token_weights.c — see reference_token_weights.h. */
#include "ops/reference_token_weights.h"

void ref_token_weights(float *z, size_t rows, size_t t, size_t d, const float *w) {
    for (size_t r = 0; r < rows; r++) {
        float *row = z + r * t * d;
        double before = 0, after = 0;
        for (size_t i = 0; i < t * d; i++) {
            before += row[i];
            after += (double)row[i] * w[r * t + i / d];
        }
        for (size_t i = 0; i < t * d; i++) row[i] = (float)(row[i] * w[r * t + i / d] * (before / after));
    }
}
