/* permute.h — 4-D permutation with a scale (shaders/permute.comp): splitting
 * and merging attention heads. */
#ifndef PIXEEN_OPS_PERMUTE_H
#define PIXEEN_OPS_PERMUTE_H

#include <stdbool.h>

#include "ops/ops.h"

/* out = in.permute(perm) * scale; in and out rank 4, out's shape = in's shape
 * permuted. */
void op_permute_record(gpu_recorder *rec, const tensor *in, const int perm[4], float scale, const tensor *out);

#endif
