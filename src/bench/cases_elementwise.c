/* cases_elementwise.c — benchmark cases of the elementwise operators (activations, GEGLU,
 * nearest upsampling, skip concatenation) at the SD 1.5 shapes for 256x256 and 512x512 images.
 * bytes = inputs read once + outputs written once; validation compares every element.
 * Entry point: bench_cases_elementwise (providers.c). */
#include "bench/cases_attention.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/case_operands.h"
#include "core/f16.h"
#include "ops/activation.h"
#include "ops/layout.h"
#include "ops/reference_activation.h"
#include "ops/reference_layout.h"

/* ---- elementwise ----------------------------------------------------------------------- */

enum { E_KIND = 0, E_A = 1, E_B = 2, E_C = 3, E_D = 4 };
enum { EW_SILU = 0, EW_GELU = 1, EW_GEGLU = 2, EW_UPSAMPLE = 3, EW_CONCAT = 4 };

static pixeen_status ew_setup(bench_case *c, gpu_context *ctx, void **state) {
    op_operands *s = calloc(1, sizeof *s);
    *state = s;
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    tensor_dtype dt = (tensor_dtype)c->dtype;
    size_t a = (size_t)c->p[E_A], b = (size_t)c->p[E_B], cc = (size_t)c->p[E_C], d = (size_t)c->p[E_D];
    switch (c->p[E_KIND]) {
    case EW_SILU:
    case EW_GELU:
        PX_TRY(bench_operand(ctx, s, 0, dt, a, -6, 6, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 1, dt, a, 0, 0, GPU_MEMORY_DEVICE));
        break;
    case EW_GEGLU: /* a rows, b = F */
        PX_TRY(bench_operand(ctx, s, 0, dt, a * 2 * b, -4, 4, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 1, dt, a * b, 0, 0, GPU_MEMORY_DEVICE));
        s->t[0].rank = s->t[1].rank = 2;
        s->t[0].shape[0] = s->t[1].shape[0] = (int64_t)a;
        s->t[0].shape[1] = (int64_t)(2 * b);
        s->t[1].shape[1] = (int64_t)b;
        break;
    case EW_UPSAMPLE: /* [a, b, b, cc] */
        PX_TRY(bench_operand(ctx, s, 0, dt, a * b * b * cc, -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 1, dt, a * 4 * b * b * cc, 0, 0, GPU_MEMORY_DEVICE));
        s->t[0].rank = s->t[1].rank = 4;
        s->t[0].shape[0] = s->t[1].shape[0] = (int64_t)a;
        s->t[0].shape[1] = s->t[0].shape[2] = (int64_t)b;
        s->t[1].shape[1] = s->t[1].shape[2] = (int64_t)(2 * b);
        s->t[0].shape[3] = s->t[1].shape[3] = (int64_t)cc;
        break;
    case EW_CONCAT: /* a rows, b ++ cc */
        PX_TRY(bench_operand(ctx, s, 0, dt, a * b, -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 1, dt, a * cc, -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, s, 2, dt, a * (b + cc), 0, 0, GPU_MEMORY_DEVICE));
        s->t[0].rank = s->t[1].rank = s->t[2].rank = 2;
        s->t[0].shape[0] = s->t[1].shape[0] = s->t[2].shape[0] = (int64_t)a;
        s->t[0].shape[1] = (int64_t)b;
        s->t[1].shape[1] = (int64_t)cc;
        s->t[2].shape[1] = (int64_t)(b + cc);
        break;
    }
    (void)d;
    return PIXEEN_OK;
}

static void ew_record(bench_case *c, void *state, gpu_recorder *rec) {
    op_operands *s = state;
    switch (c->p[E_KIND]) {
    case EW_SILU: op_activation_record(rec, OP_ACT_SILU, &s->t[0], &s->t[1]); break;
    case EW_GELU: op_activation_record(rec, OP_ACT_GELU_ERF, &s->t[0], &s->t[1]); break;
    case EW_GEGLU: op_geglu_record(rec, OP_ACT_GELU_ERF, &s->t[0], &s->t[1]); break;
    case EW_UPSAMPLE: op_upsample_nearest2x_record(rec, &s->t[0], &s->t[1]); break;
    case EW_CONCAT: op_concat_channels_record(rec, &s->t[0], &s->t[1], &s->t[2]); break;
    }
}

static pixeen_status ew_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    op_operands *s = state;
    size_t a = (size_t)c->p[E_A], b = (size_t)c->p[E_B], cc = (size_t)c->p[E_C];
    int out_i = c->p[E_KIND] == EW_CONCAT ? 2 : 1;
    size_t n = s->count[out_i];
    float *got = malloc(n * 4), *ref = malloc(n * 4);
    if (!got || !ref) {
        free(got);
        free(ref);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    }
    pixeen_status st = bench_operand_read(ctx, s, out_i, 0, n, got);
    switch (c->p[E_KIND]) {
    case EW_SILU: ref_activation(OP_ACT_SILU, s->host[0], a, ref); break;
    case EW_GELU: ref_activation(OP_ACT_GELU_ERF, s->host[0], a, ref); break;
    case EW_GEGLU: ref_geglu(OP_ACT_GELU_ERF, s->host[0], a, b, ref); break;
    case EW_UPSAMPLE: ref_upsample_nearest2x(s->host[0], a, b, b, cc, ref); break;
    case EW_CONCAT: ref_concat_channels(s->host[0], s->host[1], a, b, cc, ref); break;
    }
    double max_diff = 0, max_ref = 0;
    bench_accumulate(got, ref, n, &max_diff, &max_ref);
    *max_rel = max_ref > 0 ? max_diff / max_ref : max_diff;
    free(got);
    free(ref);
    return st;
}

static uint32_t add_ew(bench_case *out, uint32_t n, uint32_t max, int kind, const char *name, int64_t a, int64_t b,
                       int64_t cc, double bytes_per_elem_in, double out_elems, int dt) {
    if (n >= max) return n;
    bench_case *c = &out[n];
    memset(c, 0, sizeof *c);
    c->family = "elementwise";
    snprintf(c->name, sizeof c->name, "%s %s", name, bench_dtype_name(dt));
    c->p[E_KIND] = kind;
    c->p[E_A] = a;
    c->p[E_B] = b;
    c->p[E_C] = cc;
    c->dtype = dt;
    double es = dt == DTYPE_F16 ? 2 : 4;
    c->bytes = bytes_per_elem_in + out_elems * es;
    /* activations: fp16 output rounding or fp32 exp/erf vs double; copies exact; the sampler
     * step a few fp32 ulp */
    c->tolerance = kind == EW_UPSAMPLE || kind == EW_CONCAT ? 0 : dt == DTYPE_F16 ? 2e-3 : 2e-5;
    c->setup = ew_setup;
    c->record = ew_record;
    c->validate = ew_validate;
    c->teardown = bench_operands_teardown;
    return n + 1;
}

uint32_t bench_cases_elementwise(bench_case *out, uint32_t max, bool quick) {
    uint32_t n = 0;
    for (int image = quick ? 512 : 256; image <= 512; image *= 2) {
        int lat = image / 8;
        char name[96];
        for (int dt = 0; dt < 2; dt++) {
            if (quick && dt == DTYPE_F32) continue;
            double es = dt == DTYPE_F16 ? 2 : 4;
            int64_t e = 2LL * lat * lat * 320; /* the largest UNet activation: b2 x 64x64 x 320 at 512px */
            snprintf(name, sizeof name, "silu b2 %dx%dx320", lat, lat);
            n = add_ew(out, n, max, EW_SILU, name, e, 0, 0, (double)e * es, (double)e, dt);
            snprintf(name, sizeof name, "gelu b2 %dx%dx320", lat, lat);
            n = add_ew(out, n, max, EW_GELU, name, e, 0, 0, (double)e * es, (double)e, dt);
            int64_t rows = 2LL * lat * lat;
            snprintf(name, sizeof name, "geglu b2 t%lld 2x1280->1280", (long long)(lat * lat));
            n = add_ew(out, n, max, EW_GEGLU, name, rows, 1280, 0, (double)rows * 2560 * es, (double)rows * 1280, dt);
            int64_t up = lat / 8; /* the deepest upsample: 1280 channels from 1/8 to 1/4 of the latent */
            snprintf(name, sizeof name, "upsample2x b2 %lldx%lldx1280", (long long)up, (long long)up);
            n = add_ew(out, n, max, EW_UPSAMPLE, name, 2, up, 1280, 2.0 * up * up * 1280 * es, 8.0 * up * up * 1280, dt);
            snprintf(name, sizeof name, "upsample2x b2 %lldx%lldx640", (long long)(lat / 2), (long long)(lat / 2));
            n = add_ew(out, n, max, EW_UPSAMPLE, name, 2, lat / 2, 640, 2.0 * lat / 2 * lat / 2 * 640 * es,
                       8.0 * lat / 2 * lat / 2 * 640, dt);
            snprintf(name, sizeof name, "concat b2 %dx%d 320++320", lat, lat);
            n = add_ew(out, n, max, EW_CONCAT, name, rows, 320, 320, (double)rows * 640 * es, (double)rows * 640, dt);
            snprintf(name, sizeof name, "concat b2 %dx%d 640++320", lat, lat);
            n = add_ew(out, n, max, EW_CONCAT, name, rows, 640, 320, (double)rows * 960 * es, (double)rows * 960, dt);
        }
    }
    return n;
}
