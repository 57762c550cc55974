/* nn_pointwise.h — normalisations and elementwise operators of the networks (NHWC activations):
 *   op_group_norm_record      GroupNorm (+ SiLU), fp32 statistics
 *   op_layer_norm_record      LayerNorm over the last dimension
 *   op_unary_record           SiLU, GELU (erf / tanh), quick-GELU
 *   op_geglu_record           hidden * gelu(gate) over the two halves of the last dimension
 *   op_upsample2x_record      nearest 2x, NHWC
 *   op_concat_channels_record NHWC channel concatenation
 *   op_timestep_embedding_record  sinusoidal embedding of timesteps read from a GPU buffer
 *   op_bias_per_batch_record  x[b, p, c] += e[b, c]
 * Norm weights (gamma, beta) are fp16 tensors of the model; activations fp16 or fp32. */
#ifndef PIXEEN_OPS_NN_POINTWISE_H
#define PIXEEN_OPS_NN_POINTWISE_H

#include <stdbool.h>

#include "ops/ops.h"

typedef enum op_activation {
    OP_ACT_SILU = 0,
    OP_ACT_GELU = 1,      /* erf form (torch's default) */
    OP_ACT_GELU_TANH = 2,
    OP_ACT_QUICK_GELU = 3,
} op_activation;

/* x, out [B, H, W, C] (or [B, P, C]); gamma, beta [C]. */
void op_group_norm_record(gpu_recorder *rec, const tensor *x, const tensor *gamma, const tensor *beta, int groups,
                          float eps, bool silu, const tensor *out);
/* x, out [.., C]; gamma, beta [C]. */
void op_layer_norm_record(gpu_recorder *rec, const tensor *x, const tensor *gamma, const tensor *beta, float eps,
                          const tensor *out);
void op_unary_record(gpu_recorder *rec, op_activation act, const tensor *x, const tensor *out);
/* x [.., 2F] -> out [.., F]. */
void op_geglu_record(gpu_recorder *rec, const tensor *x, const tensor *out);
/* x [B, H, W, C] -> out [B, 2H, 2W, C]. */
void op_upsample2x_record(gpu_recorder *rec, const tensor *x, const tensor *out);
/* a [B, H, W, C1], b [B, H, W, C2] -> out [B, H, W, C1 + C2]. */
void op_concat_channels_record(gpu_recorder *rec, const tensor *a, const tensor *b, const tensor *out);
/* t fp32 [B] -> out [B, dim]. */
void op_timestep_embedding_record(gpu_recorder *rec, const tensor *t, bool flip_sin_to_cos, float shift,
                                  const tensor *out);
/* x [B, .., C] += e [B, C], in place. */
void op_bias_per_batch_record(gpu_recorder *rec, const tensor *x, const tensor *e);

#endif
