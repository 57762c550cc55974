/* vae_tiling_measure.c — what a VAE decode needs, tiled and not: the planned activation arena and
 * the largest single activation (a planning pass: nothing allocated), and with --run the seconds
 * of one decode of random latents on the device (the program recorded once, then submitted once
 * untimed to warm the pipelines and once timed). A failure (an activation over the device's
 * binding limit, out of memory) is printed as the library's message.
 *
 *   vae_tiling_measure MODEL [--precision fp16|fp32] [--tile PX] [--run] SIZE...
 *
 * SIZE is the image side in pixels (512 1024 2048). For each size it prints the untiled plan, the
 * tiled plan (tiles of --tile px, default the VAE's sample_size), and with --run the times. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "models/model.h"
#include "pipeline/run_tensor.h"
#include "pipeline/vae_tiling.h"

#define MIB (1024.0 * 1024.0)

typedef struct decode_case {
    const vae_config *cfg;
    const vae_tiling *tiling;
    tensor latents;
} decode_case;

static tensor build(nn_graph *g, void *user) {
    decode_case *c = user;
    return vae_tiling_decode(g, c->tiling, c->cfg, &c->latents, 1.0f / c->cfg->scaling_factor);
}

static void measure(gpu_context *ctx, const nn_weights *w, const vae_config *cfg, tensor_dtype act, int size, int tile_px,
                    bool tiled, bool run) {
    const int64_t h = size / cfg->downscale;
    vae_tiling t = {0};
    vae_tiling_settings s = {.mode = tiled ? (getenv("MEASURE_AUTO") ? VAE_TILING_AUTO : VAE_TILING_ON) : VAE_TILING_OFF,
                             .tile_px = tile_px};
    pixeen_status st = vae_tiling_prepare_decode(ctx, w, act, cfg, &s, 1, h, h, &t);
    decode_case c = {cfg, &t, {.dtype = DTYPE_F32, .rank = 4, .shape = {1, h, h, cfg->latent_channels}}};
    nn_plan plan = {0};
    if (st == PIXEEN_OK) st = nn_program_plan(ctx, w, act, build, &c, &plan);
    const uint64_t peak = plan.arena_bytes, largest = plan.largest_bytes;
    printf("%4dx%-4d %-8s %-14s arena %8.1f MiB, largest activation %7.1f MiB", size, size, tiled ? "tiled" : "untiled",
           tiled ? "" : "", peak / MIB, largest / MIB);
    if (tiled) printf(" (%dx%d tiles of %d px)", t.y.count, t.x.count, t.y.tile * cfg->downscale);
    printf("\n");
    if (st != PIXEEN_OK) printf("    plan failed: %s\n", error_message());
    if (st == PIXEEN_OK && run) {
        float *host = malloc((size_t)(h * h * cfg->latent_channels) * sizeof *host);
        unsigned long long x = 88172645463325252ull;
        for (int64_t i = 0; host && i < h * h * cfg->latent_channels; i++) { /* xorshift, about N(0, 1) * 0.18 */
            double u = 0;
            for (int k = 0; k < 4; k++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                u += (double)(x >> 11) / 9007199254740992.0;
            }
            host[i] = (float)((u - 2.0) * 1.7 * cfg->scaling_factor);
        }
        const int64_t shape[4] = {1, h, h, cfg->latent_channels};
        st = run_tensor_create(ctx, DTYPE_F32, 4, shape, "latents", &c.latents);
        if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, c.latents.buffer, 0, host, tensor_bytes(&c.latents));
        free(host);
        nn_program prog = {0};
        double t0 = clock_wall_seconds();
        if (st == PIXEEN_OK) st = nn_program_build(ctx, w, act, build, &c, &prog);
        double t1 = clock_wall_seconds();
        if (st == PIXEEN_OK) st = gpu_recorder_submit(prog.rec);
        double t2 = clock_wall_seconds();
        if (st == PIXEEN_OK) printf("    recorded in %.2f s (%u dispatches); first submit %.1f s", t1 - t0,
                                    gpu_recorder_dispatch_count(prog.rec), t2 - t1);
        if (st == PIXEEN_OK && getenv("MEASURE_TWICE")) {
            st = gpu_recorder_submit(prog.rec);
            printf(", second %.1f s", clock_wall_seconds() - t2);
        }
        if (st == PIXEEN_OK) printf("\n");
        else printf("    run failed: %s\n", error_message());
        nn_program_free(&prog);
        gpu_buffer_destroy(c.latents.buffer);
    }
    fflush(stdout);
    vae_tiling_free(&t);
}

int main(int argc, char **argv) {
    const char *path = NULL;
    tensor_dtype act = DTYPE_F16;
    int tile_px = 0, sizes[8], n = 0;
    bool run = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--precision") && i + 1 < argc) act = !strcmp(argv[++i], "fp32") ? DTYPE_F32 : DTYPE_F16;
        else if (!strcmp(argv[i], "--tile") && i + 1 < argc) tile_px = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--run")) run = true;
        else if (!path) path = argv[i];
        else if (n < 8) sizes[n++] = atoi(argv[i]);
    }
    if (!path || !n) {
        fprintf(stderr, "usage: vae_tiling_measure MODEL [--precision fp16|fp32] [--tile PX] [--run] SIZE...\n");
        return 2;
    }
    gpu_context *ctx = NULL;
    model *m = NULL;
    nn_weights w = {0};
    pixeen_status st = gpu_context_create(&(gpu_context_desc){0}, &ctx);
    if (st == PIXEEN_OK) st = model_open(path, &m);
    if (st == PIXEEN_OK) st = nn_weights_upload(ctx, m, MODEL_VAE, &w);
    if (st != PIXEEN_OK) {
        fprintf(stderr, "vae_tiling_measure: %s\n", error_message());
        return 1;
    }
    const vae_config *cfg = model_vae_config(m);
    const gpu_caps *caps = gpu_context_caps(ctx);
    printf("%s, VAE %s activations, tile %d px, binding limit %.0f MiB, default budget %.0f MiB\n", caps->name,
           act == DTYPE_F16 ? "fp16" : "fp32", tile_px ? tile_px : cfg->sample_size, caps->max_storage_buffer_range / MIB,
           vae_tiling_default_budget(caps) / MIB);
    for (int i = 0; i < n; i++) {
        measure(ctx, &w, cfg, act, sizes[i], tile_px, false, run);
        measure(ctx, &w, cfg, act, sizes[i], tile_px, true, run);
    }
    nn_weights_free(&w);
    model_close(m);
    gpu_context_destroy(ctx);
    return 0;
}
