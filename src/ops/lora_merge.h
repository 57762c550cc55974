/* lora_merge.h — merging a low-rank update into a weight on the GPU (shaders/lora_merge.comp):
 *   W [N, K] (fp16, in place) += scale * up [N, R] @ down [R, K]   (fp32 accumulation)
 * the operation behind LoRA (models/lora.h). `up` and `down` are fp32 texel operands (R32F). A
 * convolution weight is its [Cout, kh*kw*Cin] matrix in the GPU's NHWC kernel order; the caller
 * orders `down`'s columns the same way. Checked against ref_lora_merge (ops/reference_lora.h).
 * Entry point: op_lora_merge_record. */
#ifndef PIXEEN_OPS_LORA_MERGE_H
#define PIXEEN_OPS_LORA_MERGE_H

#include "ops/ops.h"

/* w: fp16, any rank, viewed as [n, k] (n * k == its element count); up: fp32 [n * rank] elements;
 * down: fp32 [rank * k] elements. Shapes that do not fit fail the recording. */
void op_lora_merge_record(gpu_recorder *rec, const tensor *w, int64_t n, int64_t k, int64_t rank, const tensor *up,
                          const tensor *down, float scale);

#endif
