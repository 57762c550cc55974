#version 450
// timestep_embedding.comp — sinusoidal timestep embedding (diffusers' get_timestep_embedding; see
// src/ops/timestep_embedding.h). One invocation per output element of out [N, dim], 256 per workgroup.
// The argument t*freq is formed in fp32 exactly as torch does; it is then reduced modulo 2*pi
// (Cody-Waite, two constants) before sin/cos, because GPU sin/cos lose accuracy far from zero and
// SD's arguments reach 1000. Bindings: 0 timesteps (storage fp32), 1 out (storage, T).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer TS { float ts[]; };
layout(std430, binding = 1) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n;          // N * dim
    uint dim;
    uint t_index, t_stride;
    uint flip;       // 1: [cos, sin]
    float log_max;   // ln(max_period)
    float denom;     // half - downscale_freq_shift
    float scale;
    uint o_off;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint r = i / p.dim, j = i - r * p.dim, half_dim = p.dim / 2;
    float v = 0.0; // odd dim: trailing zero
    if (j < 2 * half_dim) {
        bool second = j >= half_dim;
        uint k = second ? j - half_dim : j;
        float freq = exp(-p.log_max * float(k) / p.denom);
        float arg = ts[p.t_index + r * p.t_stride] * freq * p.scale;
        float q = round(arg * 0.15915494309189535);          // arg / (2 pi)
        float red = (arg - q * 6.28125) - q * 0.0019353071795864769; // 2 pi = 6.28125 + 0.00193530717958647
        bool use_cos = second != (p.flip != 0u);
        v = use_cos ? cos(red) : sin(red);
    }
    o[p.o_off + i] = T(v);
}
