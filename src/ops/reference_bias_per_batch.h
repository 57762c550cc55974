/* reference_bias_per_batch.h — the plain-C specification of op_bias_per_batch_record (ops/bias_per_batch.h). */
#ifndef PIXEEN_OPS_REFERENCE_BIAS_PER_BATCH_H
#define PIXEEN_OPS_REFERENCE_BIAS_PER_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* x [B, p, c] += e [B, c], in place. */
void ref_bias_per_batch(float *x, size_t batches, size_t p, size_t c, const float *e);

#endif
