/* activation.h — pointwise activations and GEGLU, fp32 arithmetic in every dtype variant.
 *
 *   op_activation_record  out = f(x) elementwise; out may alias x (same shape and dtype):
 *                         SiLU x*sigmoid(x); GELU tanh form 0.5x(1+tanh(sqrt(2/pi)(x+0.044715x^3)));
 *                         GELU erf form 0.5x(1+erf(x/sqrt 2)) (torch's default); quick-GELU
 *                         x*sigmoid(1.702x) (CLIP).
 *   op_geglu_record       x [.., 2F] -> out [.., F]: out = a * gelu(gate) with a = x[.., :F] and
 *                         gate = x[.., F:], diffusers' order (hidden, gate = proj(x).chunk(2)).
 * Elementwise add/mul with broadcasting is op_binary_record (ops.h). Tensors over the storage range
 * are split into windows.
 */
#ifndef PIXEEN_OPS_ACTIVATION_H
#define PIXEEN_OPS_ACTIVATION_H

#include "ops/ops.h"

typedef enum op_activation_kind {
    OP_ACT_SILU = 0,
    OP_ACT_GELU_TANH = 1,
    OP_ACT_GELU_ERF = 2,
    OP_ACT_QUICK_GELU = 3,
} op_activation_kind;

void op_activation_record(gpu_recorder *rec, op_activation_kind kind, const tensor *x, const tensor *out);
/* gelu: OP_ACT_GELU_ERF (diffusers' GEGLU uses F.gelu, the erf form) or OP_ACT_GELU_TANH. */
void op_geglu_record(gpu_recorder *rec, op_activation_kind gelu, const tensor *x, const tensor *out);

#endif
