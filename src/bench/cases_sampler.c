/* cases_sampler.c — operator cases of the kernels around the UNet in a denoising step and after it:
 * sampler_input and sampler_update (the plan read by step index from a host-visible word), the
 * timestep embedding (reading the plan's timesteps), latent_scale (the VAE's input) and
 * image_rgba8 (its output). Each at odd sizes (check only) and at SD 1.5's 512x512 shapes with
 * classifier-free guidance (latents [1, 64, 64, 4], UNet batch 2; checked and timed: they are
 * small). Every element is compared with the plain-C references (ops/reference_*.h); the kernels
 * compute in fp32, so the tolerances are fp32 rounding, or fp16's where the output is fp16.
 * Entry point: bench_cases_sampler (providers.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/case_operands.h"
#include "ops/image_rgba8.h"
#include "ops/latent_scale.h"
#include "ops/reference_image_rgba8.h"
#include "ops/reference_latent_scale.h"
#include "ops/reference_sampler_step.h"
#include "ops/reference_timestep_embedding.h"
#include "ops/sampler_step.h"
#include "ops/timestep_embedding.h"

uint32_t bench_cases_sampler(bench_case *out, uint32_t max, bool quick);

enum { KIND = 0, N = 1, HALVES = 2, DIM = 3 };
enum { SAMPLER_INPUT, SAMPLER_UPDATE, TIMESTEP_EMBEDDING, LATENT_SCALE, IMAGE_RGBA8 };

#define PLAN_STEPS 3
#define STEP 1 /* the step the host-visible word selects: not the first, so the index is read */

/* Operands: 0 x (fp32 latents), 1 model output / UNet input / out, 2 prev or timesteps out, 3 noise. */
typedef struct step_case {
    op_operands o;
    gpu_buffer *plan, *state;
    sampler_step steps[PLAN_STEPS];
    gpu_buffer *rgba; /* image_rgba8's output */
} step_case;

static void step_teardown(bench_case *c, void *state) {
    step_case *s = state;
    if (!s) return;
    gpu_buffer_destroy(s->plan);
    gpu_buffer_destroy(s->state);
    gpu_buffer_destroy(s->rgba);
    for (int i = 0; i < MAX_OPERANDS; i++) {
        if (s->o.t[i].buffer != s->plan) gpu_buffer_destroy(s->o.t[i].buffer); /* the timesteps view the plan */
        free(s->o.host[i]);
    }
    (void)c;
    free(s);
}

/* Three steps whose scalars differ, each flag combination used: step 1 reads and keeps prev and
 * adds noise. */
static void make_plan(sampler_step *steps) {
    for (int s = 0; s < PLAN_STEPS; s++)
        steps[s] = (sampler_step){.timestep = 981.0f - 250 * s, .c_in = 0.25f + 0.5f * s, .dn_x = 1.0f - 0.1f * s,
                                  .dn_eps = -0.7f + 0.3f * s, .a = 0.5f + 0.1f * s, .b = 0.4f - 0.05f * s,
                                  .c = s == 1 ? -0.3f : 0.0f, .d = s == 1 ? 0.2f : 0.0f,
                                  .flags = s == 1 ? SAMPLER_STEP_USE_PREV | SAMPLER_STEP_KEEP_DENOISED : 0u,
                                  .index = (uint32_t)s};
}

static pixeen_status step_setup(bench_case *c, gpu_context *ctx, void **state) {
    step_case *s = calloc(1, sizeof *s);
    *state = s;
    if (!s) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    size_t n = (size_t)c->p[N], halves = (size_t)c->p[HALVES];
    tensor_dtype dt = (tensor_dtype)c->dtype;
    make_plan(s->steps);
    PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, sizeof s->steps, "bench plan", &s->plan));
    PX_TRY(gpu_buffer_upload(ctx, s->plan, 0, s->steps, sizeof s->steps));
    uint32_t index = STEP;
    PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_HOST, sizeof index, "bench step", &s->state));
    PX_TRY(gpu_buffer_upload(ctx, s->state, 0, &index, sizeof index));
    switch (c->p[KIND]) {
    case SAMPLER_INPUT:
        PX_TRY(bench_operand(ctx, &s->o, 0, DTYPE_F32, n, -3, 3, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 1, dt, halves * n, 0, 0, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 2, DTYPE_F32, halves, 0, 0, GPU_MEMORY_DEVICE));
        break;
    case SAMPLER_UPDATE:
        PX_TRY(bench_operand(ctx, &s->o, 0, DTYPE_F32, n, -3, 3, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 1, dt, halves * n, -2, 2, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 2, DTYPE_F32, n, -1, 1, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 3, DTYPE_F32, PLAN_STEPS * n, -1, 1, GPU_MEMORY_DEVICE));
        break;
    case TIMESTEP_EMBEDDING: /* the plan's floats are the timesteps buffer; rows read steps STEP.. */
        PX_TRY(bench_operand(ctx, &s->o, 1, dt, halves * n, 0, 0, GPU_MEMORY_DEVICE));
        s->o.t[0] = (tensor){.buffer = s->plan, .dtype = DTYPE_F32, .rank = 1, .shape = {PLAN_STEPS * 16}};
        s->o.t[1].rank = 2, s->o.t[1].shape[0] = (int64_t)halves, s->o.t[1].shape[1] = (int64_t)n;
        break;
    case LATENT_SCALE:
        PX_TRY(bench_operand(ctx, &s->o, 0, DTYPE_F32, n, -20, 20, GPU_MEMORY_DEVICE));
        PX_TRY(bench_operand(ctx, &s->o, 1, dt, n, 0, 0, GPU_MEMORY_DEVICE));
        break;
    case IMAGE_RGBA8: /* values past [-1, 1] too: the kernel clamps */
        PX_TRY(bench_operand(ctx, &s->o, 0, dt, n * 3, -1.2f, 1.2f, GPU_MEMORY_DEVICE));
        s->o.t[0].rank = 4, s->o.t[0].shape[0] = 1, s->o.t[0].shape[1] = 1, s->o.t[0].shape[2] = (int64_t)n,
        s->o.t[0].shape[3] = 3;
        PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, n * 4 + 64, "bench rgba", &s->rgba));
        break;
    }
    if (c->p[KIND] == SAMPLER_INPUT || c->p[KIND] == SAMPLER_UPDATE) {
        /* x [1, n, 1, 1] as latents; the model tensor [halves, n, 1, 1] */
        s->o.t[0].rank = 4, s->o.t[0].shape[0] = 1, s->o.t[0].shape[1] = (int64_t)n, s->o.t[0].shape[2] = 1,
        s->o.t[0].shape[3] = 1;
        s->o.t[1].rank = 4, s->o.t[1].shape[0] = (int64_t)halves, s->o.t[1].shape[1] = (int64_t)n,
        s->o.t[1].shape[2] = 1, s->o.t[1].shape[3] = 1;
    }
    return PIXEEN_OK;
}

static void step_record(bench_case *c, void *state, gpu_recorder *rec) {
    step_case *s = state;
    op_sampler_bindings b = {.plan = s->plan, .state = s->state, .x = &s->o.t[0]};
    switch (c->p[KIND]) {
    case SAMPLER_INPUT: op_sampler_input_record(rec, &b, (uint32_t)c->p[HALVES], &s->o.t[1], &s->o.t[2]); break;
    case SAMPLER_UPDATE:
        op_sampler_update_record(rec, &b, (uint32_t)c->p[HALVES], 7.5f, &s->o.t[1], &s->o.t[2], &s->o.t[3], PLAN_STEPS);
        break;
    case TIMESTEP_EMBEDDING:
        op_timestep_embedding_record(rec, &(op_timestep_embedding_desc){.timesteps = &s->o.t[0],
                                                                        .t_index = STEP * 16, /* .timestep */
                                                                        .t_stride = 16, /* the next step's */
                                                                        .out = &s->o.t[1],
                                                                        .flip_sin_to_cos = true});
        break;
    case LATENT_SCALE: op_latent_scale_record(rec, &s->o.t[0], 1.0f / 0.18215f, &s->o.t[1]); break;
    case IMAGE_RGBA8: op_image_rgba8_record(rec, &s->o.t[0], s->rgba, 64); break;
    }
}

static pixeen_status step_validate(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    step_case *s = state;
    size_t n = (size_t)c->p[N], halves = (size_t)c->p[HALVES], outputs = 0;
    float *got = calloc(4 * halves * n + 8, sizeof *got), *ref = calloc(4 * halves * n + 8, sizeof *ref);
    pixeen_status st = got && ref ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    double md = 0, mr = 0, norm = 0;
    const sampler_step *step = &s->steps[STEP];
    if (st == PIXEEN_OK) switch (c->p[KIND]) {
        case SAMPLER_INPUT:
            ref_sampler_input(step, s->o.host[0], n, (uint32_t)halves, ref, ref + halves * n, halves);
            st = bench_operand_read(ctx, &s->o, 1, 0, halves * n, got);
            if (st == PIXEEN_OK) st = bench_operand_read(ctx, &s->o, 2, 0, halves, got + halves * n);
            outputs = halves * n + halves;
            break;
        case SAMPLER_UPDATE: {
            float *m = ref + 2 * n, *prev = ref + 3 * n;
            if (halves == 2) ref_guidance(s->o.host[1], s->o.host[1] + n, 7.5f, n, m);
            else memcpy(m, s->o.host[1], n * sizeof *m);
            memcpy(prev, s->o.host[2], n * sizeof *prev);
            ref_sampler_step(step, s->o.host[0], m, prev, s->o.host[3] + STEP * n, ref, n);
            memcpy(ref + n, prev, n * sizeof *prev);
            st = bench_operand_read(ctx, &s->o, 0, 0, n, got);
            if (st == PIXEEN_OK) st = bench_operand_read(ctx, &s->o, 2, 0, n, got + n);
            outputs = 2 * n;
            break;
        }
        case TIMESTEP_EMBEDDING: {
            float t[2] = {s->steps[STEP].timestep, s->steps[STEP + 1].timestep};
            ref_timestep_embedding(t, halves, n, true, 0.0f, 1.0f, 10000.0f, ref);
            st = bench_operand_read(ctx, &s->o, 1, 0, halves * n, got);
            outputs = halves * n;
            break;
        }
        case LATENT_SCALE:
            ref_latent_scale(s->o.host[0], n, 1.0f / 0.18215f, ref);
            st = bench_operand_read(ctx, &s->o, 1, 0, n, got);
            outputs = n;
            break;
        case IMAGE_RGBA8: { /* compared per channel byte, relative to 255 */
            uint32_t *words = malloc(n * 4), *want = malloc(n * 4);
            if (!words || !want) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
            if (st == PIXEEN_OK) st = gpu_buffer_download(ctx, s->rgba, 64, words, n * 4);
            if (st == PIXEEN_OK) {
                ref_image_rgba8(s->o.host[0], n, want);
                for (size_t i = 0; i < n * 4; i++) {
                    got[i] = (float)((words[i / 4] >> (8 * (i % 4))) & 255u);
                    ref[i] = (float)((want[i / 4] >> (8 * (i % 4))) & 255u);
                }
            }
            free(words);
            free(want);
            outputs = n * 4;
            norm = 255; /* relative to a byte's range, not to the largest byte */
            break;
        }
        }
    if (st == PIXEEN_OK) {
        bench_accumulate(got, ref, outputs, &md, &mr);
        *max_rel = md / (norm > 0 ? norm : mr > 1 ? mr : 1);
    }
    free(got);
    free(ref);
    return st;
}

static uint32_t add(bench_case *out, uint32_t n, uint32_t max, const char *family, int kind, const char *what,
                    int64_t count, int64_t halves, int dt, bench_case_use use, double bytes) {
    if (n >= max) return n;
    bench_case *c = &out[n];
    memset(c, 0, sizeof *c);
    c->family = family;
    snprintf(c->name, sizeof c->name, "%s %s", what, bench_dtype_name(dt));
    c->p[KIND] = kind, c->p[N] = count, c->p[HALVES] = halves;
    c->dtype = dt;
    c->bytes = bytes;
    c->use = use;
    /* fp32 arithmetic; an fp16 output carries its rounding (2^-11 relative) */
    c->tolerance = kind == IMAGE_RGBA8 ? 1.01 / 255 : dt == DTYPE_F16 ? 1e-3 : 2e-6;
    if (kind == TIMESTEP_EMBEDDING && dt == DTYPE_F32) c->tolerance = 2e-4; /* sin of arguments near 1000 */
    c->setup = step_setup;
    c->record = step_record;
    c->validate = step_validate;
    c->teardown = step_teardown;
    return n + 1;
}

uint32_t bench_cases_sampler(bench_case *out, uint32_t max, bool quick) {
    (void)quick; /* all small */
    uint32_t n = 0;
    const int64_t latent = 64 * 64 * 4; /* 512x512 */
    for (int dt = 0; dt < 2; dt++) {
        double es = dt == DTYPE_F16 ? 2 : 4;
        n = add(out, n, max, "sampler_input", SAMPLER_INPUT, "odd n157 cfg", 157, 2, dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "sampler_input", SAMPLER_INPUT, "odd n33 one half", 33, 1, dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "sampler_input", SAMPLER_INPUT, "512px 64x64x4 cfg", latent, 2, dt, BENCH_USE_BOTH,
                latent * 4 + 2 * latent * es);
        n = add(out, n, max, "sampler_update", SAMPLER_UPDATE, "odd n157 cfg", 157, 2, dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "sampler_update", SAMPLER_UPDATE, "odd n33 one half", 33, 1, dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "sampler_update", SAMPLER_UPDATE, "512px 64x64x4 cfg", latent, 2, dt, BENCH_USE_BOTH,
                latent * (4 * 5 + 2 * es));
        n = add(out, n, max, "timestep_embedding", TIMESTEP_EMBEDDING, "odd dim 37", 37, 2, dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "timestep_embedding", TIMESTEP_EMBEDDING, "unet dim 320 cfg", 320, 2, dt, BENCH_USE_BOTH,
                640 * es);
        n = add(out, n, max, "latent_scale", LATENT_SCALE, "odd n157", 157, 1, dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "latent_scale", LATENT_SCALE, "512px 64x64x4", latent, 1, dt, BENCH_USE_BOTH,
                latent * (4 + es));
        n = add(out, n, max, "image_rgba8", IMAGE_RGBA8, "odd 37 pixels", 37, 1, dt, BENCH_USE_CHECK, 0);
        n = add(out, n, max, "image_rgba8", IMAGE_RGBA8, "512x512", 512 * 512, 1, dt, BENCH_USE_BOTH,
                512.0 * 512 * (3 * es + 4));
    }
    return n;
}
