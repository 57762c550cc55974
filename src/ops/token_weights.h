/* token_weights.h — AUTOMATIC1111 emphasis on text-encoder states
 * (shaders/token_weights.comp). */
#ifndef PIXEEN_OPS_TOKEN_WEIGHTS_H
#define PIXEEN_OPS_TOKEN_WEIGHTS_H

#include "ops/ops.h"

/* z [rows, T, D] *= w [rows, T] (fp32), then each row rescaled to keep its
 * mean. */
void op_token_weights_record(gpu_recorder *rec, const tensor *z, const tensor *w);

#endif
