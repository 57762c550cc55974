#version 450
// bench_fma.comp — the device's arithmetic ceiling for `pixeen bench` (like vkpeak): every
// invocation runs ACC = 8 independent multiply-add chains x = x * a + b, unrolled 4 times per loop
// iteration, so one invocation issues 32 multiply-adds (64 flops per component) per iteration
// with no dependency between consecutive instructions. Eight chains cover the latency of a
// multiply-add unit (4-6 cycles with 1-2 units per lane on current GPUs and CPUs); the thousands
// of workgroups the host dispatches fill every compute unit.
//   a = p.a, b = p.b come from push constants so nothing folds at compile time; with a < 1 the
//   chains converge to b / (1 - a) (no overflow, no denormals in fp16 or fp32).
//   The sum of the chains is stored so the work is not dead code.
// Variants: scalar and vector types per precision; the host keeps the best of each precision
// (packed f16vec2 is what reaches fp16 peak on GPUs with packed half math; on lavapipe fp32
// scalar and vec4 measure within noise of each other, and fp16 is emulated, ~10x slower).
// On lavapipe (Mesa 22.3) the JIT emits a multiply and an add per fma(), not a fused instruction.
// Geometry: 256 invocations per workgroup, workgroups over x and y (linear_group_index).
// Bindings: 0 out (write, one float per invocation). Push: iters (loop count), a, b.
// Defines: T the chain type, S its scalar type, N its component count.
// @variant _f32 -DT=float -DS=float -DN=1
// @variant _f32x4 -DT=vec4 -DS=float -DN=4
// @variant _f16 -DT=float16_t -DS=float16_t -DN=1
// @variant _f16x2 -DT=f16vec2 -DS=float16_t -DN=2
// @variant _f16x4 -DT=f16vec4 -DS=float16_t -DN=4
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) writeonly buffer O { float o[]; };
layout(push_constant) uniform Push {
    uint iters;
    float a;
    float b;
} p;

#define STEP                \
    x0 = fma(x0, a, b);     \
    x1 = fma(x1, a, b);     \
    x2 = fma(x2, a, b);     \
    x3 = fma(x3, a, b);     \
    x4 = fma(x4, a, b);     \
    x5 = fma(x5, a, b);     \
    x6 = fma(x6, a, b);     \
    x7 = fma(x7, a, b);

void main() {
    uint iters = p.iters; // a local copy: lavapipe re-reads push constants in loop conditions
    T a = T(S(p.a)), b = T(S(p.b));
    T x0 = T(S(float(gl_LocalInvocationID.x) * (1.0 / 256.0)));
    T x1 = x0 + T(S(0.125)), x2 = x0 + T(S(0.25)), x3 = x0 + T(S(0.375));
    T x4 = x0 + T(S(0.5)), x5 = x0 + T(S(0.625)), x6 = x0 + T(S(0.75)), x7 = x0 + T(S(0.875));
    for (uint i = 0; i < iters; i++) {
        STEP
        STEP
        STEP
        STEP
    }
    T s = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
#if N == 1
    float total = float(s);
#else
    float total = 0.0;
    for (int k = 0; k < N; k++) total += float(s[k]);
#endif
    o[linear_group_index() * 256 + gl_LocalInvocationID.x] = total;
}
