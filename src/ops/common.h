/* common.h — helpers the operator files share: failing a recording with a message, pipeline
 * lookup, and shaders by generated identifier with their dtype variant. Internal to src/ops/. */
#ifndef PIXEEN_OPS_COMMON_H
#define PIXEEN_OPS_COMMON_H

#include <stdio.h>

#include "gpu/shader_table.h"
#include "ops/ops.h"
#include "shader_ids.h" /* generated: build/shaders */

/* Records `status` (and its message, already set) on the recorder by recording nothing valid:
 * operators report shape errors this way so their signatures stay void, like vkCmd*. */
void op_fail(gpu_recorder *rec, pixeen_status status);

/* Gets the pipeline for shader `<stem><suffix>`; on failure fails the recording and returns NULL. */
gpu_pipeline *op_pipeline(gpu_recorder *rec, const gpu_pipeline_desc *desc);

static inline const char *dtype_suffix(tensor_dtype dtype) { return dtype == DTYPE_F16 ? "_f16" : "_f32"; }

/* Records `groups` workgroups of `pipeline`, split over x and y within the device's limits (the
 * shaders rebuild the flat index with linear_group_index()). */
void op_dispatch_groups(gpu_recorder *rec, gpu_pipeline *pipeline, const gpu_binding *bindings, uint32_t count,
                        const void *push, uint32_t push_size, uint64_t groups, const char *label);

/* Workgroups of 256 invocations covering `invocations`. */
static inline uint64_t op_groups_of_256(uint64_t invocations) { return (invocations + 255) / 256; }

/* Whether t fits one storage binding (maxStorageBufferRange); if not, fails the recording with a
 * message naming `op` and returns false. For operators that do not split into windows. */
bool op_fits_binding(gpu_recorder *rec, const tensor *t, const char *op);

/* The single-channel image kind a kernel writes `dtype` through, one value a texel: where its
 * output cannot be whole RGBA texels (gemm.c's out_as_image). */
static inline gpu_binding_kind op_image1_kind(tensor_dtype dtype) {
    return dtype == DTYPE_F16 ? GPU_BIND_IMAGE_F16 : GPU_BIND_IMAGE_F32;
}
/* The RGBA image (storage texel buffer) kind a kernel writes `dtype` through: one packed store per
 * lane on lavapipe, where an SSBO vector costs a loop over the lanes per component (gpu.h). */
static inline gpu_binding_kind op_image4_kind(tensor_dtype dtype) {
    return dtype == DTYPE_F16 ? GPU_BIND_IMAGE_F16X4 : GPU_BIND_IMAGE_F32X4;
}

/* The uniform texel buffer kind a kernel reads `dtype` through, `values` to a fetch: 1 (R), 4 (RGBA)
 * or 8 (fp16 pairs in RGBA32UI, unpacked in the kernel). */
static inline gpu_binding_kind op_texel_kind(tensor_dtype dtype, uint32_t values) {
    if (values == 8) return GPU_BIND_TEXEL_U32X4;
    if (values == 4) return dtype == DTYPE_F16 ? GPU_BIND_TEXEL_F16X4 : GPU_BIND_TEXEL_F32X4;
    return dtype == DTYPE_F16 ? GPU_BIND_TEXEL_F16 : GPU_BIND_TEXEL_F32;
}

/* A binding of a whole tensor. */
static inline gpu_binding op_bind(const tensor *t, bool write) {
    return (gpu_binding){t->buffer, t->offset, tensor_bytes(t), write};
}

/* Rows a 64-invocation workgroup owns in the one-subgroup-per-row kernels (softmax, layer_norm):
 * 64 / the largest subgroup size the driver may pick, at least 1. */
uint32_t op_rows_per_subgroup_group(gpu_recorder *rec);

/* "[2, 8, 12, 4]" into buf (for messages); returns buf. */
static inline const char *op_shape_text(const tensor *t, char *buf, size_t size) {
    size_t used = (size_t)snprintf(buf, size, "[");
    for (uint32_t i = 0; i < t->rank && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
    if (used < size) snprintf(buf + used, size - used, "]");
    return buf;
}

/* The module name of shader `id` (what gpu_pipeline_desc.shader takes). Shaders are named by the
 * identifiers cmake/Shaders.cmake generates (shader_ids.h), so a misspelt one does not compile. */
static inline const char *op_shader_name(shader_id id) { return shader_modules[id].name; }

/* The dtype variant of a shader: OP_SHADER(SOFTMAX, dtype) is "softmax_f16" for fp16, else
 * "softmax_f32". */
#define OP_SHADER(STEM, dtype) op_shader_name((dtype) == DTYPE_F16 ? SHADER_##STEM##_F16 : SHADER_##STEM##_F32)

#endif
