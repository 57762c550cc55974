#version 450
// matmul_texel.comp — linear layer / batched matmul, register-blocked tiling fed by
// uniform texel buffers (the lavapipe path). The body, geometry, bindings and specialization
// constants are documented in common/gemm_texel.glsl; push constants in common/gemm_push.glsl.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
// @variant _f16_packed -DT=float16_t -DPACKED
#extension GL_GOOGLE_include_directive : require

#include "gemm_texel.glsl"
