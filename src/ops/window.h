/* window.h — how many elements one dispatch of an elementwise operator may cover: within the
 * storage range (maxStorageBufferRange, 128 MiB on lavapipe) and the texel-buffer limit, whole
 * workgroups of 256, below 2^31 so shader indices stay in uint, with room for the alignment skip
 * of bind_range. Operators split larger tensors into windows of this many elements (or whole rows
 * within it). Internal to src/ops/. */
#ifndef PIXEEN_OPS_WINDOW_H
#define PIXEEN_OPS_WINDOW_H

#include "core/tensor.h"
#include "gpu/gpu.h"

static inline uint64_t window_elements_for(const gpu_context *ctx, uint32_t element_bytes) {
    const gpu_caps *caps = gpu_context_caps(ctx);
    uint64_t n = caps->max_storage_buffer_range / element_bytes - 1024; /* room for the alignment skip */
    if (n > (uint64_t)caps->max_texel_buffer_elements - 1024) n = (uint64_t)caps->max_texel_buffer_elements - 1024;
    if (n > (1ull << 31)) n = 1ull << 31;
    return n / 256 * 256;
}

/* Rows per invocation for kernels where an invocation owns one column of a chunk of rows (no
 * integer division per element, which lavapipe scalarises): 16 keeps dozens of workgroups at SD
 * shapes while amortising per-invocation setup; raised (kept even) only to respect the
 * 65535-workgroup limit of the y dimension. */
static inline uint32_t window_row_chunk(uint64_t rows) {
    uint64_t chunk = 16;
    if ((rows + chunk - 1) / chunk > 65535) chunk = ((rows + 65534) / 65535 + 1) / 2 * 2;
    return (uint32_t)chunk;
}

#endif
