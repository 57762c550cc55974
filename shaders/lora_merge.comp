#version 450
// lora_merge.comp — the last step of merging one LoRA module into a weight, in place:
//   W[i] = fp16( W[i] + scale * delta[i] )
// where delta = up @ down was computed in fp32 by the matrix-product kernels (ops/lora_merge.c),
// and `scale` is the user's weight * alpha / rank. W is rounded to fp16 once.
// Geometry: one invocation per element of W, 256 per workgroup (a multiple of every subgroup
// size), workgroups split over x and y (linear_group_index).
// Bindings: 0 W (fp16 storage, read and written), 1 delta (R32F texel buffer).
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_samplerless_texture_functions : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer W { float16_t w[]; };
layout(binding = 1) uniform textureBuffer delta;
layout(push_constant) uniform Push {
    uint n;       // elements of W
    float scale;  // weight * alpha / rank
    uint w_off;   // first element of W inside binding 0
    uint d_off;   // first texel of delta inside binding 1
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    w[p.w_off + i] = float16_t(float(w[p.w_off + i]) + p.scale * texelFetch(delta, int(p.d_off + i)).r);
}
