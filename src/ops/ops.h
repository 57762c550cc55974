/* ops.h — the operators: each records GPU work into a gpu_recorder and never submits.
 *
 * Each operator lives in one file (src/ops/<op>.c) with its shaders in shaders/<op>*.comp, a
 * plain-C reference ref_<op> in src/ops/reference_<op>.c, and cases in the registry
 * (src/bench/cases_*.c) that ctest checks and `pixeen bench` times; this header holds the
 * elementwise binary operator and the sum (references: reference_elementwise.h, reference_reduce.h). Operators take tensors (core/tensor.h) and check their shapes: a mismatch is an
 * internal error recorded on the recorder (sticky), reported at gpu_recorder_end().
 */
#ifndef PIXEEN_OPS_H
#define PIXEEN_OPS_H

#include "core/tensor.h"
#include "gpu/gpu.h"

typedef enum op_binary_kind { OP_BINARY_ADD = 0, OP_BINARY_MUL = 1 } op_binary_kind;

/* out = a OP b, b broadcast as b[(i / inner) % count(b)] (see shaders/binary.comp). a, b and out
 * have one dtype; out may alias a. Works on tensors larger than maxStorageBufferRange. */
void op_binary_record(gpu_recorder *rec, op_binary_kind kind, const tensor *a, const tensor *b, uint64_t inner,
                      const tensor *out);

/* Sum of all elements of x (fp32 accumulation) into out[0]. `out` is fp32 scratch of at least
 * op_reduce_sum_scratch(count(x)) elements; the final sum is element 0. */
void op_reduce_sum_record(gpu_recorder *rec, const tensor *x, const tensor *out);
uint64_t op_reduce_sum_scratch(uint64_t n);

#endif
