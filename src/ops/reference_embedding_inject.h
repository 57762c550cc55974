/* reference_embedding_inject.h — the plain-C specification of
 * op_embedding_inject_record (ops/embedding_inject.h). */
#ifndef PIXEEN_OPS_REFERENCE_EMBEDDING_INJECT_H
#define PIXEEN_OPS_REFERENCE_EMBEDDING_INJECT_H

#include <stddef.h>
#include <stdint.h>

/* Plain-C reference on fp32 values (side and pos already rounded to fp16 by the
 * caller). */
void ref_embedding_inject(const int32_t *side_index, int64_t B, int64_t T, const float *side, int64_t S, int64_t D,
                          const float *pos, float *out);

#endif
