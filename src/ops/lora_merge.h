/* lora_merge.h — merging a low-rank update into a weight on the GPU:
 *   W [N, K] (fp16, in place) += scale * up [N, R] @ down [R, K]
 * the operation behind LoRA (models/lora.h). The product runs on the matrix-product kernels
 * (ops/gemm.h: fp32 operands, fp32 accumulation, 50 GFLOP/s-class on lavapipe instead of a
 * per-element loop's 0.2) into an fp32 scratch `delta`, then shaders/lora_merge.comp adds
 * scale * delta to W and rounds once to fp16. A convolution weight is its [Cout, kh*kw*Cin] matrix
 * in the GPU's NHWC kernel order; the caller orders `down`'s columns the same way. Checked against
 * ref_lora_merge (ops/reference_lora_merge.h). Entry point: op_lora_merge_record. */
#ifndef PIXEEN_OPS_LORA_MERGE_H
#define PIXEEN_OPS_LORA_MERGE_H

#include "ops/ops.h"

/* w: fp16, any rank, viewed as [n, k] (n * k == its element count); up: fp32, n * rank elements
 * ([n, rank]); down_t: fp32, k * rank elements — `down` TRANSPOSED ([k, rank], the GEMM's weight
 * layout); delta: fp32 scratch of at least n * k elements. Shapes that do not fit fail the
 * recording. */
void op_lora_merge_record(gpu_recorder *rec, const tensor *w, int64_t n, int64_t k, int64_t rank, const tensor *up,
                          const tensor *down_t, const tensor *delta, float scale);

#endif
