#version 450
// latent_sample.comp — the VAE encoder's latent sample (diffusers' DiagonalGaussianDistribution
// .sample() times the VAE's scaling factor), in fp32:
//   out[i] = scale * (mean + exp(0.5 * clamp(logvar, -30, 20)) * noise)
// moments [1, h, w, 2C] NHWC: channels [0, C) are the mean, [C, 2C) the log-variance (diffusers
// chunks the encoder's 2C output channels in that order). noise: fp32 [1, h, w, C]; out: fp32
// [B, h, w, C]: the one image's sample repeated over the batch (as diffusers repeats the image
// latents for several images per prompt), so element i reads image element i % per.
// Geometry: one invocation per output element, 256 per workgroup, split over x and y.
// Bindings: 0 moments (variant dtype), 1 noise (fp32), 2 out (fp32).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer M { T moments[]; };
layout(std430, binding = 1) readonly buffer N { float noise[]; };
layout(std430, binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform Push {
    uint n;     // output elements (B * per)
    uint per;   // elements of one image's latents (h * w * C)
    uint C;     // latent channels
    float scale;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint j = i % p.per, pixel = j / p.C, c = j % p.C;
    float mean = float(moments[pixel * 2u * p.C + c]);
    float logvar = clamp(float(moments[pixel * 2u * p.C + p.C + c]), -30.0, 20.0);
    o[i] = p.scale * (mean + exp(0.5 * logvar) * noise[j]);
}
