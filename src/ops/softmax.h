/* softmax.h — row softmax in place, with scale and optional causal mask
 * (shaders/softmax.comp): the attention fallback for causal masks and head dims
 * the fused kernel does not take. */
#ifndef PIXEEN_OPS_SOFTMAX_H
#define PIXEEN_OPS_SOFTMAX_H

#include <stdbool.h>

#include "ops/ops.h"

/* x [rows, n] in place: softmax over n of x*scale; causal masks key j > (row %
 * rows_per_head). */
void op_softmax_record(gpu_recorder *rec, const tensor *x, float scale, bool causal, int64_t rows_per_head);

#endif
