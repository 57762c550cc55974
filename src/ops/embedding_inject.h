/* embedding_inject.h — textual-inversion vectors put into a token-embedding output on the GPU
 * (shaders/embedding_inject.comp): where side_index >= 0, out[b, t, :] = side[index] + pos[t].
 * Recorded right after op_token_embedding_record on the same output. Reference: ref_embedding_inject.
 * Entry point: op_embedding_inject_record. */
#ifndef PIXEEN_OPS_EMBEDDING_INJECT_H
#define PIXEEN_OPS_EMBEDDING_INJECT_H

#include "ops/ops.h"

/* side_index: int32 [B, T]; side: fp16 [S, D]; pos: fp16 [>= T, D] or NULL; out: [B, T, D]. */
void op_embedding_inject_record(gpu_recorder *rec, const tensor *side_index, const tensor *side, const tensor *pos,
                                const tensor *out);

#endif
