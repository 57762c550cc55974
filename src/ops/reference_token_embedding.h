/* reference_token_embedding.h — the plain-C specification of op_token_embedding_record (ops/token_embedding.h). */
#ifndef PIXEEN_OPS_REFERENCE_TOKEN_EMBEDDING_H
#define PIXEEN_OPS_REFERENCE_TOKEN_EMBEDDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ids [B*T]; table [vocab, d]; pos [>= T, d] or NULL; out [B*T, d]. An id outside the table reads
 * row 0, as the kernel does. */
void ref_token_embedding(const int32_t *ids, size_t rows, size_t t, const float *table, size_t vocab, const float *pos,
                         size_t d, float *out);

#endif
