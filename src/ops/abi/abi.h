/* abi.h — lets one header declare what C and GLSL must agree on (a struct read from a buffer, a
 * push-constant block) once, for both compilers. glslang defines GL_core_profile; C compilers do not.
 *
 *   abi_uint / abi_float           a 4-byte field (uint32_t / float; GLSL uint / float)
 *   ABI_PUSH_BEGIN(name) { ... } ABI_PUSH_END(name)
 *       C: typedef struct name { ... } name;   GLSL: layout(push_constant) uniform name { ... } p;
 *
 * Only 4-byte scalar fields are used, so the C layout and GLSL's std430 / push-constant layout are
 * the same (no vec3 padding rules). Each header states its size (NAME_SIZE) and C checks it with a
 * static assert (ABI_SIZE_CHECK, written without a semicolon: it expands to nothing in GLSL); the GPU layer checks every pipeline's push-constant size against the SPIR-V
 * (gpu/spirv_reflect.c), so the shader side is checked too. */
#ifndef PIXEEN_OPS_ABI_H
#define PIXEEN_OPS_ABI_H

#ifdef GL_core_profile
#define abi_uint uint
#define abi_float float
#define ABI_PUSH_BEGIN(name) layout(push_constant) uniform name
#define ABI_PUSH_END(name) p;
#define ABI_SIZE_CHECK(type, size)
#else
#include <stdint.h>
#define abi_uint uint32_t
#define abi_float float
#define ABI_PUSH_BEGIN(name) typedef struct name
#define ABI_PUSH_END(name) name;
#define ABI_SIZE_CHECK(type, size) _Static_assert(sizeof(type) == (size), #type " must be " #size " bytes, as the shaders read it");
#endif

#endif
