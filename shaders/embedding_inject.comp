#version 450
// embedding_inject.comp — textual inversion: where side_index[b, t] >= 0, the token embedding of
// that position becomes a side-table row: out[b, t, :] = side[side_index[b, t], :] (+ pos[t, :]);
// other positions keep what the embedding kernel wrote. The arithmetic is token_embedding.comp's
// (fp16 operands widened to fp32, added once, rounded to the output type), so a side row equal to
// a vocabulary row gives the same bits as the token itself.
// Geometry: one invocation per output element, 256 per workgroup, split over x and y.
// Bindings: 0 side_index (int32 [B*T]), 1 side (fp16 [S, D]), 2 pos (fp16 [T, D]),
// 3 out ([B*T, D], variant dtype, read-write). An index >= S is ignored (the host checks them).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Index { int side_index[]; };
layout(std430, binding = 1) readonly buffer Side { float16_t side[]; };
layout(std430, binding = 2) readonly buffer Pos { float16_t pos[]; };
layout(std430, binding = 3) buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n;     // B*T*D
    uint d;     // D
    uint t;     // T
    uint rows;  // S
    uint has_pos;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint row = i / p.d, col = i % p.d;
    int s = side_index[row];
    if (s < 0 || uint(s) >= p.rows) return;
    float v = float(side[uint(s) * p.d + col]);
    if (p.has_pos != 0) v += float(pos[(row % p.t) * p.d + col]);
    o[i] = T(v);
}
