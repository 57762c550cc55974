/* norm.h — group normalisation (optionally fused with SiLU) over NHWC activations and layer
 * normalisation over the last dimension. Statistics in fp32 whatever the activation dtype.
 *
 *   op_group_norm_record  x [B, H, W, C] (any rank >= 2 read as [B, N, C], N = H*W), G groups of
 *                         C/G consecutive channels; y = (x - mean) / sqrt(var + eps) * gamma + beta,
 *                         then y * sigmoid(y) if silu. Two dispatches: statistics per (b, g) into
 *                         `stats` (fp32 scratch, 2*B*G floats: mean, 1/std), then the elementwise
 *                         apply, split into windows for tensors over maxStorageBufferRange.
 *   op_layer_norm_record  x [.., C]: each row normalised over C; one subgroup per row.
 * gamma and beta are per channel [C], fp16 (as weights are stored) or fp32. out may alias x.
 * Leaves out: instance norm and norms without affine parameters (SD has none).
 */
#ifndef PIXEEN_OPS_NORM_H
#define PIXEEN_OPS_NORM_H

#include <stdbool.h>

#include "ops/ops.h"

typedef struct op_group_norm_desc {
    const tensor *x;     /* [B, H, W, C] */
    const tensor *gamma; /* [C] */
    const tensor *beta;  /* [C] */
    const tensor *out;   /* like x */
    const tensor *stats; /* fp32 scratch of op_group_norm_stats_count() floats */
    uint32_t groups;     /* G: 32 in SD's UNet and VAE */
    float eps;           /* 1e-5 UNet, 1e-6 VAE (from the model config) */
    bool silu;           /* fuse y * sigmoid(y) */
} op_group_norm_desc;

void op_group_norm_record(gpu_recorder *rec, const op_group_norm_desc *desc);
/* Floats of scratch the statistics need for `batch` items of `groups` groups. */
static inline uint64_t op_group_norm_stats_count(uint64_t batch, uint32_t groups) { return 2 * batch * groups; }

/* out = (x - mean) / sqrt(var + eps) * gamma + beta per row of x [.., C]; eps 1e-5 in SD. */
void op_layer_norm_record(gpu_recorder *rec, const tensor *x, const tensor *gamma, const tensor *beta, float eps,
                          const tensor *out);

#endif
