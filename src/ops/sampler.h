/* sampler.h — the elementwise work of a sampler step, fed by per-step scalars that the kernels
 * read from a small GPU buffer (struct sampler_scalars, shaders/common/sampler_scalars.glsl, whose
 * comment documents the formulas and how Euler, Euler ancestral, DDIM, DPM++ 2M and LCM map onto
 * them). A step is recorded once and replayed; the host rewrites the scalars between replays.
 *
 *   op_sampler_scale_input_record  x_in = c_in * x, written `copies` times (2 under CFG: the UNet
 *                                  batch [uncond; cond]); x fp32 [B, ...], x_in fp16 or fp32.
 *   op_sampler_step_record         CFG combine + denoised + x_next + prev_denoised update, fused.
 *   op_scale_shift_record          out = x * s[scale_index] + s[shift_index] (either index may be
 *                                  OP_SCALAR_NONE: scale 1 / shift 0); out may alias x.
 * Scalars: an fp32 tensor (host-visible buffer) whose offset is storage-aligned.
 */
#ifndef PIXEEN_OPS_SAMPLER_H
#define PIXEEN_OPS_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>

#include "ops/ops.h"
#include "../../shaders/common/sampler_scalars.glsl"

typedef struct sampler_scalars sampler_scalars;

_Static_assert(sizeof(sampler_scalars) == 64, "sampler_scalars must match the GLSL block (16 floats)");
_Static_assert(offsetof(sampler_scalars, d) == 32 && offsetof(sampler_scalars, shift) == 40,
               "sampler_scalars member offsets must be 4 * index, as in std430");

/* Float index of a member in the block, for op_scale_shift_record and the timestep embedding. */
#define SAMPLER_SCALAR_INDEX(member) ((uint32_t)(offsetof(sampler_scalars, member) / sizeof(float)))
#define OP_SCALAR_NONE UINT32_MAX

typedef struct op_sampler_step_desc {
    const tensor *scalars;       /* fp32, one sampler_scalars block (16 floats) */
    const tensor *model_out;     /* [2B, ...] as [uncond; cond] when cfg, else [B, ...]; fp16 or fp32 */
    bool cfg;                    /* combine u + g (c - u) */
    const tensor *x;             /* fp32 [B, ...], updated in place to x_next */
    const tensor *prev_denoised; /* fp32 [B, ...] read as prev and overwritten by denoised; may be NULL when c = 0 */
    const tensor *noise;         /* fp32 [B, ...]; NULL when d = 0 */
} op_sampler_step_desc;

void op_sampler_step_record(gpu_recorder *rec, const op_sampler_step_desc *desc);
void op_sampler_scale_input_record(gpu_recorder *rec, const tensor *scalars, const tensor *x, uint32_t copies,
                                   const tensor *x_in);
void op_scale_shift_record(gpu_recorder *rec, const tensor *scalars, uint32_t scale_index, uint32_t shift_index,
                           const tensor *x, const tensor *out);

#endif
