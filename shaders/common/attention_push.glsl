// attention_push.glsl — push constants shared by attention_texel.comp and attention_tiled.comp
// (mirrored by struct attention_push in src/ops/attention.c). Offsets and strides of q, k and v are
// in texels (4 channels) for the texel kernel and in elements for the tiled one; out likewise
// (units of 4 elements in the texel kernel, which stores 4 channels at a time).
layout(push_constant) uniform Push {
    uint tq, tk, heads;
    uint q_stride, k_stride, v_stride, o_stride;
    uint q_off, k_off, v_off, o_off;
    float scale; // softmax scale * log2(e): the kernels use exp2
} p;
