/* winograd_ab.c — one UNet step (batch 2, CFG) of a model recorded twice in one process, with the
 * direct convolution (PIXEEN_CONV_WINOGRAD=0) and with the default choice (Winograd where
 * op_conv2d_winograd_wanted says so), then replayed alternately A, B, A, B, ... so both see the
 * same machine load: the before/after ratio of the Winograd change on a shared machine.
 *
 *   winograd_ab MODEL [SIZE=256] [ROUNDS=3]
 *
 * Prints each replay's GPU time and the median ratio A/B (> 1: Winograd faster). A developer
 * tool (`pixeen bench --pipeline` is the user-facing benchmark); not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/runner.h"
#include "core/error.h"
#include "core/f16.h"
#include "models/unet.h"
#include "pipeline/sd_model.h"

typedef struct inputs {
    const unet_config *unet;
    tensor sample, t, context;
} inputs;

static tensor build(nn_graph *g, void *user) {
    inputs *in = user;
    return unet_forward(g, in->unet, &in->sample, &in->t, &in->context);
}

static pixeen_status fill(gpu_context *ctx, tensor_dtype dt, uint32_t rank, const int64_t *shape, uint64_t seed,
                          bool constant, tensor *t) {
    memset(t, 0, sizeof *t);
    t->dtype = dt;
    t->rank = rank;
    for (uint32_t i = 0; i < rank; i++) t->shape[i] = shape[i];
    size_t n = (size_t)tensor_count(t);
    PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(t), "ab input", &t->buffer));
    float *v = malloc(n * 4);
    uint16_t *h = malloc(n * 2);
    if (!v || !h) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "out of memory");
    uint64_t s = 0x9E3779B97F4A7C15ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        v[i] = constant ? 500.0f : (float)((double)(s >> 11) * (2.0 / 9007199254740992.0) - 1.0);
    }
    if (dt == DTYPE_F16) f32_to_f16_array(h, v, n);
    pixeen_status st = gpu_buffer_upload(ctx, t->buffer, 0, dt == DTYPE_F16 ? (void *)h : (void *)v, tensor_bytes(t));
    free(v), free(h);
    return st;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: winograd_ab MODEL [SIZE=256] [ROUNDS=3]\n");
        return 2;
    }
    int size = argc > 2 ? atoi(argv[2]) : 256, rounds = argc > 3 ? atoi(argv[3]) : 3;
    if (size < 8 || size % 8 || rounds < 1 || rounds > 100) {
        fprintf(stderr, "winograd_ab: SIZE a multiple of 8, ROUNDS 1..100\n");
        return 2;
    }
    gpu_context *ctx = NULL;
    sd_model *m = NULL;
    nn_program prog[2];
    memset(prog, 0, sizeof prog);
    inputs in = {0};
    pixeen_status st = gpu_context_create(&(gpu_context_desc){0}, &ctx);
    if (st == PIXEEN_OK) st = sd_model_load(ctx, argv[1], NULL, DTYPE_F16, &m);
    if (st == PIXEEN_OK) {
        in.unet = model_unet_config(m->files);
        int64_t h = size / model_vae_config(m->files)->downscale;
        st = fill(ctx, m->act, 4, (const int64_t[]){2, h, h, in.unet->in_channels}, 1, false, &in.sample);
        if (st == PIXEEN_OK) st = fill(ctx, DTYPE_F32, 1, (const int64_t[]){2}, 0, true, &in.t);
        if (st == PIXEEN_OK)
            st = fill(ctx, m->act, 3, (const int64_t[]){2, 77, in.unet->cross_attention_dim}, 2, false, &in.context);
    }
    gpu_winograd_choice saved = ctx ? gpu_context_tuning(ctx)->conv_winograd : GPU_WINOGRAD_AUTO;
    for (int v = 0; v < 2 && st == PIXEEN_OK; v++) {
        gpu_context_tuning_edit(ctx)->conv_winograd = v == 0 ? GPU_WINOGRAD_OFF : saved;
        st = nn_program_build(ctx, &m->weights[MODEL_UNET], m->act, build, &in, &prog[v]);
        if (st == PIXEEN_OK) st = gpu_recorder_submit(prog[v].rec); /* compiles: not timed */
        if (st == PIXEEN_OK)
            printf("%s: %u dispatches, arena %.1f MiB\n", v ? "B (default: Winograd where chosen)" : "A (direct)",
                   gpu_recorder_dispatch_count(prog[v].rec), (double)prog[v].arena.capacity / (1 << 20));
    }
    double *ms[2] = {calloc((size_t)rounds, sizeof(double)), calloc((size_t)rounds, sizeof(double))};
    for (int r = 0; r < rounds && st == PIXEEN_OK; r++)
        for (int v = 0; v < 2 && st == PIXEEN_OK; v++) {
            bool gpu_timer;
            st = bench_submit_timed(prog[v].rec, &ms[v][r], &gpu_timer);
            printf("round %d %s: %.1f ms\n", r, v ? "B" : "A", ms[v][r]);
            fflush(stdout);
        }
    if (st == PIXEEN_OK) {
        double a = bench_median(ms[0], (uint32_t)rounds), b = bench_median(ms[1], (uint32_t)rounds);
        printf("unet step b2 %dx%d: A %.1f ms, B %.1f ms (medians of %d), A/B %.3f\n", size, size, a, b, rounds, a / b);
    } else {
        fprintf(stderr, "winograd_ab: %s\n", error_message());
    }
    free(ms[0]), free(ms[1]);
    for (int v = 0; v < 2; v++) nn_program_free(&prog[v]);
    gpu_buffer_destroy(in.sample.buffer), gpu_buffer_destroy(in.t.buffer), gpu_buffer_destroy(in.context.buffer);
    sd_model_free(m);
    gpu_context_destroy(ctx);
    return st == PIXEEN_OK ? 0 : 1;
}
