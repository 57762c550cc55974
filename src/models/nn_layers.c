/* nn_layers.c — the nn_* layers that wrap the matrix-product, convolution and attention operators
 * (src/ops/gemm.h, src/ops/attention.h) and the support operators (src/ops/token_embedding.h, softmax.h, permute.h).
 * In the planning pass (g->rec == NULL) a layer only allocates its output. */
#include <math.h>
#include <string.h>

#include "models/nn.h"
#include "ops/attention.h"
#include "ops/conv2d_winograd.h"
#include "ops/embedding_inject.h"
#include "ops/gemm.h"
#include "ops/permute.h"
#include "ops/softmax.h"
#include "ops/token_embedding.h"

static bool recording(const nn_graph *g) { return g->rec != NULL && g->status == PIXEEN_OK; }

tensor nn_linear(nn_graph *g, const tensor *x, const char *prefix, const tensor *residual) {
    int64_t K = x->shape[x->rank - 1];
    /* a 1x1 convolution kernel [N, K, 1, 1] (proj_in/out of SD 1.x) is the same matrix as [N, K] */
    const tensor *stored = nn_weight_find(g, prefix, "weight");
    tensor w = stored && stored->rank == 4 ? nn_weight_get(g, prefix, "weight", 4, (const int64_t[]){-1, K, 1, 1})
                                           : nn_weight_get(g, prefix, "weight", 2, (const int64_t[]){-1, K});
    tensor empty = {0};
    if (g->status != PIXEEN_OK) return empty;
    int64_t N = w.shape[0];
    w = nn_view(w, 2, (const int64_t[]){N, K});
    tensor bias = {0};
    bool has_bias = nn_weight_has(g, prefix, "bias");
    if (has_bias) bias = nn_weight_get(g, prefix, "bias", 1, (const int64_t[]){N});
    int64_t M = tensor_count(x) / K;
    int64_t shape[TENSOR_MAX_RANK];
    memcpy(shape, x->shape, sizeof shape);
    shape[x->rank - 1] = N;
    tensor out = nn_alloc(g, x->rank, shape);
    if (!g->rec) g->flops += 2.0 * (double)M * (double)N * (double)K;
    if (recording(g)) {
        tensor x2 = nn_view(*x, 2, (const int64_t[]){M, K});
        tensor o2 = nn_view(out, 2, (const int64_t[]){M, N});
        tensor r2 = residual ? nn_view(*residual, 2, (const int64_t[]){M, N}) : empty;
        op_matmul_record(g->rec, &x2, &w, has_bias ? &bias : NULL, residual ? &r2 : NULL, &o2, NULL);
    }
    return out;
}

tensor nn_conv2d(nn_graph *g, const tensor *x, const char *prefix, int stride, const tensor *residual) {
    int64_t B = x->shape[0], H = x->shape[1], W = x->shape[2], Cin = x->shape[3];
    tensor w = nn_weight_get(g, prefix, "weight", 4, (const int64_t[]){-1, Cin, -1, -1});
    tensor empty = {0};
    if (g->status != PIXEEN_OK) return empty;
    int64_t Cout = w.shape[0], kh = w.shape[2], kw = w.shape[3];
    int64_t pad = (kh - 1) / 2;
    tensor bias = nn_weight_get(g, prefix, "bias", 1, (const int64_t[]){Cout});
    int64_t Ho = (H + 2 * pad - kh) / stride + 1, Wo = (W + 2 * pad - kw) / stride + 1;
    tensor out = nn_alloc4(g, B, Ho, Wo, Cout);
    if (!g->rec) g->flops += 2.0 * (double)(B * Ho * Wo) * (double)Cout * (double)(Cin * kh * kw);
    uint64_t quad = 4 * (uint64_t)dtype_size(g->act); /* the transforms read and write 4 channels at a time */
    bool quad_aligned = x->offset % quad == 0 && (!residual || residual->offset % quad == 0) &&
                        bias.offset % dtype_size(bias.dtype) == 0;
    op_winograd_tile tile = OP_WINOGRAD_NONE;
    if (kh == 3 && kw == 3 && stride == 1 && pad == 1 && quad_aligned)
        tile = op_conv2d_winograd_wanted(g->ctx, B, H, W, Cin, Cout, g->act, w.dtype);
    if (tile != OP_WINOGRAD_NONE) {
        /* Winograd F(2x2, 3x3) or F(4x4, 3x3) where it measured faster (src/ops/conv2d_winograd.h).
         * The transformed kernel comes from the weights' cache (made at first use, refreshed after
         * LoRA merges) when the program fills it or it holds the kernel already; a table without
         * one (built by hand) and a program replayed a few times transform in every replay. */
        op_winograd_sizes s = op_conv2d_winograd_sizes(g->ctx, tile, B, H, W, Cin, Cout, g->act);
        const tensor *stored = g->weights->winograd ? nn_weight_find(g, prefix, "weight") : NULL;
        bool cached = stored && (g->winograd_fill || nn_winograd_cached(g, stored, tile));
        if (cached && !g->rec) g->winograd_bytes += (uint64_t)s.u * dtype_size(g->act);
        tensor u = cached ? empty : nn_alloc_dtype(g, g->act, 1, &s.u), v = nn_alloc_dtype(g, s.v_dtype, 1, &s.v);
        tensor m = nn_alloc_dtype(g, s.m_dtype, 1, &s.m);
        if (recording(g)) {
            tensor wk = nn_view(w, 4, (const int64_t[]){Cout, kh, kw, Cin}); /* reordered at upload */
            if (cached)
                u = nn_winograd_weight(g, stored, tile);
            else
                op_conv2d_winograd_weight_record(g->rec, tile, &wk, &u);
            if (recording(g)) op_conv2d_winograd_record(g->rec, tile, x, &u, &bias, residual, &out, &v, &m);
        }
        nn_release(g, &m);
        nn_release(g, &v);
        if (!cached) nn_release(g, &u);
        return out;
    }
    if (recording(g)) {
        tensor wk = nn_view(w, 4, (const int64_t[]){Cout, kh, kw, Cin}); /* reordered at upload */
        op_conv2d_record(g->rec, x, &wk, &bias, residual, &out, (uint32_t)stride, (uint32_t)pad, NULL);
    }
    return out;
}

/* softmax(q k^T / sqrt(D)) v through explicit products: for causal masks and head dims the fused
 * kernel does not take (the VAE's single 512-wide head). Scores [B*H, Tq, Tk] live in the arena. */
static tensor attention_unfused(nn_graph *g, const tensor *q, const tensor *k, const tensor *v, int heads, bool causal) {
    int64_t B = q->shape[0], Tq = q->shape[1], Tk = k->shape[1], HD = q->shape[2], H = heads, D = HD / H;
    float scale = 1.0f / sqrtf((float)D);
    static const int to_heads[4] = {0, 2, 1, 3};     /* [B, T, H, D] -> [B, H, T, D] */
    static const int to_heads_t[4] = {0, 2, 3, 1};   /* [B, T, H, D] -> [B, H, D, T] */
    tensor qh = nn_alloc4(g, B, H, Tq, D), kh = nn_alloc4(g, B, H, Tk, D), vt = nn_alloc4(g, B, H, D, Tk);
    tensor s = nn_alloc3(g, B * H, Tq, Tk), o = nn_alloc3(g, B * H, Tq, D);
    tensor out = nn_alloc3(g, B, Tq, HD);
    if (recording(g)) {
        tensor q4 = nn_view(*q, 4, (const int64_t[]){B, Tq, H, D}), k4 = nn_view(*k, 4, (const int64_t[]){B, Tk, H, D});
        tensor v4 = nn_view(*v, 4, (const int64_t[]){B, Tk, H, D});
        op_permute_record(g->rec, &q4, to_heads, scale, &qh); /* the scale is folded into q */
        op_permute_record(g->rec, &k4, to_heads, 1.0f, &kh);
        op_permute_record(g->rec, &v4, to_heads_t, 1.0f, &vt);
        tensor q3 = nn_view(qh, 3, (const int64_t[]){B * H, Tq, D}), k3 = nn_view(kh, 3, (const int64_t[]){B * H, Tk, D});
        tensor v3 = nn_view(vt, 3, (const int64_t[]){B * H, D, Tk});
        op_matmul_record(g->rec, &q3, &k3, NULL, NULL, &s, NULL);
        op_softmax_record(g->rec, &s, 1.0f, causal, Tq);
        op_matmul_record(g->rec, &s, &v3, NULL, NULL, &o, NULL);
        tensor o4 = nn_view(o, 4, (const int64_t[]){B, H, Tq, D}), out4 = nn_view(out, 4, (const int64_t[]){B, Tq, H, D});
        op_permute_record(g->rec, &o4, to_heads, 1.0f, &out4); /* [B, H, T, D] -> [B, T, H, D] */
    }
    nn_release(g, &qh);
    nn_release(g, &kh);
    nn_release(g, &vt);
    nn_release(g, &s);
    nn_release(g, &o);
    return out;
}

tensor nn_attention(nn_graph *g, const tensor *q, const tensor *k, const tensor *v, int heads, bool causal) {
    int64_t D = q->shape[2] / heads;
    if (!g->rec) g->flops += 4.0 * (double)q->shape[0] * (double)q->shape[1] * (double)k->shape[1] * (double)q->shape[2]; /* QK^T and PV */
    /* The fused kernel (scores never in memory) takes head dims that are multiples of 4 up to 256:
     * every UNet attention of SD 1.x/2.x. CLIP's causal mask and the VAE's single 512-wide head
     * go through explicit products, and so do few query rows where the driver table says so
     * (their products reuse pipelines the run compiles anyway: a JIT that is slow to compile
     * the fused kernel's register blocks spends more on them than they save). */
    if (causal || D % 4 != 0 || D > 256 || !op_attention_fused_wanted(g->ctx, q->shape[1]))
        return attention_unfused(g, q, k, v, heads, causal);
    tensor out = nn_alloc3(g, q->shape[0], q->shape[1], q->shape[2]);
    if (recording(g)) {
        op_attention_desc desc = {.q = q, .k = k, .v = v, .out = &out, .heads = (uint32_t)heads};
        op_attention_record(g->rec, &desc);
    }
    return out;
}

tensor nn_embedding(nn_graph *g, const tensor *ids, const char *prefix, const char *pos_prefix) {
    tensor table = nn_weight_get(g, prefix, "weight", 2, (const int64_t[]){-1, -1});
    tensor pos = {0};
    if (pos_prefix) pos = nn_weight_get(g, pos_prefix, "weight", 2, (const int64_t[]){-1, table.shape[1]});
    tensor out = nn_alloc3(g, ids->shape[0], ids->shape[1], table.shape[1]);
    if (recording(g)) op_token_embedding_record(g->rec, ids, &table, pos_prefix ? &pos : NULL, &out);
    const tensor *side = g->weights->token_side, *side_index = g->weights->token_side_index;
    if (recording(g) && side && side_index) op_embedding_inject_record(g->rec, side_index, side, pos_prefix ? &pos : NULL, &out);
    return out;
}
