#version 450
// matmul_tiled.comp — linear layer / batched matmul, shared-memory tiling with
// register blocking (the path for real GPUs). The body, geometry, bindings and specialization
// constants are documented in common/gemm_tiled.glsl; push constants in common/gemm_push.glsl.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_GOOGLE_include_directive : require

#include "gemm_tiled.glsl"
