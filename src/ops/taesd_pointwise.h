/* taesd_pointwise.h — the pointwise steps of TAESD (diffusers' AutoencoderTiny); out may alias x:
 *   OP_TAESD_RELU    y = max(x, 0)
 *   OP_TAESD_CLAMP   y = tanh(x / 3) * 3  (the decoder's input clamp)
 *   OP_TAESD_AFFINE  y = a * x + b        (the encoder's [-1, 1] -> [0, 1], the decoder's back)
 * op_taesd_pointwise_reference is the plain-C spec the tests compare with. */
#ifndef PIXEEN_OPS_TAESD_POINTWISE_H
#define PIXEEN_OPS_TAESD_POINTWISE_H

#include "ops/ops.h"

typedef enum op_taesd_mode { OP_TAESD_RELU = 0, OP_TAESD_CLAMP = 1, OP_TAESD_AFFINE = 2 } op_taesd_mode;

void op_taesd_pointwise_record(gpu_recorder *rec, op_taesd_mode mode, float a, float b, const tensor *x,
                               const tensor *out);

#endif
