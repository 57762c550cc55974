/* layout.h — data movement between the UNet's layers and the outside world's layouts:
 *
 *   op_upsample_nearest2x_record  x [B, H, W, C] -> out [B, 2H, 2W, C], out[b, y, x] = x[b, y/2, x/2]
 *   op_concat_channels_record     a [B, H, W, C1] ++ b [B, H, W, C2] -> out [B, H, W, C1 + C2] (the UNet's
 *                                 skip connections; any rank, concatenated along the last dim)
 *   op_transpose_record           x [B, R, S] -> out [B, S, R]: NCHW -> NHWC is R = C, S = H*W; NHWC ->
 *                                 NCHW is R = H*W, S = C (the fixtures and .npy files are NCHW)
 * All keep the dtype (fp32 or fp16; a copy, so exact). Tensors over the storage range are split.
 * Leaves out: general permutes and interpolation other than nearest 2x.
 */
#ifndef PIXEEN_OPS_LAYOUT_H
#define PIXEEN_OPS_LAYOUT_H

#include "ops/ops.h"

void op_upsample_nearest2x_record(gpu_recorder *rec, const tensor *x, const tensor *out);
void op_concat_channels_record(gpu_recorder *rec, const tensor *a, const tensor *b, const tensor *out);
/* batch, r, s as above; x and out hold batch*r*s elements each. */
void op_transpose_record(gpu_recorder *rec, const tensor *x, int64_t batch, int64_t r, int64_t s, const tensor *out);

#endif
