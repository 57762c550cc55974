/* timestep_embedding.h — the sinusoidal timestep embedding of diffusers' get_timestep_embedding, with the
 * timestep read from a GPU buffer (the sampler's scalar block), so a replayed step embeds the
 * timestep the host wrote for it:
 *   half = dim / 2; freq[i] = exp(-ln(max_period) * i / (half - downscale_freq_shift));
 *   arg = t * freq[i]; emb = [sin(arg), cos(arg)] (or [cos, sin] if flip_sin_to_cos), times `scale`;
 *   an odd dim gets a trailing 0.
 * SD 1.5/2.x: flip_sin_to_cos = true, downscale_freq_shift = 0, scale 1, max_period 10000.
 */
#ifndef PIXEEN_OPS_TIMESTEP_EMBEDDING_H
#define PIXEEN_OPS_TIMESTEP_EMBEDDING_H

#include <stdbool.h>

#include "ops/ops.h"

typedef struct op_timestep_embedding_desc {
    const tensor *timesteps; /* fp32 buffer; row r uses timesteps[t_index + r * t_stride] */
    uint32_t t_index;        /* e.g. 16 * step: sampler_step's timestep (ops/abi/sampler_step.h) */
    uint32_t t_stride;       /* 0: one timestep for every row (the CFG batch) */
    const tensor *out;       /* [N, dim], fp16 or fp32 */
    bool flip_sin_to_cos;
    float downscale_freq_shift;
    float scale;      /* 0 means 1 */
    float max_period; /* 0 means 10000 */
} op_timestep_embedding_desc;

void op_timestep_embedding_record(gpu_recorder *rec, const op_timestep_embedding_desc *desc);

#endif
