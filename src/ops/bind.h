/* bind.h — binding a tensor (or a strided slice of one) at an offset the device accepts.
 *
 * Storage and texel-buffer bindings must start at a multiple of the device's alignment
 * (minStorageBufferOffsetAlignment / minTexelBufferOffsetAlignment, 16 B on lavapipe, up to 256 B
 * elsewhere), but tensors such as the Q, K and V slices of a fused QKV buffer start anywhere. These
 * helpers bind from the offset rounded down to that alignment and return the element offset of
 * the tensor's first element inside the binding, which the shader adds to its indices. Internal to
 * src/ops/ (the operator families of attention.c, norm.c, activation.c, layout.c, sampler.c).
 */
#ifndef PIXEEN_OPS_BIND_H
#define PIXEEN_OPS_BIND_H

#include "gpu/gpu.h"

typedef enum bind_kind { BIND_STORAGE = 0, BIND_TEXEL = 1 } bind_kind;

/* Least common multiple of the device alignment and `unit` (the texel or element size), so the
 * rounded-down offset is whole texels. */
static inline uint64_t bind_alignment(const gpu_context *ctx, bind_kind kind, uint64_t unit) {
    const gpu_caps *caps = gpu_context_caps(ctx);
    uint64_t a = kind == BIND_TEXEL ? caps->min_texel_offset_alignment : caps->min_storage_offset_alignment;
    if (a == 0) a = 1;
    uint64_t x = a, y = unit;
    while (y) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return a / x * unit;
}

/* Binds bytes [offset, offset + bytes) of `buffer` from the aligned offset at or below `offset`;
 * *skip receives offset - aligned (bytes). */
static inline gpu_binding bind_range(const gpu_context *ctx, bind_kind kind, uint64_t unit, gpu_buffer *buffer,
                                     uint64_t offset, uint64_t bytes, bool write, uint64_t *skip) {
    uint64_t align = bind_alignment(ctx, kind, unit);
    uint64_t start = offset / align * align;
    *skip = offset - start;
    uint64_t size = *skip + bytes;
    if (kind == BIND_TEXEL) size = (size + unit - 1) / unit * unit;
    uint64_t room = gpu_buffer_size(buffer) - start;
    if (size > room) size = room / unit * unit; /* the last texel may be partial: it is never read */
    return (gpu_binding){buffer, start, size, write};
}

/* Binds `count` elements of `es` bytes from byte `offset` of `buffer` (from the aligned offset at
 * or below it) and returns in *first the element index of the first one inside the binding. The
 * size is rounded up to whole 32-bit words where the buffer has room (fp16 tensors). */
static inline gpu_binding bind_elements(const gpu_context *ctx, gpu_buffer *buffer, uint64_t offset, uint64_t count,
                                        uint32_t es, bool write, uint32_t *first) {
    uint64_t skip, bytes = (count * es + 3) / 4 * 4;
    gpu_binding b = bind_range(ctx, BIND_STORAGE, es, buffer, offset, bytes, write, &skip);
    *first = (uint32_t)(skip / es);
    return b;
}

#endif

