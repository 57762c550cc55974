#version 450
// token_embedding.comp — out[b, t, :] = table[ids[b, t], :] (+ pos[t, :]): the CLIP token and position
// embeddings. Geometry: one invocation per output element, 256 per workgroup, workgroups split
// over x and y. Bindings: 0 ids (int32 [B*T]), 1 table (fp16 [V, D]), 2 pos (fp16 [T, D]),
// 3 out ([B*T, D], variant dtype). An id outside [0, V) reads row 0 (ids come from our own
// tokenizer; the guard only keeps a bad id from reading out of bounds).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Ids { int ids[]; };
layout(std430, binding = 1) readonly buffer Table { float16_t table[]; };
layout(std430, binding = 2) readonly buffer Pos { float16_t pos[]; };
layout(std430, binding = 3) writeonly buffer O { T o[]; };
layout(push_constant) uniform Push {
    uint n;     // B*T*D
    uint d;     // D
    uint t;     // T
    uint vocab; // V
    uint has_pos;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint row = i / p.d, col = i % p.d;
    int id = ids[row];
    uint r = (id >= 0 && uint(id) < p.vocab) ? uint(id) : 0u;
    float v = float(table[r * p.d + col]);
    if (p.has_pos != 0) v += float(pos[(row % p.t) * p.d + col]);
    o[i] = T(v);
}
