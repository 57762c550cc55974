/* token_embedding.h — the token + position embedding gather of CLIP
 * (shaders/token_embedding.comp; textual inversion overwrites positions
 * afterwards: ops/embedding_inject.h). */
#ifndef PIXEEN_OPS_TOKEN_EMBEDDING_H
#define PIXEEN_OPS_TOKEN_EMBEDDING_H

#include <stdbool.h>

#include "ops/ops.h"

/* ids int32 [B, T]; table fp16 [V, D]; pos fp16 [>=T, D] or NULL; out [B, T,
 * D]. */
void op_token_embedding_record(gpu_recorder *rec, const tensor *ids, const tensor *table, const tensor *pos,
                               const tensor *out);

#endif
