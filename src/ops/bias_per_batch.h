/* bias_per_batch.h — x[b, .., c] += e[b, c] in place (shaders/bias_per_batch.comp): the ResNet
 * blocks' time embedding, one vector per batch row, added after conv1. */
#ifndef PIXEEN_OPS_BIAS_PER_BATCH_H
#define PIXEEN_OPS_BIAS_PER_BATCH_H

#include "ops/ops.h"

/* x [B, .., C] += e [B, C], in place; x and e share the dtype. */
void op_bias_per_batch_record(gpu_recorder *rec, const tensor *x, const tensor *e);

#endif
