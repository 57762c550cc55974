#version 450
// tile_crop.comp — one tile of a tiled VAE pass cut out of the whole input, times a scale:
//   out[v, u, c] = scale * in[y0 + v, x0 + u, c]      (one batch image, NHWC)
// The decoder's tiles come from the fp32 latents (scale = 1 / scaling_factor), the encoder's from
// the fp32 picture (scale = 1), into the activation dtype. The caller binds the input rows
// [y0, y0 + th) of one batch image and passes the element offset of (y0, x0) inside that binding.
// Geometry: one invocation per tile element (th * tw * C), 256 per workgroup, split over x and y.
// Bindings: 0 in (fp32, a window of rows), 1 out (variant dtype, one batch image's tile).
// @variant _f32 -DT=float
// @variant _f16 -DT=float16_t
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"

layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer I { float src[]; };
layout(std430, binding = 1) writeonly buffer O { T dst[]; };
layout(push_constant) uniform Push {
    uint n;         // tile elements th * tw * C
    uint row;       // tw * C: elements of one tile row
    uint src_row;   // W * C: elements of one input row
    uint src_first; // element index of (y0, x0, 0) in binding 0
    uint dst_first; // element index of the tile's first element in binding 1
    float scale;
} p;

void main() {
    uint i = linear_group_index() * 256 + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    uint v = i / p.row, rest = i - v * p.row;
    dst[p.dst_first + i] = T(p.scale * src[p.src_first + v * p.src_row + rest]);
}
