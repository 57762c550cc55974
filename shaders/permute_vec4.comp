#version 450
// permute_vec4.comp — permute.comp four output elements at a time, where the output's last dim is a
// multiple of 4: the input read through a texel buffer (lavapipe's vectorised fetch, where an SSBO
// load loops over the lanes), the output written as an RGBA image (one packed store per lane).
// ROWS: the output's last dim runs along the input's (stride 1, every other stride and the offset
// whole texels: splitting heads [B, T, H, D] -> [B, H, T, D] and merging them back), so four
// outputs are one RGBA texel fetch; else four scalar fetches (-> [B, H, D, T], the transposed
// values of the explicit attention).
// Geometry: one invocation per output row (all of the output's last dim, quads3 quads), 64 rows per
// workgroup, split over x and y: the row's coordinates take three integer divisions, which
// lavapipe runs lane by lane (one row per quad took 2.5x as long).
// Bindings: 0 in (texel R, or RGBA with ROWS), 1 out (image RGBA of the variant's dtype).
// @variant _f32 -DO_FORMAT=rgba32f
// @variant _f16 -DO_FORMAT=rgba16f -DROUND_F16
// @variant _rows_f32 -DO_FORMAT=rgba32f -DROWS
// @variant _rows_f16 -DO_FORMAT=rgba16f -DROUND_F16 -DROWS
#extension GL_EXT_samplerless_texture_functions : require
#extension GL_GOOGLE_include_directive : require
#include "linear_index.glsl"
#include "round_f16.glsl"

layout(local_size_x = 64) in;
layout(binding = 0) uniform textureBuffer src;
layout(O_FORMAT, binding = 1) uniform writeonly imageBuffer dst;
layout(push_constant) uniform Push {
    uint rows;                               // output elements / the last dim
    uint shape1, shape2, quads3;             // output dims 1 and 2, and dim 3 / 4
    uint stride0, stride1, stride2, stride3; // input stride of each output dim (texels with ROWS)
    uint in_off, out_off;                    // texels from the start of each binding
    float scale;
} p;

void main() {
    uint r = linear_group_index() * 64 + gl_LocalInvocationID.x;
    if (r >= p.rows) return;
    const uint quads3 = p.quads3;
    const float scale = p.scale;
    uint i2 = r % p.shape2, r1 = r / p.shape2;
    uint i1 = r1 % p.shape1, i0 = r1 / p.shape1;
    int at = int(p.in_off + i0 * p.stride0 + i1 * p.stride1 + i2 * p.stride2);
    int o = int(p.out_off + r * quads3);
#ifdef ROWS
    for (int i3 = 0; i3 < int(quads3); i3++) imageStore(dst, o + i3, ROUNDED(texelFetch(src, at + i3) * scale));
#else
    const int s3 = int(p.stride3);
    for (int i3 = 0; i3 < int(quads3); i3++, at += 4 * s3) {
        vec4 v = vec4(texelFetch(src, at).x, texelFetch(src, at + s3).x, texelFetch(src, at + 2 * s3).x,
                      texelFetch(src, at + 3 * s3).x);
        imageStore(dst, o + i3, ROUNDED(v * scale));
    }
#endif
}
