/* spirv_reflect.h — the one fact the GPU layer reads from embedded SPIR-V: the size of a compute
 * shader's push-constant block, so a pipeline whose push_size disagrees with its shader fails at
 * creation with both numbers instead of reading garbage (gpu_pipeline_get checks it). The block's
 * size is max(member offset + member size) over its members; members are 32-bit scalars,
 * vectors or arrays of them. */
#ifndef PIXEEN_GPU_SPIRV_REFLECT_H
#define PIXEEN_GPU_SPIRV_REFLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* *size = the push-constant block's bytes (0: the shader has none). Returns false when the module
 * cannot be read this way (malformed, or a member type other than scalars, vectors and arrays). */
bool spirv_push_constant_size(const uint32_t *code, size_t bytes, uint32_t *size);

#endif
