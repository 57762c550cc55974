// gemm_push.glsl — the push constants every matmul/conv2d kernel takes (mirrors struct gemm_push in
// src/ops/gemm.h). Offsets are in elements from the start of each binding (the host aligns the
// binding down to the device's offset alignment and passes the rest here).
layout(push_constant) uniform Push {
    uint M;       // GEMM rows in this window (matmul: rows of x; conv: output pixels)
    uint N;       // output columns (conv: Cout)
    uint K;       // matmul: reduction length; conv: Cin
    uint ntiles;  // column tiles: ceil(N / TN) (texel) or ceil(N / BN) (tiled)
    uint x_off, w_off, b_off, r_off, o_off;
    uint x_bs, w_bs, o_bs; // per-batch strides (gl_WorkGroupID.z is the batch; 0 when shared)
    uint H, W, Ho, Wo;     // conv: input and output spatial size
    uint g0;               // conv: global output image-row (b*Ho + oy) where this window starts
    uint in_row0;          // conv: global input image-row (b*H + iy) where the x binding starts
    uint geom;             // conv: kh | kw << 8 | stride << 16 | pad << 24 (GEOM_* below)
    uint flags;            // 1: add bias[n], 2: add residual (epilogue only: a push constant, not a
                           // specialization constant, so fewer pipelines are compiled)
} p;

// geom's fields, as gemm_dispatch packs them.
#define GEOM_KH (p.geom & 255u)
#define GEOM_KW ((p.geom >> 8) & 255u)
#define GEOM_STRIDE ((p.geom >> 16) & 255u)
#define GEOM_PAD (p.geom >> 24)
