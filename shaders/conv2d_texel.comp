#version 450
// conv2d_texel.comp — NHWC 2-D convolution as an implicit GEMM, register-blocked tiling fed by
// uniform texel buffers (the lavapipe path). The body, geometry, bindings and specialization
// constants are documented in common/gemm_texel.glsl; push constants in common/gemm_push.glsl.
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
// @variant _img_f32 -DT=float -DOUT_IMAGE -DOUT_FORMAT=rgba32f
// @variant _img_f16 -DT=float16_t -DOUT_IMAGE -DOUT_FORMAT=rgba16f -DROUND_F16
// @variant _f16_packed -DT=float16_t -DPACKED
// @variant _f16_packed_img -DT=float16_t -DPACKED -DOUT_IMAGE -DOUT_FORMAT=rgba16f -DROUND_F16
// @variant _f16_packed_img1 -DT=float16_t -DPACKED -DOUT_IMAGE1 -DOUT_FORMAT=r16f -DROUND_F16
// @variant _f16_packed_shared -DT=float16_t -DPACKED -DSHARED_ROWS
// @variant _f16_packed_shared_img -DT=float16_t -DPACKED -DSHARED_ROWS -DOUT_IMAGE -DOUT_FORMAT=rgba16f -DROUND_F16
#extension GL_GOOGLE_include_directive : require
#define CONV 1
#include "gemm_texel.glsl"
