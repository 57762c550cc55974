/* conv2d_winograd.c — Winograd F(2x2, 3x3) and F(4x4, 3x3) convolution (see conv2d_winograd.h):
 * the weight, input and output transforms (shaders/conv2d_winograd_input.comp and its siblings for
 * F(2x2), shaders/conv2d_winograd4_input.comp and its siblings for F(4x4)) around the GEMM
 * family's batched matrix product, which does the multiplications (P batches of T x Cin by
 * Cin x Cout) with whichever tiling the device uses.
 *
 * Leaves out: strides and paddings other than 1, and F(6x6, 3x3) (its transform constants grow
 * further, where F(4x4)'s already cost 3-4x F(2x2)'s rounding error with fp16 kernels). A
 * convolution whose scratch would not fit SCRATCH_CAP runs in passes over consecutive tiles (the
 * transforms take the first tile t0). */
#include <stdlib.h>
#include <string.h>

#include "ops/bind.h"
#include "ops/common.h"
#include "ops/conv2d_winograd.h"
#include "ops/gemm.h"

/* Where it measured faster on lavapipe (`pixeen bench --filter winograd`, Mesa 22.3 and 25.0, see
 * the README's bench section; the transformed kernels made beforehand, as the weights' cache makes
 * them once per model). F(2x2) against the direct convolution: 2-3x at every SD shape from 32 tiles
 * up (the UNet's 8x8 level at batch 2), 1.16x at 8 tiles (4x4 at batch 2: not worth its kernels'
 * memory, 16/9 of the 1280-wide level's 3x3 kernels, about 1 GiB in fp16) and 0.5x for conv_in's
 * 4 input channels (the transforms cost more than K = 36 saves). F(4x4) against F(2x2): 1.4x at
 * 32 of its tiles with 640 output channels (the UNet's 16x16 level at batch 2), 1.1-1.7x from 64
 * tiles up (the UNet's 32x32 level, every VAE decoder level), 1.02x at 32 tiles with 1280 output
 * channels (those products are already efficient as F(2x2); F(4x4) would cost 36/16 of their
 * kernels' memory), 0.55x at 8 tiles (8x8 at batch 2: its products are too short for the
 * register blocks). */
#define MIN_TILES 32
#define MIN_TILES_F4 32
#define MAX_COUT_F4 640
#define MIN_CIN 64
/* The scratch v and m of one pass at most this many bytes each: a larger image (the VAE's 256- and
 * 128-channel convolutions at 256x256 and up) runs in several passes of whole tiles instead of
 * growing the activation arena (64 MiB: the VAE's 128-channel 256x256 convolution in one pass). */
#define SCRATCH_CAP ((uint64_t)64 << 20)

/* The largest byte range one binding of either kind may cover, less the alignment slack. Without a
 * device (a plan made before any GPU exists: tools/memory_plan.c, nn_program_plan) the smallest range
 * every Vulkan device offers: maxStorageBufferRange's required minimum, 2^27 bytes. */
static uint64_t binding_limit(const gpu_context *ctx) {
    if (!ctx) return ((uint64_t)1 << 27) - 256 - 16;
    const gpu_caps *caps = gpu_context_caps(ctx);
    uint64_t limit = caps->max_storage_buffer_range, texel = (uint64_t)caps->max_texel_buffer_elements * 2;
    if (texel < limit) limit = texel;
    uint64_t slack = caps->min_storage_offset_alignment > caps->min_texel_offset_alignment
                         ? caps->min_storage_offset_alignment
                         : caps->min_texel_offset_alignment;
    return limit > slack + 16 ? limit - slack - 16 : 0;
}

op_winograd_sizes op_conv2d_winograd_sizes(const gpu_context *ctx, op_winograd_tile tile, int64_t B, int64_t H,
                                           int64_t W, int64_t Cin, int64_t Cout, tensor_dtype act) {
    op_winograd_sizes s;
    int64_t edge = tile == OP_WINOGRAD_F4 ? 4 : 2;
    s.points = (int)op_winograd_points((op_winograd_tile)edge);
    bool f4 = tile == OP_WINOGRAD_F4;
    /* F(4x4)'s fp16 v: the packed GEMM's fetches carry 8 values where fp32 texels carry 4 (1.6x
     * the fp32 kernel's speed on Mesa 22's lavapipe, more on Mesa 25's, whose fetches are calls). */
    bool v_f16 = act == DTYPE_F16 && (!f4 || (ctx && op_matmul_widens(ctx, Cout, Cin, s.points)));
    s.v_dtype = v_f16 ? DTYPE_F16 : DTYPE_F32;
    s.m_dtype = f4 ? DTYPE_F32 : act;
    s.tiles = B * ((H + edge - 1) / edge) * ((W + edge - 1) / edge);
    uint64_t cap = binding_limit(ctx);
    if (cap > SCRATCH_CAP) cap = SCRATCH_CAP;
    uint64_t v_row = (uint64_t)Cin * dtype_size(s.v_dtype), m_row = (uint64_t)Cout * dtype_size(s.m_dtype);
    uint64_t per_tile = (uint64_t)s.points * (v_row > m_row ? v_row : m_row);
    int64_t most = per_tile ? (int64_t)(cap / per_tile) : s.tiles;
    s.chunk = s.tiles < most ? s.tiles : most < 1 ? 1 : most;
    s.u = s.points * Cout * Cin;
    s.v = s.points * s.chunk * Cin;
    s.m = s.points * s.chunk * Cout;
    return s;
}

bool op_conv2d_winograd_supported(const gpu_context *ctx, op_winograd_tile tile, int64_t B, int64_t H, int64_t W,
                                  int64_t Cin, int64_t Cout, tensor_dtype act, tensor_dtype w_dtype) {
    if (tile != OP_WINOGRAD_F2 && tile != OP_WINOGRAD_F4) return false;
    if (B <= 0 || H <= 0 || W <= 0 || Cin <= 0 || Cout <= 0 || Cin % 4 || Cout % 4) return false;
    if ((act != DTYPE_F16 && act != DTYPE_F32) || (w_dtype != DTYPE_F16 && w_dtype != DTYPE_F32)) return false;
    op_winograd_sizes s = op_conv2d_winograd_sizes(ctx, tile, B, H, W, Cin, Cout, act);
    uint64_t limit = binding_limit(ctx), es = dtype_size(act), wes = dtype_size(w_dtype);
    uint64_t pixels = (uint64_t)(B * H * W), widest = (uint64_t)(Cin > Cout ? Cin : Cout);
    return (uint64_t)s.v * dtype_size(s.v_dtype) <= limit && (uint64_t)s.m * dtype_size(s.m_dtype) <= limit &&
           (uint64_t)s.u * es <= limit &&
           (uint64_t)s.u / (uint64_t)s.points * 9 * wes <= limit && pixels * widest * es <= limit &&
           (uint64_t)s.tiles * widest / 4 < (1ull << 31);
}

/* The form the speed rule picks, whether or not it can run. */
static op_winograd_tile measured_faster(const gpu_context *ctx, int64_t B, int64_t H, int64_t W, int64_t Cin,
                                        int64_t Cout, tensor_dtype act) {
    if (Cin < MIN_CIN) return OP_WINOGRAD_NONE;
    if (Cout <= MAX_COUT_F4 && op_conv2d_winograd_sizes(ctx, OP_WINOGRAD_F4, B, H, W, Cin, Cout, act).tiles >= MIN_TILES_F4)
        return OP_WINOGRAD_F4;
    if (op_conv2d_winograd_sizes(ctx, OP_WINOGRAD_F2, B, H, W, Cin, Cout, act).tiles >= MIN_TILES) return OP_WINOGRAD_F2;
    return OP_WINOGRAD_NONE;
}

op_winograd_tile op_conv2d_winograd_wanted(const gpu_context *ctx, int64_t B, int64_t H, int64_t W, int64_t Cin,
                                           int64_t Cout, tensor_dtype act, tensor_dtype w_dtype) {
    gpu_winograd_choice choice = ctx ? gpu_context_tuning(ctx)->conv_winograd : GPU_WINOGRAD_AUTO;
#define CAN(tile) op_conv2d_winograd_supported(ctx, tile, B, H, W, Cin, Cout, act, w_dtype)
    switch (choice) {
    case GPU_WINOGRAD_OFF: return OP_WINOGRAD_NONE;
    case GPU_WINOGRAD_F2: return CAN(OP_WINOGRAD_F2) ? OP_WINOGRAD_F2 : OP_WINOGRAD_NONE;
    case GPU_WINOGRAD_F4: return CAN(OP_WINOGRAD_F4) ? OP_WINOGRAD_F4 : OP_WINOGRAD_NONE;
    case GPU_WINOGRAD_FORCED: { /* the rule's form where it picks one, else F(2x2) */
        op_winograd_tile t = measured_faster(ctx, B, H, W, Cin, Cout, act);
        if (t != OP_WINOGRAD_NONE && CAN(t)) return t;
        return CAN(OP_WINOGRAD_F2) ? OP_WINOGRAD_F2 : CAN(OP_WINOGRAD_F4) ? OP_WINOGRAD_F4 : OP_WINOGRAD_NONE;
    }
    case GPU_WINOGRAD_AUTO: break;
    }
    op_winograd_tile t = measured_faster(ctx, B, H, W, Cin, Cout, act);
    if (t == OP_WINOGRAD_F4 && !CAN(OP_WINOGRAD_F4)) t = OP_WINOGRAD_F2; /* F(2x2)'s scratch is smaller */
    return t != OP_WINOGRAD_NONE && CAN(t) ? t : OP_WINOGRAD_NONE;
#undef CAN
}

/* The weight and output transforms write U and the output as images (op_image4_kind): on lavapipe
 * the weight transform is 1.7x (Mesa 25) to 2.6x (Mesa 22) faster than with SSBO stores (`pixeen
 * bench --filter conv2d_winograd_weight`), the output transform's share of a 2-step profile
 * 2.3-2.5% against 2.7-3.7%. The input transform's share rose with an image V (4.7-5.9% against
 * 3.5-5.3%), so it keeps its SSBO stores. */

void op_conv2d_winograd_weight_record(gpu_recorder *rec, op_winograd_tile tile, const tensor *w, const tensor *u) {
    gpu_context *ctx = gpu_recorder_context(rec);
    int64_t points = op_winograd_points(tile);
    if ((tile != OP_WINOGRAD_F2 && tile != OP_WINOGRAD_F4) || w->rank != 4 || w->shape[1] != 3 || w->shape[2] != 3 ||
        w->shape[0] <= 0 || w->shape[3] % 4 || w->shape[3] <= 0 || (w->dtype != DTYPE_F16 && w->dtype != DTYPE_F32) ||
        (u->dtype != DTYPE_F16 && u->dtype != DTYPE_F32) || tensor_count(u) < points * w->shape[0] * w->shape[3]) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: winograd weight: form F(%dx%d), w [%lld %lld %lld %lld] (expected [Cout, 3, 3, Cin], "
                               "Cin %% 4 == 0) or u of %lld elements (expected %lld * Cout * Cin, fp16 or fp32)",
                               (int)tile, (int)tile, (long long)w->shape[0], (long long)w->shape[1],
                               (long long)w->shape[2], (long long)w->shape[3], (long long)tensor_count(u),
                               (long long)points));
        return;
    }
    int64_t Cout = w->shape[0], Cin = w->shape[3];
    uint32_t wes = dtype_size(w->dtype), wunit = 4 * wes, ues = dtype_size(u->dtype), uunit = 4 * ues;
    gpu_pipeline_desc desc = {.shader = tile == OP_WINOGRAD_F4 ? OP_SHADER(CONV2D_WINOGRAD4_WEIGHT, u->dtype)
                                                               : OP_SHADER(CONV2D_WINOGRAD_WEIGHT, u->dtype),
                              .binding_count = 2,
                              .bindings = {op_texel_kind(w->dtype, 4), op_image4_kind(u->dtype)},
                              .push_size = 16};
    gpu_pipeline *pipe = op_pipeline(rec, &desc);
    if (!pipe) return;
    uint64_t ws, us;
    gpu_binding b[2] = {
        bind_range(ctx, BIND_TEXEL, wunit, w->buffer, w->offset, (uint64_t)tensor_count(w) * wes, false, &ws),
        bind_range(ctx, BIND_TEXEL, uunit, u->buffer, u->offset, (uint64_t)points * Cout * Cin * ues, true, &us),
    };
    if (ws % wunit || us % uunit) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: winograd weight: w or u not aligned to 4 elements"));
        return;
    }
    struct { uint32_t c4, n, w_off, u_off; } push = {(uint32_t)(Cin / 4), (uint32_t)Cout, (uint32_t)(ws / wunit),
                                                     (uint32_t)(us / uunit)};
    op_dispatch_groups(rec, pipe, b, 2, &push, sizeof push, ((uint64_t)Cout * (uint64_t)(Cin / 4) + 63) / 64,
                       "conv2d_winograd_weight");
}

void op_conv2d_winograd_record(gpu_recorder *rec, op_winograd_tile tile, const tensor *x, const tensor *u,
                               const tensor *bias, const tensor *residual, const tensor *out, const tensor *v,
                               const tensor *m) {
    gpu_context *ctx = gpu_recorder_context(rec);
    if (x->rank != 4 || out->rank != 4 || (tile != OP_WINOGRAD_F2 && tile != OP_WINOGRAD_F4)) goto bad;
    int64_t B = x->shape[0], H = x->shape[1], W = x->shape[2], Cin = x->shape[3], Cout = out->shape[3];
    tensor_dtype act = x->dtype;
    op_winograd_sizes s = op_conv2d_winograd_sizes(ctx, tile, B, H, W, Cin, Cout, act);
    int64_t P = s.points;
    if (out->shape[0] != B || out->shape[1] != H || out->shape[2] != W || out->dtype != act ||
        !op_conv2d_winograd_supported(ctx, tile, B, H, W, Cin, Cout, act, u->dtype) || tensor_count(u) < s.u ||
        v->dtype != s.v_dtype || m->dtype != s.m_dtype || tensor_count(v) < P * Cin || tensor_count(m) < P * Cout ||
        (bias && tensor_count(bias) != Cout) ||
        (residual && (tensor_count(residual) != tensor_count(out) || residual->dtype != act)))
        goto bad;
    /* Tiles per pass: as many as the scratch given holds, at most the sizes' chunk (smaller scratch
     * means more passes: what the tests use to check passes at small sizes). */
    int64_t chunk = s.chunk;
    if (tensor_count(v) / (P * Cin) < chunk) chunk = tensor_count(v) / (P * Cin);
    if (tensor_count(m) / (P * Cout) < chunk) chunk = tensor_count(m) / (P * Cout);
    uint32_t es = dtype_size(act), unit = 4 * es, vunit = 4 * dtype_size(s.v_dtype), mes = dtype_size(s.m_dtype);
    uint32_t munit = 4 * mes;
    uint32_t edge = (uint32_t)tile, th = (uint32_t)((H + edge - 1) / edge), tw = (uint32_t)((W + edge - 1) / edge);
    bool f4 = tile == OP_WINOGRAD_F4;

    gpu_pipeline_desc idesc = {.shader = f4 ? OP_SHADER(CONV2D_WINOGRAD4_INPUT, s.v_dtype)
                                            : OP_SHADER(CONV2D_WINOGRAD_INPUT, act),
                               .binding_count = 2,
                               .bindings = {op_texel_kind(act, 4), GPU_BIND_STORAGE},
                               .push_size = 36};
    gpu_pipeline *ipipe = op_pipeline(rec, &idesc);
    if (!ipipe) return;
    gpu_pipeline_desc odesc = {.shader = f4 ? OP_SHADER(CONV2D_WINOGRAD4_OUTPUT, act)
                                            : OP_SHADER(CONV2D_WINOGRAD_OUTPUT, act),
                               .binding_count = 4,
                               .bindings = {op_texel_kind(s.m_dtype, 4),
                                            op_texel_kind(bias ? bias->dtype : DTYPE_F16, 1),
                                            op_texel_kind(act, 4), op_image4_kind(act)},
                               .push_size = 48};
    if (!bias) odesc.bindings[1] = op_texel_kind(s.m_dtype, 1);
    gpu_pipeline *opipe = op_pipeline(rec, &odesc);
    if (!opipe) return;

    /* The bindings every pass shares: x, bias, residual and out whole. */
    uint64_t xs, bs = 0, rs, os;
    uint64_t out_bytes = (uint64_t)tensor_count(out) * es;
    gpu_binding xb = bind_range(ctx, BIND_TEXEL, unit, x->buffer, x->offset, (uint64_t)tensor_count(x) * es, false, &xs);
    gpu_binding bb;
    if (bias) {
        uint32_t bes = dtype_size(bias->dtype);
        bb = bind_range(ctx, BIND_TEXEL, bes, bias->buffer, bias->offset, (uint64_t)Cout * bes, false, &bs);
        bs /= bes;
    } else { /* never read: any small range of m's dtype */
        bb = bind_range(ctx, BIND_TEXEL, mes, m->buffer, m->offset, mes, false, &bs);
        bs = 0;
    }
    const tensor *r = residual ? residual : x;
    gpu_binding rb = bind_range(ctx, BIND_TEXEL, unit, r->buffer, r->offset, residual ? out_bytes : unit, false, &rs);
    gpu_binding outb = bind_range(ctx, BIND_TEXEL, unit, out->buffer, out->offset, out_bytes, true, &os);
    if (xs % unit || rs % unit || os % unit) goto misaligned;

    for (int64_t t0 = 0; t0 < s.tiles; t0 += chunk) {
        uint32_t T = (uint32_t)(s.tiles - t0 < chunk ? s.tiles - t0 : chunk);

        /* V = B^T d B for tiles t0 .. t0 + T - 1 */
        uint64_t vs, ms;
        gpu_binding ib[2] = {xb, bind_range(ctx, BIND_STORAGE, vunit, v->buffer, v->offset,
                                            (uint64_t)P * T * Cin * dtype_size(s.v_dtype), true, &vs)};
        if (vs % vunit) goto misaligned;
        struct { uint32_t H, W, c4, th, tw, tiles, x_off, v_off, t0; } ipush = {
            (uint32_t)H, (uint32_t)W, (uint32_t)(Cin / 4), th, tw, T, (uint32_t)(xs / unit), (uint32_t)(vs / vunit),
            (uint32_t)t0};
        op_dispatch_groups(rec, ipipe, ib, 2, &ipush, sizeof ipush, ((uint64_t)T * (uint64_t)(Cin / 4) + 63) / 64,
                           "conv2d_winograd_input");

        /* M = V U^T: P batches, per-batch weights */
        tensor v3 = *v, u3 = *u, m3 = *m;
        v3.rank = u3.rank = m3.rank = 3;
        memcpy(v3.shape, (int64_t[3]){P, T, Cin}, sizeof(int64_t[3]));
        memcpy(u3.shape, (int64_t[3]){P, Cout, Cin}, sizeof(int64_t[3]));
        memcpy(m3.shape, (int64_t[3]){P, T, Cout}, sizeof(int64_t[3]));
        op_matmul_record(rec, &v3, &u3, NULL, NULL, &m3, NULL);

        /* Y = A^T M A + bias + residual */
        gpu_binding ob[4] = {bind_range(ctx, BIND_TEXEL, munit, m->buffer, m->offset,
                                        (uint64_t)P * T * Cout * mes, false, &ms),
                             bb, rb, outb};
        if (ms % munit) goto misaligned;
        struct { uint32_t H, W, n4, th, tw, tiles, m_off, b_off, r_off, o_off, flags, t0; } opush = {
            (uint32_t)H, (uint32_t)W, (uint32_t)(Cout / 4), th, tw, T, (uint32_t)(ms / munit), (uint32_t)bs,
            (uint32_t)(rs / unit), (uint32_t)(os / unit), (bias ? 1u : 0u) | (residual ? 2u : 0u), (uint32_t)t0};
        op_dispatch_groups(rec, opipe, ob, 4, &opush, sizeof opush, ((uint64_t)T * (uint64_t)(Cout / 4) + 63) / 64,
                           "conv2d_winograd_output");
    }
    return;
misaligned:
    op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                           "ops: winograd conv: x, v, m, residual or out does not start on a 4-element boundary"));
    return;
bad:
    op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                           "ops: winograd conv F(%dx%d): x [%lld %lld %lld %lld], out [%lld %lld %lld %lld], u/v/m of "
                           "%lld/%lld/%lld elements: shapes, dtypes or sizes do not fit a 3x3 stride-1 pad-1 convolution "
                           "with Cin and Cout multiples of 4 within one binding",
                           (int)tile, (int)tile, (long long)x->shape[0], (long long)x->shape[1], (long long)x->shape[2],
                           (long long)x->shape[3], (long long)out->shape[0], (long long)out->shape[1],
                           (long long)out->shape[2], (long long)out->shape[3], (long long)tensor_count(u),
                           (long long)tensor_count(v), (long long)tensor_count(m)));
}
