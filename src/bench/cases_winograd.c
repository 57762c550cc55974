/* cases_winograd.c — benchmark cases of the Winograd convolution (src/ops/conv2d_winograd.h), each
 * shape three times in one run: "direct" (op_conv2d_record, the implicit GEMM), "winograd2"
 * (F(2x2, 3x3)) and "winograd4" (F(4x4, 3x3)): input transform + batched product + output
 * transform, as a step replays them (the weight transform runs once, in setup, as the weights'
 * cache makes it once per model), so `pixeen bench --filter winograd` gives the ratios per shape on
 * the same machine and load. The speed rule in conv2d_winograd.c (MIN_TILES, MIN_TILES_F4,
 * MAX_COUT_F4, MIN_CIN) comes from these figures.
 *
 * Shapes: the SD 1.5 UNet's 3x3 stride-1 convolutions at latents 32x32 and 64x64 (256 and 512 px),
 * batch 2 (CFG), and the VAE decoder's at 256 px and 512 px (the 256x256 level at 256 channels runs
 * in several passes: its scratch would not fit SCRATCH_CAP). Validation: a deterministic sample of 48 output
 * pixels against the double-precision reference (ref_conv2d_rows).
 * Family "conv2d_winograd_weight" times the weight transform alone, at the kernels' shapes a step
 * without the weights' cache transforms (1- and 2-step generations, every VAE decode); it is
 * validated through the convolution it feeds.
 * Case parameters p[]: p[0] the form (0 direct, 2 or 4: op_winograd_tile), p[1] B, p[2] H (= W),
 * p[3] Cin, p[4] Cout, p[5] residual, p[6] 1: the weight transform alone. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cases_winograd.h"
#include "core/f16.h"
#include "ops/conv2d_winograd.h"
#include "ops/gemm.h"
#include "ops/reference_gemm.h"

#define SAMPLE_PIXELS 48

typedef struct wino_state {
    tensor x, w, bias, res, out, u, v, m;
    float *hx, *hw, *hbias, *hres;
} wino_state;

static float *random_host(size_t n, uint64_t seed, bool f16) {
    float *x = malloc(n * sizeof *x);
    if (!x) return NULL;
    uint64_t s = 0x9E3779B97F4A7C15ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        float v = (float)((double)(s >> 11) * (2.0 / 9007199254740992.0) - 1.0);
        x[i] = f16 ? f32_round_f16(v) : v;
    }
    return x;
}

static pixeen_status make_tensor(gpu_context *ctx, tensor_dtype dtype, const float *data, int64_t count, tensor *t) {
    memset(t, 0, sizeof *t);
    t->dtype = dtype;
    t->rank = 1;
    t->shape[0] = count;
    pixeen_status status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(t), "bench", &t->buffer);
    if (status != PIXEEN_OK || !data) return status;
    void *host = malloc(tensor_bytes(t));
    if (!host) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: winograd: out of host memory");
    if (dtype == DTYPE_F16)
        f32_to_f16_array(host, data, (size_t)count);
    else
        memcpy(host, data, (size_t)count * 4);
    status = gpu_buffer_upload(ctx, t->buffer, 0, host, tensor_bytes(t));
    free(host);
    return status;
}

static void wino_teardown(bench_case *c, void *state) {
    (void)c;
    wino_state *s = state;
    if (!s) return;
    tensor *all[] = {&s->x, &s->w, &s->bias, &s->res, &s->out, &s->u, &s->v, &s->m};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) gpu_buffer_destroy(all[i]->buffer);
    free(s->hx), free(s->hw), free(s->hbias), free(s->hres);
    free(s);
}

static pixeen_status wino_setup(bench_case *c, gpu_context *ctx, void **state) {
    const int64_t *p = c->p;
    wino_state *s = calloc(1, sizeof *s);
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: winograd: out of host memory");
    *state = s;
    tensor_dtype dt = (tensor_dtype)c->dtype;
    bool f16 = dt == DTYPE_F16;
    int64_t B = p[1], H = p[2], Cin = p[3], Cout = p[4];
    int64_t nx = B * H * H * Cin, nw = Cout * 9 * Cin, no = B * H * H * Cout;
    s->hx = random_host((size_t)nx, (uint64_t)nx, f16);
    s->hw = random_host((size_t)nw, (uint64_t)nw + 1, true);
    s->hbias = random_host((size_t)Cout, (uint64_t)Cout + 2, true);
    s->hres = p[5] ? random_host((size_t)no, 3, f16) : NULL;
    if (!s->hx || !s->hw || !s->hbias || (p[5] && !s->hres))
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: winograd: out of host memory");
    op_winograd_tile tile = (op_winograd_tile)p[0];
    op_winograd_sizes z = op_conv2d_winograd_sizes(ctx, tile ? tile : OP_WINOGRAD_F2, B, H, H, Cin, Cout, dt);
    pixeen_status st;
    if ((st = make_tensor(ctx, dt, s->hx, nx, &s->x)) != PIXEEN_OK ||
        (st = make_tensor(ctx, DTYPE_F16, s->hw, nw, &s->w)) != PIXEEN_OK ||
        (st = make_tensor(ctx, DTYPE_F16, s->hbias, Cout, &s->bias)) != PIXEEN_OK ||
        (p[5] && (st = make_tensor(ctx, dt, s->hres, no, &s->res)) != PIXEEN_OK) ||
        (st = make_tensor(ctx, dt, NULL, no, &s->out)) != PIXEEN_OK)
        return st;
    if (tile && ((st = make_tensor(ctx, dt, NULL, z.u, &s->u)) != PIXEEN_OK ||
                 (st = make_tensor(ctx, z.v_dtype, NULL, z.v, &s->v)) != PIXEEN_OK ||
                 (st = make_tensor(ctx, z.m_dtype, NULL, z.m, &s->m)) != PIXEEN_OK))
        return st;
    s->x.rank = s->w.rank = s->out.rank = s->res.rank = 4;
    memcpy(s->x.shape, (int64_t[4]){B, H, H, Cin}, sizeof s->x.shape);
    memcpy(s->w.shape, (int64_t[4]){Cout, 3, 3, Cin}, sizeof s->w.shape);
    memcpy(s->out.shape, (int64_t[4]){B, H, H, Cout}, sizeof s->out.shape);
    memcpy(s->res.shape, s->out.shape, sizeof s->res.shape);
    if (!tile) return PIXEEN_OK;
    /* the transformed kernel, made once as the weights' cache makes it */
    gpu_recorder *rec = NULL;
    if ((st = gpu_recorder_create(ctx, &rec)) != PIXEEN_OK) return st;
    gpu_recorder_begin(rec);
    op_conv2d_winograd_weight_record(rec, tile, &s->w, &s->u);
    st = gpu_recorder_end(rec);
    if (st == PIXEEN_OK) st = gpu_recorder_submit(rec);
    gpu_recorder_destroy(rec);
    return st;
}

static void wino_record(bench_case *c, void *state, gpu_recorder *rec) {
    wino_state *s = state;
    const tensor *res = s->res.buffer ? &s->res : NULL;
    if (c->p[6]) {
        op_conv2d_winograd_weight_record(rec, (op_winograd_tile)c->p[0], &s->w, &s->u);
        return;
    }
    if (c->p[0] == 0) {
        op_conv2d_record(rec, &s->x, &s->w, &s->bias, res, &s->out, 1, 1, NULL);
        return;
    }
    op_conv2d_winograd_record(rec, (op_winograd_tile)c->p[0], &s->x, &s->u, &s->bias, res, &s->out, &s->v, &s->m);
}

/* The convolution from the transformed kernel the timed run left in u (a weight-transform case). */
static pixeen_status convolve_with_u(bench_case *c, wino_state *s, gpu_context *ctx) {
    gpu_recorder *rec = NULL;
    pixeen_status st = gpu_recorder_create(ctx, &rec);
    if (st != PIXEEN_OK) return st;
    gpu_recorder_begin(rec);
    op_conv2d_winograd_record(rec, (op_winograd_tile)c->p[0], &s->x, &s->u, &s->bias, s->res.buffer ? &s->res : NULL,
                              &s->out, &s->v, &s->m);
    st = gpu_recorder_end(rec);
    if (st == PIXEEN_OK) st = gpu_recorder_submit(rec);
    gpu_recorder_destroy(rec);
    return st;
}

static pixeen_status wino_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    wino_state *s = state;
    const int64_t *p = c->p;
    if (p[6]) PX_TRY(convolve_with_u(c, s, ctx));
    size_t rows = (size_t)(p[1] * p[2] * p[2]), cols = (size_t)p[4], es = dtype_size(s->out.dtype);
    size_t n = rows < SAMPLE_PIXELS ? rows : SAMPLE_PIXELS, sel[SAMPLE_PIXELS];
    for (size_t i = 0; i < n; i++) sel[i] = n == rows ? i : (size_t)(((uint64_t)i * 2654435761u + 7) % rows);
    if (n < rows) sel[n - 1] = rows - 1;
    float *ref = malloc(n * cols * 4), *got = malloc(cols * 4);
    void *raw = malloc(cols * es);
    if (!ref || !got || !raw) {
        free(ref), free(got), free(raw);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: winograd: out of host memory");
    }
    ref_conv2d_rows(s->hx, s->hw, s->hbias, s->hres, (size_t)p[1], (size_t)p[2], (size_t)p[2], (size_t)p[3], cols, 3, 3,
                    1, 1, sel, n, ref);
    double max_diff = 0, max_ref = 0;
    pixeen_status st = PIXEEN_OK;
    for (size_t i = 0; i < n && st == PIXEEN_OK; i++) {
        st = gpu_buffer_download(ctx, s->out.buffer, sel[i] * cols * es, raw, cols * es);
        if (es == 2)
            f16_to_f32_array(got, raw, cols);
        else
            memcpy(got, raw, cols * 4);
        for (size_t j = 0; j < cols; j++) {
            double r = ref[i * cols + j], d = fabs((double)got[j] - r);
            if (d != d) d = INFINITY;
            if (d > max_diff) max_diff = d;
            if (fabs(r) > max_ref) max_ref = fabs(r);
        }
    }
    *max_rel = max_ref > 0 ? max_diff / max_ref : max_diff;
    free(ref), free(got), free(raw);
    return st;
}

static void set_functions(bench_case *c) {
    c->setup = wino_setup;
    c->record = wino_record;
    c->validate = wino_validate;
    c->teardown = wino_teardown;
}

typedef struct case_list {
    bench_case *out;
    uint32_t max, n;
} case_list;

static void add(case_list *l, const char *what, int64_t B, int64_t H, int64_t Cin, int64_t Cout, bool residual) {
    static const op_winograd_tile forms[] = {OP_WINOGRAD_NONE, OP_WINOGRAD_F2, OP_WINOGRAD_F4};
    static const char *const names[] = {"direct", "winograd2", "winograd4"};
    for (int variant = 0; variant < 3; variant++) {
        if (l->n >= l->max) return;
        /* A form whose scratch or kernels exceed one binding on the smallest device Vulkan allows
         * (F(4x4) at 2560 -> 1280: 36 kernels of 6.25 MiB) cannot run there; the rule never picks it. */
        if (forms[variant] && !op_conv2d_winograd_supported(NULL, forms[variant], B, H, H, Cin, Cout, DTYPE_F16, DTYPE_F16))
            continue;
        bench_case *c = &l->out[l->n++];
        memset(c, 0, sizeof *c);
        c->family = "conv2d_winograd";
        snprintf(c->name, sizeof c->name, "%s %s b%lld %lld->%lld %lldx%lld f16", names[variant], what, (long long)B,
                 (long long)Cin, (long long)Cout, (long long)H, (long long)H);
        int64_t p[12] = {forms[variant], B, H, Cin, Cout, residual};
        memcpy(c->p, p, sizeof p);
        c->dtype = DTYPE_F16;
        /* The direct algorithm's arithmetic for both, so GFLOP/s compare as time does. */
        double out = (double)(B * H * H * Cout);
        c->flops = 2.0 * out * (double)(9 * Cin);
        c->bytes = 2.0 * ((double)(B * H * H * Cin) + out * (residual ? 2 : 1) + (double)(Cout * 9 * Cin));
        /* fp16: the direct path's half ulp of the output plus accumulation (2e-3); F(2x2) rounds
         * its transformed input and products to fp16 too, F(4x4) its larger-valued transformed
         * kernels (see test_op_conv2d_winograd.c). */
        c->tolerance = variant ? 8e-3 : 2e-3;
        set_functions(c);
    }
}

/* The weight transform of a Cout x Cin kernel in `form`: 9 fp16 values read and P written (the
 * activation dtype, fp16 here) per kernel pair. */
static void add_weight(case_list *l, const char *what, op_winograd_tile form, int64_t H, int64_t Cin, int64_t Cout) {
    if (l->n >= l->max) return;
    bench_case *c = &l->out[l->n++];
    memset(c, 0, sizeof *c);
    c->family = "conv2d_winograd_weight";
    snprintf(c->name, sizeof c->name, "winograd%d %s %lld->%lld f16", (int)form, what, (long long)Cin, (long long)Cout);
    int64_t p[12] = {form, 1, H, Cin, Cout, 0, 1};
    memcpy(c->p, p, sizeof p);
    c->dtype = DTYPE_F16;
    c->bytes = 2.0 * (double)(Cout * Cin) * (double)(9 + op_winograd_points(form));
    c->tolerance = 8e-3;
    set_functions(c);
}

uint32_t bench_cases_conv2d_winograd(bench_case *out, uint32_t max, bool quick) {
    case_list l = {out, max, 0};
    add(&l, "unet", 2, 64, 320, 320, true);
    add(&l, "unet", 2, 16, 1280, 1280, true);
    if (quick) return l.n;
    add(&l, "unet", 2, 32, 640, 640, true);
    add(&l, "unet", 2, 8, 1280, 1280, true);
    add(&l, "unet", 2, 4, 1280, 1280, true);
    add(&l, "unet up", 2, 64, 640, 320, false);
    add(&l, "unet up", 2, 32, 1920, 640, false);
    add(&l, "unet up", 2, 16, 2560, 1280, false);
    add(&l, "unet", 2, 32, 320, 320, true);
    add(&l, "unet", 2, 16, 640, 640, true);
    add(&l, "unet conv_in", 2, 64, 4, 320, false);
    add(&l, "vae", 1, 32, 512, 512, true);
    add(&l, "vae", 1, 64, 512, 512, true);
    add(&l, "vae", 1, 128, 512, 512, true);
    add(&l, "vae", 1, 128, 256, 256, true);
    add(&l, "vae", 1, 256, 128, 128, true);
    add(&l, "vae", 1, 256, 256, 256, false); /* passes: the 256 px decoder's upsampler conv */
    add(&l, "vae", 1, 256, 256, 128, false); /* and its last up block's first conv */
    return l.n;
}

uint32_t bench_cases_conv2d_winograd_weight(bench_case *out, uint32_t max, bool quick) {
    case_list l = {out, max, 0};
    add_weight(&l, "unet", OP_WINOGRAD_F2, 8, 1280, 1280);
    add_weight(&l, "unet", OP_WINOGRAD_F4, 16, 640, 640);
    if (quick) return l.n;
    add_weight(&l, "unet", OP_WINOGRAD_F4, 32, 320, 320);
    add_weight(&l, "unet up", OP_WINOGRAD_F4, 16, 1920, 640);
    add_weight(&l, "vae", OP_WINOGRAD_F4, 32, 512, 512);
    add_weight(&l, "unet", OP_WINOGRAD_F2, 8, 1280, 1284); /* Cout not a multiple of 8 */
    return l.n;
}
