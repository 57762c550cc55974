/* cases_layers.c — operator cases of the small kernels inside the network layers: CLIP's token +
 * position embedding, the attention fallback's softmax (plain and causal) and head permutes, the
 * ResNet blocks' per-batch time-embedding bias, transposes, row gathers, TAESD's pointwise steps. Each at odd sizes (check only) and at the
 * shapes SD 1.5 runs them (CLIP: 2 x 77 tokens of 768, vocabulary 49408; CLIP's causal attention
 * 12 heads of 77x77; the UNet's per-batch bias on [2, 64, 64, 320]): those are checked and timed.
 * Also the layout transpose (the VAE attention's [4096, 512]), CLIP's pooled-row gather, and
 * TAESD's pointwise modes (relu, clamp, affine) on its 64-channel activations, emphasis
 * (token_weights), textual-inversion vectors (embedding_inject) and a LoRA merge into fp16 weights.
 * Every element is compared with the plain-C references (ops/reference_*.h); fp16 outputs carry
 * their rounding (2^-11 relative), fp32 a few ulp.
 * Entry point: bench_cases_layers (providers.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/case_operands.h"
#include "core/f16.h"
#include "ops/bias_per_batch.h"
#include "ops/embedding_inject.h"
#include "ops/gather_rows.h"
#include "ops/layout.h"
#include "ops/lora_merge.h"
#include "ops/permute.h"
#include "ops/reference_bias_per_batch.h"
#include "ops/reference_embedding_inject.h"
#include "ops/reference_layout.h"
#include "ops/reference_lora_merge.h"
#include "ops/reference_permute.h"
#include "ops/reference_softmax.h"
#include "ops/reference_taesd_pointwise.h"
#include "ops/reference_token_embedding.h"
#include "ops/reference_token_weights.h"
#include "ops/softmax.h"
#include "ops/taesd_pointwise.h"
#include "ops/token_embedding.h"
#include "ops/token_weights.h"

uint32_t bench_cases_layers(bench_case *out, uint32_t max, bool quick);

enum { KIND = 0, S0 = 1, S1 = 2, S2 = 3, S3 = 4, FLAG = 5 };
enum { TOKEN_EMBEDDING, SOFTMAX, PERMUTE, BIAS_PER_BATCH, TRANSPOSE, GATHER_ROWS, TAESD_POINTWISE, TOKEN_WEIGHTS, EMBEDDING_INJECT,
       LORA_MERGE };

/* FLAG 0: [B, T, H, D] -> [B, H, T, D], as attention splits heads; 1: -> [B, H, D, T], as the
 * explicit attention transposes its values */
static const int permute_orders[2][4] = {{0, 2, 1, 3}, {0, 2, 3, 1}};

static tensor shaped(tensor t, uint32_t rank, const int64_t *shape) {
    t.rank = rank;
    for (uint32_t i = 0; i < rank; i++) t.shape[i] = shape[i];
    return t;
}

/* Operand i: `count` int32 indices in -1 .. limit (the ends are out of range: the kernels read row
 * 0 there), kept on the host as int32 bits in host[i]. */
static pixeen_status index_operand(gpu_context *ctx, op_operands *s, int i, size_t count, int64_t limit) {
    PX_TRY(bench_operand(ctx, s, i, DTYPE_I32, count, 0, 0, GPU_MEMORY_DEVICE));
    s->host[i] = malloc(count * sizeof(float));
    if (!s->host[i]) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    int32_t *id = (int32_t *)s->host[i];
    for (size_t k = 0; k < count; k++) id[k] = (int32_t)((k * 2654435761u) % (uint64_t)(limit + 2)) - 1;
    return gpu_buffer_upload(ctx, s->t[i].buffer, 0, id, count * 4);
}

static pixeen_status layer_setup(bench_case *c, gpu_context *ctx, void **state) {
    op_operands *s = calloc(1, sizeof *s);
    *state = s;
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    tensor_dtype dt = (tensor_dtype)c->dtype;
    int64_t a = c->p[S0], b = c->p[S1], d = c->p[S2], e = c->p[S3];
    switch (c->p[KIND]) {
    case TOKEN_EMBEDDING: { /* a rows x b tokens, vocabulary d, width e; ids include out-of-range ones */
        PX_TRY(index_operand(ctx, s, 0, (size_t)(a * b), d));
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
        const int *permute_order = permute_orders[c->p[FLAG]];
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
    case TRANSPOSE: /* a batches of [b, d] -> [d, b] */
        PX_TRY(bench_operand(ctx, s, 0, dt, (size_t)(a * b * d), -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 1, dt, (size_t)(a * b * d), 0, 0, GPU_MEMORY_DEVICE));
        s->t[0] = shaped(s->t[0], 3, (int64_t[]){a, b, d});
        s->t[1] = shaped(s->t[1], 3, (int64_t[]){a, d, b});
        break;
    case GATHER_ROWS: /* a indices into x [b, d] */
        PX_TRY(index_operand(ctx, s, 0, (size_t)a, b));
        PX_TRY(bench_operand(ctx, s, 1, dt, (size_t)(b * d), -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 2, dt, (size_t)(a * d), 0, 0, GPU_MEMORY_DEVICE));
        s->t[1] = shaped(s->t[1], 2, (int64_t[]){b, d});
        s->t[2] = shaped(s->t[2], 2, (int64_t[]){a, d});
        break;
    case TAESD_POINTWISE: /* a values, mode FLAG, out of place */
        PX_TRY(bench_operand(ctx, s, 0, dt, (size_t)a, -6, 6, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 1, dt, (size_t)a, 0, 0, GPU_MEMORY_DEVICE));
        break;
    case TOKEN_WEIGHTS: /* z [a, b, d] in place, weights [a, b] */
        PX_TRY(bench_operand(ctx, s, 0, dt, (size_t)(a * b * d), -2, 2.5f, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 1, DTYPE_F32, (size_t)(a * b), 0.5f, 1.5f, GPU_MEMORY_DEVICE));
        s->t[0] = shaped(s->t[0], 3, (int64_t[]){a, b, d});
        break;
    case EMBEDDING_INJECT: /* out [a, b, e] (random: kept where the index is -1); e side vectors of d */
        PX_TRY(index_operand(ctx, s, 0, (size_t)(a * b), e));
        PX_TRY(bench_operand(ctx, s, 1, DTYPE_F16, (size_t)(e * d), -1, 1, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 2, DTYPE_F16, (size_t)(b * d), -0.5f, 0.5f, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 3, dt, (size_t)(a * b * d), -3, 3, GPU_MEMORY_DEVICE));
        s->t[0] = shaped(s->t[0], 2, (int64_t[]){a, b});
        s->t[1] = shaped(s->t[1], 2, (int64_t[]){e, d});
        s->t[2] = shaped(s->t[2], 2, (int64_t[]){b, d});
        s->t[3] = shaped(s->t[3], 3, (int64_t[]){a, b, d});
        break;
    case LORA_MERGE: /* w [a, b] fp16 += scale * up [a, d] @ down [d, b]; down_t is down transposed */
        PX_TRY(bench_operand(ctx, s, 0, DTYPE_F16, (size_t)(a * b), -1, 1, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 1, DTYPE_F32, (size_t)(a * d), -0.5f, 0.5f, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 2, DTYPE_F32, (size_t)(b * d), -0.5f, 0.5f, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 3, DTYPE_F32, (size_t)(a * b), 0, 0, GPU_MEMORY_DEVICE));
        break;
    }
    return PIXEEN_OK;
}

static void layer_record(bench_case *c, void *state, gpu_recorder *rec) {
    op_operands *s = state;
    switch (c->p[KIND]) {
    case TOKEN_EMBEDDING: op_token_embedding_record(rec, &s->t[0], &s->t[1], &s->t[2], &s->t[3]); break;
    case SOFTMAX: op_softmax_record(rec, &s->t[0], 0.125f, c->p[FLAG] != 0, c->p[S2]); break;
    case PERMUTE: op_permute_record(rec, &s->t[0], permute_orders[c->p[FLAG]], 0.5f, &s->t[1]); break;
    case BIAS_PER_BATCH: op_bias_per_batch_record(rec, &s->t[0], &s->t[1]); break;
    case TRANSPOSE: op_transpose_record(rec, &s->t[0], c->p[S0], c->p[S1], c->p[S2], &s->t[1]); break;
    case GATHER_ROWS: op_gather_rows_record(rec, &s->t[0], &s->t[1], &s->t[2]); break;
    case TAESD_POINTWISE:
        op_taesd_pointwise_record(rec, (op_taesd_mode)c->p[FLAG], 0.5f, 0.25f, &s->t[0], &s->t[1]);
        break;
    case TOKEN_WEIGHTS: op_token_weights_record(rec, &s->t[0], &s->t[1]); break;
    case EMBEDDING_INJECT: op_embedding_inject_record(rec, &s->t[0], &s->t[1], &s->t[2], &s->t[3]); break;
    case LORA_MERGE:
        op_lora_merge_record(rec, &s->t[0], c->p[S0], c->p[S1], c->p[S2], &s->t[1], &s->t[2], &s->t[3], 0.75f);
        break;
    }
}

static pixeen_status layer_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    op_operands *s = state;
    size_t a = (size_t)c->p[S0], b = (size_t)c->p[S1], d = (size_t)c->p[S2], e = (size_t)c->p[S3];
    int kind = (int)c->p[KIND];
    int out = kind == TOKEN_EMBEDDING || kind == EMBEDDING_INJECT ? 3
              : kind == GATHER_ROWS                             ? 2
              : kind == SOFTMAX || kind == BIAS_PER_BATCH || kind == TOKEN_WEIGHTS || kind == LORA_MERGE ? 0
                                                                                                         : 1;
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
                                  permute_orders[c->p[FLAG]], 0.5f, ref);
            break;
        case BIAS_PER_BATCH:
            memcpy(ref, s->host[0], n * sizeof *ref);
            ref_bias_per_batch(ref, a, b, d, s->host[1]);
            break;
        case TRANSPOSE: ref_transpose(s->host[0], a, b, d, ref); break;
        case GATHER_ROWS: ref_gather_rows((const int32_t *)s->host[0], a, s->host[1], b, d, ref); break;
        case TAESD_POINTWISE:
            memcpy(ref, s->host[0], n * sizeof *ref);
            ref_taesd_pointwise((op_taesd_mode)c->p[FLAG], 0.5f, 0.25f, ref, n);
            break;
        case TOKEN_WEIGHTS:
            memcpy(ref, s->host[0], n * sizeof *ref);
            ref_token_weights(ref, a, b, d, s->host[1]);
            break;
        case EMBEDDING_INJECT:
            memcpy(ref, s->host[3], n * sizeof *ref);
            ref_embedding_inject((const int32_t *)s->host[0], (int64_t)a, (int64_t)b, s->host[1], (int64_t)e,
                                 (int64_t)d, s->host[2], ref);
            break;
        case LORA_MERGE: { /* the reference takes down [d, b]: transpose down_t [b, d] */
            uint16_t *bits = malloc(n * 2);
            float *down = malloc(b * d * sizeof *down);
            if (!bits || !down) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
            if (st == PIXEEN_OK) {
                for (size_t j = 0; j < d; j++)
                    for (size_t col = 0; col < b; col++) down[j * b + col] = s->host[2][col * d + j];
                f32_to_f16_array(bits, s->host[0], n);
                ref_lora_merge(bits, (int64_t)a, (int64_t)b, (int64_t)d, s->host[1], down, 0.75f);
                f16_to_f32_array(ref, bits, n);
            }
            free(bits);
            free(down);
            break;
        }
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
        /* the 76 MB table's random fill costs ~6 s on the host: checked once (f16), timed in both */
        n = add(out, n, max, "token_embedding", TOKEN_EMBEDDING, "clip b2 t77 vocab 49408 d768",
                (int64_t[]){2, 77, 49408, 768}, 0, dt, dt == DTYPE_F16 ? BENCH_USE_BOTH : BENCH_USE_TIMING,
                2.0 * 77 * 768 * (2 + 2 + es));
        n = add(out, n, max, "softmax", SOFTMAX, "odd 7x45", (int64_t[]){7, 45, 1, 0}, 0, dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "softmax", SOFTMAX, "odd causal 2 heads 9x9", (int64_t[]){18, 9, 9, 0}, 1, dt,
                BENCH_USE_CHECK, 0);
        n = add(out, n, max, "softmax", SOFTMAX, "clip causal b2 12 heads 77x77", (int64_t[]){2 * 12 * 77, 77, 77, 0}, 1,
                dt, BENCH_USE_BOTH, 2.0 * 2 * 12 * 77 * 77 * es);
        n = add(out, n, max, "permute", PERMUTE, "odd [2,5,3,7] 0213", (int64_t[]){2, 5, 3, 7}, 0, dt, BENCH_USE_CHECK,
                0);
        n = add(out, n, max, "permute", PERMUTE, "clip heads b2 t77 12x64 0213", (int64_t[]){2, 77, 12, 64}, 0, dt,
                BENCH_USE_BOTH, 2.0 * 2 * 77 * 768 * es);
        /* four outputs an invocation (the last dim a multiple of 4): whole input texels, then scalar fetches */
        n = add(out, n, max, "permute", PERMUTE, "odd [3,5,3,8] 0213", (int64_t[]){3, 5, 3, 8}, 0, dt, BENCH_USE_CHECK,
                0);
        n = add(out, n, max, "permute", PERMUTE, "odd [2,12,3,5] 0231", (int64_t[]){2, 12, 3, 5}, 1, dt,
                BENCH_USE_CHECK, 0);
        n = add(out, n, max, "permute", PERMUTE, "unet heads b2 t256 8x80 0213", (int64_t[]){2, 256, 8, 80}, 0, dt,
                BENCH_USE_BOTH, 2.0 * 2 * 256 * 640 * es);
        n = add(out, n, max, "permute", PERMUTE, "unet values b2 t256 8x80 0231", (int64_t[]){2, 256, 8, 80}, 1, dt,
                BENCH_USE_BOTH, 2.0 * 2 * 256 * 640 * es);
        n = add(out, n, max, "bias_per_batch", BIAS_PER_BATCH, "odd b3 p5 c7", (int64_t[]){3, 5, 7, 0}, 0, dt,
                BENCH_USE_CHECK, 0);
        n = add(out, n, max, "bias_per_batch", BIAS_PER_BATCH, "unet b2 64x64x320", (int64_t[]){2, 64 * 64, 320, 0}, 0,
                dt, BENCH_USE_BOTH, 2.0 * 2 * 64 * 64 * 320 * es);
        n = add(out, n, max, "transpose", TRANSPOSE, "odd b3 5x7", (int64_t[]){3, 5, 7, 0}, 0, dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "transpose", TRANSPOSE, "vae attention b1 4096x512", (int64_t[]){1, 4096, 512, 0}, 0, dt,
                BENCH_USE_BOTH, 2.0 * 4096 * 512 * es);
        n = add(out, n, max, "gather_rows", GATHER_ROWS, "odd 5 of 9x13", (int64_t[]){5, 9, 13, 0}, 0, dt,
                BENCH_USE_CHECK, 0);
        n = add(out, n, max, "gather_rows", GATHER_ROWS, "clip pooled 2 of 154x1280", (int64_t[]){2, 154, 1280, 0}, 0,
                dt, BENCH_USE_BOTH, 2.0 * 2 * 1280 * es);
        n = add(out, n, max, "token_weights", TOKEN_WEIGHTS, "odd 3 rows t7 d5", (int64_t[]){3, 7, 5, 0}, 0, dt,
                BENCH_USE_CHECK, 0);
        n = add(out, n, max, "token_weights", TOKEN_WEIGHTS, "clip b2 t77 d768", (int64_t[]){2, 77, 768, 0}, 0, dt,
                BENCH_USE_BOTH, 2.0 * 2 * 77 * 768 * es);
        n = add(out, n, max, "embedding_inject", EMBEDDING_INJECT, "odd b3 t5 d13 3 vectors", (int64_t[]){3, 5, 13, 3}, 0,
                dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "embedding_inject", EMBEDDING_INJECT, "clip b2 t77 d768 8 vectors",
                (int64_t[]){2, 77, 768, 8}, 0, dt, BENCH_USE_BOTH, 2.0 * 77 * 768 * es);
        if (dt == DTYPE_F16) { /* weights are fp16 */
            n = add(out, n, max, "lora_merge", LORA_MERGE, "odd 7x13 rank 3", (int64_t[]){7, 13, 3, 0}, 0, dt,
                    BENCH_USE_CHECK, 0);
            n = add(out, n, max, "lora_merge", LORA_MERGE, "unet attn 320x320 rank 8", (int64_t[]){320, 320, 8, 0}, 0, dt,
                    BENCH_USE_BOTH, 320.0 * 320 * (2 + 2 + 8));
        }
        const char *modes[3] = {"relu", "clamp", "affine"};
        for (int mode = 0; mode < 3; mode++) {
            char what[64];
            snprintf(what, sizeof what, "%s odd n157", modes[mode]);
            n = add(out, n, max, "taesd_pointwise", TAESD_POINTWISE, what, (int64_t[]){157, 0, 0, 0}, mode, dt,
                    BENCH_USE_CHECK, 0);
            snprintf(what, sizeof what, "%s taesd b1 64x64x64", modes[mode]);
            n = add(out, n, max, "taesd_pointwise", TAESD_POINTWISE, what, (int64_t[]){64 * 64 * 64, 0, 0, 0}, mode, dt,
                    BENCH_USE_BOTH, 2.0 * 64 * 64 * 64 * es);
        }
    }
    return n;
}
