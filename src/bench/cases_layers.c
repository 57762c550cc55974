/* cases_layers.c — operator cases of the small kernels inside the network layers: CLIP's token +
 * position embedding, the attention fallback's softmax (plain and causal) and head permutes, and
 * the ResNet blocks' per-batch time-embedding bias. Each at odd sizes (check only) and at the
 * shapes SD 1.5 runs them (CLIP: 2 x 77 tokens of 768, vocabulary 49408; CLIP's causal attention
 * 12 heads of 77x77; the UNet's per-batch bias on [2, 64, 64, 320]): those are checked and timed.
 * Every element is compared with the plain-C references (ops/reference_*.h); fp16 outputs carry
 * their rounding (2^-11 relative), fp32 a few ulp.
 * Entry point: bench_cases_layers (providers.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/case_operands.h"
#include "ops/bias_per_batch.h"
#include "ops/permute.h"
#include "ops/reference_bias_per_batch.h"
#include "ops/reference_permute.h"
#include "ops/reference_softmax.h"
#include "ops/reference_token_embedding.h"
#include "ops/softmax.h"
#include "ops/token_embedding.h"

uint32_t bench_cases_layers(bench_case *out, uint32_t max, bool quick);

enum { KIND = 0, S0 = 1, S1 = 2, S2 = 3, S3 = 4, FLAG = 5 };
enum { TOKEN_EMBEDDING, SOFTMAX, PERMUTE, BIAS_PER_BATCH };

static const int permute_order[4] = {0, 2, 1, 3}; /* [B, T, H, D] -> [B, H, T, D], as attention splits heads */

static tensor shaped(tensor t, uint32_t rank, const int64_t *shape) {
    t.rank = rank;
    for (uint32_t i = 0; i < rank; i++) t.shape[i] = shape[i];
    return t;
}

static pixeen_status layer_setup(bench_case *c, gpu_context *ctx, void **state) {
    op_operands *s = calloc(1, sizeof *s);
    *state = s;
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    tensor_dtype dt = (tensor_dtype)c->dtype;
    int64_t a = c->p[S0], b = c->p[S1], d = c->p[S2], e = c->p[S3];
    switch (c->p[KIND]) {
    case TOKEN_EMBEDDING: { /* a rows x b tokens, vocabulary d, width e; ids include out-of-range ones */
        size_t ids = (size_t)(a * b);
        PX_TRY(bench_operand(ctx, s, 0, DTYPE_I32, ids, 0, 0, GPU_MEMORY_DEVICE));
        s->host[0] = malloc(ids * sizeof(float)); /* the ids, kept as int32 bits */
        if (!s->host[0]) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
        int32_t *id = (int32_t *)s->host[0];
        for (size_t i = 0; i < ids; i++) id[i] = (int32_t)((i * 2654435761u) % (uint64_t)(d + 2)) - 1; /* -1 .. d */
        PX_TRY(gpu_buffer_upload(ctx, s->t[0].buffer, 0, id, ids * 4));
        PX_TRY(bench_operand(ctx, s, 1, DTYPE_F16, (size_t)(d * e), -1, 1, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 2, DTYPE_F16, (size_t)(b * e), -0.5f, 0.5f, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 3, dt, (size_t)(a * b * e), 0, 0, GPU_MEMORY_DEVICE));
        s->t[0] = shaped(s->t[0], 2, (int64_t[]){a, b});
        s->t[1] = shaped(s->t[1], 2, (int64_t[]){d, e});
        s->t[2] = shaped(s->t[2], 2, (int64_t[]){b, e});
        s->t[3] = shaped(s->t[3], 3, (int64_t[]){a, b, e});
        break;
    }
    case SOFTMAX: /* a rows of b; causal with head length d when FLAG */
        PX_TRY(bench_operand(ctx, s, 0, dt, (size_t)(a * b), -6, 6, GPU_MEMORY_DEVICE));
        s->t[0] = shaped(s->t[0], 2, (int64_t[]){a, b});
        break;
    case PERMUTE: {
        int64_t in[4] = {a, b, d, e};
        PX_TRY(bench_operand(ctx, s, 0, dt, (size_t)(a * b * d * e), -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 1, dt, (size_t)(a * b * d * e), 0, 0, GPU_MEMORY_DEVICE));
        s->t[0] = shaped(s->t[0], 4, in);
        s->t[1] = shaped(s->t[1], 4,
                         (int64_t[]){in[permute_order[0]], in[permute_order[1]], in[permute_order[2]], in[permute_order[3]]});
        break;
    }
    case BIAS_PER_BATCH: /* x [a, b, d] += e [a, d] */
        PX_TRY(bench_operand(ctx, s, 0, dt, (size_t)(a * b * d), -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 1, dt, (size_t)(a * d), -1, 1, GPU_MEMORY_DEVICE));
        s->t[0] = shaped(s->t[0], 3, (int64_t[]){a, b, d});
        s->t[1] = shaped(s->t[1], 2, (int64_t[]){a, d});
        break;
    }
    return PIXEEN_OK;
}

static void layer_record(bench_case *c, void *state, gpu_recorder *rec) {
    op_operands *s = state;
    switch (c->p[KIND]) {
    case TOKEN_EMBEDDING: op_token_embedding_record(rec, &s->t[0], &s->t[1], &s->t[2], &s->t[3]); break;
    case SOFTMAX: op_softmax_record(rec, &s->t[0], 0.125f, c->p[FLAG] != 0, c->p[S2]); break;
    case PERMUTE: op_permute_record(rec, &s->t[0], permute_order, 0.5f, &s->t[1]); break;
    case BIAS_PER_BATCH: op_bias_per_batch_record(rec, &s->t[0], &s->t[1]); break;
    }
}

static pixeen_status layer_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    op_operands *s = state;
    size_t a = (size_t)c->p[S0], b = (size_t)c->p[S1], d = (size_t)c->p[S2], e = (size_t)c->p[S3];
    int out = c->p[KIND] == TOKEN_EMBEDDING ? 3 : c->p[KIND] == PERMUTE ? 1 : 0;
    size_t n = s->count[out];
    float *got = malloc(n * sizeof *got), *ref = malloc(n * sizeof *ref);
    pixeen_status st = got && ref ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    if (st == PIXEEN_OK) switch (c->p[KIND]) {
        case TOKEN_EMBEDDING:
            ref_token_embedding((const int32_t *)s->host[0], a * b, b, s->host[1], d, s->host[2], e, ref);
            break;
        case SOFTMAX:
            memcpy(ref, s->host[0], n * sizeof *ref);
            ref_softmax(ref, a, b, 0.125f, c->p[FLAG] != 0, d);
            break;
        case PERMUTE: ref_permute(s->host[0], (int64_t[]){(int64_t)a, (int64_t)b, (int64_t)d, (int64_t)e},
                                  permute_order, 0.5f, ref);
            break;
        case BIAS_PER_BATCH:
            memcpy(ref, s->host[0], n * sizeof *ref);
            ref_bias_per_batch(ref, a, b, d, s->host[1]);
            break;
        }
    if (st == PIXEEN_OK) st = bench_operand_read(ctx, s, out, 0, n, got);
    if (st == PIXEEN_OK) {
        double md = 0, mr = 0;
        bench_accumulate(got, ref, n, &md, &mr);
        *max_rel = md / (mr > 0 ? mr : 1);
    }
    free(got);
    free(ref);
    return st;
}

static uint32_t add(bench_case *out, uint32_t n, uint32_t max, const char *family, int kind, const char *what,
                    const int64_t shape[4], int64_t flag, int dt, bench_case_use use, double bytes) {
    if (n >= max) return n;
    bench_case *c = &out[n];
    memset(c, 0, sizeof *c);
    c->family = family;
    snprintf(c->name, sizeof c->name, "%s %s", what, bench_dtype_name(dt));
    c->p[KIND] = kind, c->p[S0] = shape[0], c->p[S1] = shape[1], c->p[S2] = shape[2], c->p[S3] = shape[3];
    c->p[FLAG] = flag;
    c->dtype = dt;
    c->bytes = bytes;
    c->use = use;
    c->tolerance = dt == DTYPE_F16 ? 1e-3 : 4e-6;
    c->setup = layer_setup;
    c->record = layer_record;
    c->validate = layer_validate;
    c->teardown = bench_operands_teardown;
    return n + 1;
}

uint32_t bench_cases_layers(bench_case *out, uint32_t max, bool quick) {
    (void)quick; /* all small */
    uint32_t n = 0;
    for (int dt = 0; dt < 2; dt++) {
        double es = dt == DTYPE_F16 ? 2 : 4;
        n = add(out, n, max, "token_embedding", TOKEN_EMBEDDING, "odd b3 t5 vocab 11 d13", (int64_t[]){3, 5, 11, 13}, 0,
                dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "token_embedding", TOKEN_EMBEDDING, "clip b2 t77 vocab 49408 d768",
                (int64_t[]){2, 77, 49408, 768}, 0, dt, BENCH_USE_BOTH, 2.0 * 77 * 768 * (2 + 2 + es));
        n = add(out, n, max, "softmax", SOFTMAX, "odd 7x45", (int64_t[]){7, 45, 1, 0}, 0, dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "softmax", SOFTMAX, "odd causal 2 heads 9x9", (int64_t[]){18, 9, 9, 0}, 1, dt,
                BENCH_USE_CHECK, 0);
        n = add(out, n, max, "softmax", SOFTMAX, "clip causal b2 12 heads 77x77", (int64_t[]){2 * 12 * 77, 77, 77, 0}, 1,
                dt, BENCH_USE_BOTH, 2.0 * 2 * 12 * 77 * 77 * es);
        n = add(out, n, max, "permute", PERMUTE, "odd [2,5,3,7] 0213", (int64_t[]){2, 5, 3, 7}, 0, dt, BENCH_USE_CHECK,
                0);
        n = add(out, n, max, "permute", PERMUTE, "clip heads b2 t77 12x64 0213", (int64_t[]){2, 77, 12, 64}, 0, dt,
                BENCH_USE_BOTH, 2.0 * 2 * 77 * 768 * es);
        n = add(out, n, max, "bias_per_batch", BIAS_PER_BATCH, "odd b3 p5 c7", (int64_t[]){3, 5, 7, 0}, 0, dt,
                BENCH_USE_CHECK, 0);
        n = add(out, n, max, "bias_per_batch", BIAS_PER_BATCH, "unet b2 64x64x320", (int64_t[]){2, 64 * 64, 320, 0}, 0,
                dt, BENCH_USE_BOTH, 2.0 * 2 * 64 * 64 * 320 * es);
    }
    return n;
}
