#version 450
// lora_merge.comp — merges one LoRA module into a weight, in place:
//   W[n, k] = fp16( W[n, k] + scale * sum_j up[n, j] * down[j, k] )
// with the rank-R product accumulated in fp32 (j ascending, as the plain-C reference
// ref_lora_merge) and W rounded to fp16 once. `scale` is the user's weight * alpha / rank.
// Geometry: one invocation per element of W, 256 per workgroup (a multiple of every subgroup
// size), workgroups split over x and y (linear_group_index).
// Bindings: 0 W (fp16 [N, K] storage, read and written), 1 up (R32F texel buffer [N, R]),
// 2 down (R32F texel buffer [R, K]). For a 3x3 convolution K = kh*kw*Cin in the order the weight
// is stored on the GPU ([Cout, kh, kw, Cin]); the host reorders `down` the same way.
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_samplerless_texture_functions : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer W { float16_t w[]; };
layout(binding = 1) uniform textureBuffer up;
layout(binding = 2) uniform textureBuffer down;
layout(push_constant) uniform Push {
    uint n;        // rows of W (N)
    uint k;        // columns of W (K)
    uint rank;     // R
    float scale;   // weight * alpha / rank
    uint w_off;    // first element of W inside binding 0
    uint up_off;   // first texel of up inside binding 1
    uint down_off; // first texel of down inside binding 2
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    uint K = p.k, R = p.rank; // locals: a push constant read in a loop is re-gathered on lavapipe
    if (i >= p.n * K) return;
    uint row = i / K, col = i % K;
    int u = int(p.up_off + row * R), d = int(p.down_off + col);
    float acc = 0.0;
    for (uint j = 0; j < R; j++) acc += texelFetch(up, u + int(j)).r * texelFetch(down, d + int(j * K)).r;
    w[p.w_off + i] = float16_t(float(w[p.w_off + i]) + p.scale * acc);
}
