#version 450
// layout_upsample_nearest.comp — nearest upsampling of NHWC images by 2, to Ho x Wo output pixels
// where Ho is 2H or 2H - 1 (likewise Wo): output pixel (y, x) reads input pixel (y/2, x/2). That is
// torch's F.interpolate(mode="nearest", size=(Ho, Wo)) for these sizes (floor(y * H / Ho) = y / 2
// when Ho = 2H - 1), which diffusers' UNet uses when the latent is not a multiple of 2^levels: the
// up path then upsamples to the skip connection's size.
// Geometry: workgroups of 64; x = blocks of 64 output columns (of Wo*C), y = chunks of P input rows
// (input row r = b*H + y); an invocation owns one output column for P input rows, each written to
// output row 2y and, when 2y + 1 < Ho, 2y + 1. Its source column is computed once (no integer
// division per element: lavapipe scalarises it). Windows of whole input rows by the host.
// Bindings: 0 x (texel), 1 out (storage, T).
// With VEC4 (C a multiple of 4, aligned offsets) columns, channels and offsets are in units of 4
// elements: RGBA fetches and 4-wide stores (lavapipe's per-lane store runs once per 4).
// @variant _f32 -DV=float
// @variant _f16 -DV=float16_t
// @variant _vec4_f32 -DVEC4 -DV=vec4
// @variant _vec4_f16 -DVEC4 -DV=f16vec4
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_samplerless_texture_functions : require

layout(local_size_x = 64) in;
layout(binding = 0) uniform textureBuffer x;
layout(std430, binding = 1) writeonly buffer O { V o[]; };
layout(push_constant) uniform Push {
    uint rows;  // input rows in this window
    uint h;     // input height H
    uint ho;    // output height Ho (2H or 2H - 1)
    uint wc;    // input row: W * C units
    uint woc;   // output row: Wo * C units
    uint c;     // channels (units)
    uint x_off;
    uint o_off;
    uint y0;    // y of the window's first input row within its image
    uint chunk; // P: input rows per invocation
} p;

void main() {
    const uint c = p.c, woc = p.woc, wc = p.wc, h = p.h, ho = p.ho;
    const uint k = gl_WorkGroupID.x * 64 + gl_LocalInvocationID.x;
    if (k >= woc) return;
    const uint src_col = (k / c / 2) * c + k % c;
    const uint r0 = gl_WorkGroupID.y * p.chunk, r1 = min(r0 + p.chunk, p.rows);
    if (r0 >= r1) return;
    // the window's output rows start at its first input row's output row (2 * y0 of that image)
    uint y = (p.y0 + r0) % h;
    uint orow = (p.y0 + r0) / h * ho + 2 * y - 2 * p.y0;
    for (uint r = r0; r < r1; r++) {
#ifdef VEC4
        V v = V(texelFetch(x, int(p.x_off + r * wc + src_col)));
#else
        V v = V(texelFetch(x, int(p.x_off + r * wc + src_col)).x);
#endif
        o[p.o_off + orow * woc + k] = v;
        orow++;
        if (2 * y + 1 < ho) {
            o[p.o_off + orow * woc + k] = v;
            orow++;
        }
        y = y + 1 == h ? 0 : y + 1;
    }
}
