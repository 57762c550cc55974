#version 450
// matmul_texel.comp — linear layer / batched matmul, register-blocked tiling fed by
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
// fp16 operands, fp32 out (the Winograd F(4x4) products: src/ops/conv2d_winograd.c)
// @variant _f16_packed_out_f32 -DT=float -DPACKED
// @variant _f16_packed_out_f32_img -DT=float -DPACKED -DOUT_IMAGE -DOUT_FORMAT=rgba32f
// @variant _f16_packed_out_f32_shared -DT=float -DPACKED -DSHARED_ROWS
// @variant _f16_packed_out_f32_shared_img -DT=float -DPACKED -DSHARED_ROWS -DOUT_IMAGE -DOUT_FORMAT=rgba32f
#extension GL_GOOGLE_include_directive : require

#include "gemm_texel.glsl"
