/* layout.h — data movement between the UNet's layers and the outside world's layouts:
 *
 *   op_upsample_nearest2x_record  x [B, H, W, C] -> out [B, Ho, Wo, C], out[b, y, x] = x[b, y/2, x/2], where
 *                                 Ho is 2H or 2H-1 and Wo is 2W or 2W-1: torch's nearest interpolation to
 *                                 that size (diffusers' UNet upsamples to the skip's size when the latent
 *                                 is not a multiple of 2^levels; stride-2 convolutions round up)
 *   op_concat_channels_record     a [B, H, W, C1] ++ b [B, H, W, C2] -> out [B, H, W, C1 + C2] (the UNet's
 *                                 skip connections; any rank, concatenated along the last dim)
 *   op_transpose_record           x [B, R, S] -> out [B, S, R]: NCHW -> NHWC is R = C, S = H*W; NHWC ->
 *                                 NCHW is R = H*W, S = C (the fixtures and .npy files are NCHW)
 * All keep the dtype (fp32 or fp16; a copy, so exact). Tensors over the storage range are split.
 * Leaves out: general permutes and interpolation other than nearest by 2 (cropped to odd sizes).
 */
#ifndef PIXEEN_OPS_LAYOUT_H
#define PIXEEN_OPS_LAYOUT_H

#include "ops/ops.h"

void op_upsample_nearest2x_record(gpu_recorder *rec, const tensor *x, const tensor *out);
void op_concat_channels_record(gpu_recorder *rec, const tensor *a, const tensor *b, const tensor *out);
/* batch, r, s as above; x and out hold batch*r*s elements each. */
void op_transpose_record(gpu_recorder *rec, const tensor *x, int64_t batch, int64_t r, int64_t s, const tensor *out);

#endif
