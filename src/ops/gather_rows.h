/* gather_rows.h — rows picked by index (shaders/gather_rows.comp): CLIP's
 * pooled output, each prompt's end token. */
#ifndef PIXEEN_OPS_GATHER_ROWS_H
#define PIXEEN_OPS_GATHER_ROWS_H

#include <stdbool.h>

#include "ops/ops.h"

/* rows int32 [R]; x [N, D]; out [R, D] of x's dtype: out[r] = x[rows[r]] (row 0
 * for a bad index). */
void op_gather_rows_record(gpu_recorder *rec, const tensor *rows, const tensor *x, const tensor *out);

#endif
