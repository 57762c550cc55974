/* reference_permute.h — the plain-C specification of op_permute_record (ops/permute.h). */
#ifndef PIXEEN_OPS_REFERENCE_PERMUTE_H
#define PIXEEN_OPS_REFERENCE_PERMUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* out = in.permute(perm) * scale for a 4-D tensor of shape in_shape. */
void ref_permute(const float *in, const int64_t in_shape[4], const int perm[4], float scale, float *out);

#endif
