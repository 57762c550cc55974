/* cases_attention.c — benchmark cases of the fused attention at every distinct shape of the SD 1.5
 * UNet for 256x256 and 512x512 images with classifier-free guidance (batch 2): per resolution level
 * (latent 64x64/32x32/16x16/8x8 at 512x512 — 8 heads of 40/80/160/160), self-attention (Tk = Tq)
 * and cross-attention (Tk = 77). flops = 4*B*H*Tq*Tk*D (QKᵀ and PV); bytes = q, k, v read once +
 * out written once. Validation compares 12 sampled query rows (every head) with ref_attention_row;
 * the tolerance is max|gpu - ref| / max|ref| (fp16 outputs carry their rounding, 2^-11 relative).
 * Entry point: bench_cases_attention (providers.c). */
#include "bench/cases_attention.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/case_operands.h"
#include "ops/attention.h"
#include "ops/reference_attention.h"

/* ---- attention ------------------------------------------------------------------------- */

enum { A_B = 0, A_TQ = 1, A_TK = 2, A_H = 3, A_D = 4 };

static pixeen_status attn_setup(bench_case *c, gpu_context *ctx, void **state) {
    op_operands *s = calloc(1, sizeof *s);
    *state = s;
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    size_t b = (size_t)c->p[A_B], tq = (size_t)c->p[A_TQ], tk = (size_t)c->p[A_TK], hd = (size_t)(c->p[A_H] * c->p[A_D]);
    tensor_dtype dt = (tensor_dtype)c->dtype;
    PX_TRY(bench_operand(ctx, s, 0, dt, b * tq * hd, -2, 2, GPU_MEMORY_DEVICE));
    PX_TRY(bench_operand(ctx, s, 1, dt, b * tk * hd, -2, 2, GPU_MEMORY_DEVICE));
    PX_TRY(bench_operand(ctx, s, 2, dt, b * tk * hd, -1, 1, GPU_MEMORY_DEVICE));
    PX_TRY(bench_operand(ctx, s, 3, dt, b * tq * hd, 0, 0, GPU_MEMORY_DEVICE));
    int64_t sq[3] = {(int64_t)b, (int64_t)tq, (int64_t)hd}, sk[3] = {(int64_t)b, (int64_t)tk, (int64_t)hd};
    for (int i = 0; i < 4; i++) {
        s->t[i].rank = 3;
        memcpy(s->t[i].shape, (i == 1 || i == 2) ? sk : sq, sizeof sq);
    }
    return PIXEEN_OK;
}

static void attn_record(bench_case *c, void *state, gpu_recorder *rec) {
    op_operands *s = state;
    op_attention_record(rec, &(op_attention_desc){.q = &s->t[0], .k = &s->t[1], .v = &s->t[2], .out = &s->t[3],
                                                  .heads = (uint32_t)c->p[A_H]});
}

static pixeen_status attn_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    op_operands *s = state;
    size_t b = (size_t)c->p[A_B], tq = (size_t)c->p[A_TQ], hd = (size_t)(c->p[A_H] * c->p[A_D]);
    ref_attention_shape shape = {b, tq, (size_t)c->p[A_TK], (size_t)c->p[A_H], (size_t)c->p[A_D], 0, 0, 0, 0};
    float *got = malloc(hd * 4), *ref = malloc(hd * 4);
    if (!got || !ref) {
        free(got);
        free(ref);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    }
    double max_diff = 0, max_ref = 0;
    size_t rows = b * tq, samples = 12 < rows ? 12 : rows;
    pixeen_status st = PIXEEN_OK;
    for (size_t i = 0; i < samples && st == PIXEEN_OK; i++) {
        size_t r = samples == rows ? i : (i * 2654435761u + 17) % rows; /* spread, deterministic */
        if (i == samples - 1) r = rows - 1;
        st = bench_operand_read(ctx, s, 3, r * hd, hd, got);
        ref_attention_row(&shape, s->host[0], s->host[1], s->host[2], r / tq, r % tq, ref);
        bench_accumulate(got, ref, hd, &max_diff, &max_ref);
    }
    free(got);
    free(ref);
    *max_rel = max_ref > 0 ? max_diff / max_ref : max_diff;
    return st;
}

static uint32_t add_attention(bench_case *out, uint32_t n, uint32_t max, int image, int level, bool cross, int dt) {
    if (n >= max) return n;
    static const int heads_dim[4] = {40, 80, 160, 160}; /* SD 1.5: 8 heads; channels 320, 640, 1280, 1280 */
    int lat = image / 8 >> level, tokens = lat * lat, tk = cross ? 77 : tokens, d = heads_dim[level];
    bench_case *c = &out[n];
    memset(c, 0, sizeof *c);
    c->family = "attention";
    snprintf(c->name, sizeof c->name, "attn %s b2 %dx%d tq%d tk%d 8x%d %s (%dpx)", cross ? "cross" : "self", lat, lat, tokens,
             tk, d, bench_dtype_name(dt), image);
    c->p[A_B] = 2;
    c->p[A_TQ] = tokens;
    c->p[A_TK] = tk;
    c->p[A_H] = 8;
    c->p[A_D] = d;
    c->dtype = dt;
    c->flops = 4.0 * 2 * 8 * (double)tokens * tk * d;
    c->bytes = (2.0 * 2 * tokens * 8 * d + 2.0 * 2 * tk * 8 * d) * (dt == DTYPE_F16 ? 2 : 4);
    /* outputs are convex combinations of v in [-1, 1]: fp16 rounding 2^-11 plus fp32 sums */
    c->tolerance = dt == DTYPE_F16 ? 2e-3 : 1e-4;
    c->setup = attn_setup;
    c->record = attn_record;
    c->validate = attn_validate;
    c->teardown = bench_operands_teardown;
    return n + 1;
}

uint32_t bench_cases_attention(bench_case *out, uint32_t max, bool quick) {
    uint32_t n = 0;
    if (quick) {
        n = add_attention(out, n, max, 512, 0, false, DTYPE_F16);
        n = add_attention(out, n, max, 512, 0, true, DTYPE_F16);
        return n;
    }
    for (int image = 256; image <= 512; image *= 2)
        for (int level = 0; level < 4; level++)
            for (int cross = 0; cross < 2; cross++) n = add_attention(out, n, max, image, level, cross, DTYPE_F16);
    n = add_attention(out, n, max, 512, 0, false, DTYPE_F32); /* the fp32 parity mode at the heaviest shape */
    return n;
}
