/* reference_lora_merge.h — plain-C reference of op_lora_merge_record (ops/lora_merge.h). */
#ifndef PIXEEN_OPS_REFERENCE_LORA_MERGE_H
#define PIXEEN_OPS_REFERENCE_LORA_MERGE_H

#include <stdint.h>

/* w [n, k] (fp16 bits, in place) = fp16(w + scale * sum_j up[i, j] * down[j, c]), the sum in fp32
 * with j ascending (the shader's order). */
void ref_lora_merge(uint16_t *w, int64_t n, int64_t k, int64_t rank, const float *up, const float *down, float scale);

#endif
