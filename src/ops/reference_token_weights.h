/* reference_token_weights.h — the plain-C specification of op_token_weights_record
 * (ops/token_weights.h): AUTOMATIC1111's process_tokens, sums in double. */
#ifndef PIXEEN_OPS_REFERENCE_TOKEN_WEIGHTS_H
#define PIXEEN_OPS_REFERENCE_TOKEN_WEIGHTS_H

#include <stddef.h>

/* z [rows, t, d] in place: z *= w [rows, t]; then each row times mean_before / mean_after. */
void ref_token_weights(float *z, size_t rows, size_t t, size_t d, const float *w);

#endif
