#version 450
// tile_blend.comp — one decoded (or encoded) tile added into the fp32 whole output with its
// feathering weights:
//   out[y0 + v, x0 + u, c] += wy[v] * wx[u] * tile[v, u, c]      (one batch image, NHWC)
// wy and wx are the tile's normalized 1-D weights (src/pipeline/vae_tiling.c: linear ramps across
// each overlap, divided by their sum over the tiles covering that row or column), so the tiles'
// weights sum to exactly 1 at every pixel and the output needs no normalizing pass. The output is
// zeroed before the first tile; tiles are blended one after the other (the recorder orders them).
// Geometry: one invocation per tile element (th * tw * C), 256 per workgroup, split over x and y.
// Bindings: 0 tile (variant dtype), 1 weights (fp32 table), 2 out (fp32, a window of rows).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Tile { T tile[]; };
layout(std430, binding = 1) readonly buffer Weights { float weights[]; };
layout(std430, binding = 2) buffer Out { float dst[]; };
layout(push_constant) uniform Push {
    uint n;          // tile elements th * tw * C
    uint row;        // tw * C
    uint C;          // channels
    uint dst_row;    // W * C: elements of one output row
    uint dst_first;  // element index of (y0, x0, 0) in binding 2
    uint tile_first; // element index of the tile's first element in binding 0
    uint wy;         // index of wy[0] in the weight table
    uint wx;         // index of wx[0]
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint v = i / p.row, rest = i - v * p.row, u = rest / p.C;
    float w = weights[p.wy + v] * weights[p.wx + u];
    uint o = p.dst_first + v * p.dst_row + rest;
    dst[o] += w * float(tile[p.tile_first + i]);
}
