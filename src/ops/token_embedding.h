/* token_embedding.h — small operators the network builders need around the big ones:
 *   op_embedding_record  token + position embedding gather (CLIP)
 *   op_softmax_record    row softmax in place, with scale and optional causal mask (attention
 *                        fallback for causal masks and head dims the fused kernel does not take)
 *   op_permute_record    4-D permutation with scale (splitting and merging attention heads)
 *   op_gather_rows_record  rows picked by index (CLIP's pooled output: each prompt's end token) */
#ifndef PIXEEN_OPS_TOKEN_EMBEDDING_H
#define PIXEEN_OPS_TOKEN_EMBEDDING_H

#include "ops/ops.h"

/* ids int32 [B, T]; table fp16 [V, D]; pos fp16 [>=T, D] or NULL; out [B, T, D]. */
void op_embedding_record(gpu_recorder *rec, const tensor *ids, const tensor *table, const tensor *pos,
                         const tensor *out);
/* x [rows, n] in place: softmax over n of x*scale; causal masks key j > (row % rows_per_head). */
void op_softmax_record(gpu_recorder *rec, const tensor *x, float scale, bool causal, int64_t rows_per_head);
/* out = in.permute(perm) * scale; in and out rank 4, out's shape = in's shape permuted. */
void op_permute_record(gpu_recorder *rec, const tensor *in, const int perm[4], float scale, const tensor *out);

/* rows int32 [R]; x [N, D]; out [R, D] of x's dtype: out[r] = x[rows[r]] (row 0 for a bad index). */
void op_gather_rows_record(gpu_recorder *rec, const tensor *rows, const tensor *x, const tensor *out);

#endif
