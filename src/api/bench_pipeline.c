/* bench_pipeline.c — pixeen_bench_pipeline (`pixeen bench --pipeline`): the pieces of a generation
 * timed on the model's own graphs, with the per-operator breakdown, in the report format of
 * `pixeen bench` (src/bench/runner.h) so `--compare` reads it.
 *
 * Each piece is an nn_program built as a generation builds it (the same builders, inputs of the
 * same shapes: random latents and context, timestep 500, token ids spread over the vocabulary),
 * submitted once untimed (first dispatches compile pipelines on lavapipe), checked finite, then
 * replayed `repeat` times with GPU timestamps; the piece's time is the median of the replays and
 * each operator label's time its total over the replays divided by their number.
 *
 * Leaves out: the sampler's own kernels (sampler_input/update: microseconds), the tokenizer and
 * LoRA merging (host work), SDXL's VAE fp32 special case beyond using the family's rule. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/internal.h"
#include "bench/runner.h"
#include "core/clock.h"
#include "core/f16.h"
#include "models/clip.h"
#include "models/unet.h"
#include "models/vae.h"
#include "pipeline/run_tensor.h"

#define MAX_RESULTS 512
#define CFG_BATCH 2

typedef struct piece_inputs {
    const clip_config *clip;
    const unet_config *unet;
    const vae_config *vae;
    tensor in[5]; /* text: ids; UNet: sample, t, context, text_embeds, time_ids; VAE: latents */
} piece_inputs;

static tensor build_text(nn_graph *g, void *user) {
    piece_inputs *p = user;
    return clip_text_forward(g, p->clip, &p->in[0], 1, true);
}
static tensor build_unet(nn_graph *g, void *user) {
    piece_inputs *p = user;
    unet_added_inputs added = {p->in[3].rank ? &p->in[3] : NULL, p->in[4].rank ? &p->in[4] : NULL};
    return unet_forward_added(g, p->unet, &p->in[0], &p->in[1], &p->in[2], &added);
}
static tensor build_vae(nn_graph *g, void *user) {
    piece_inputs *p = user;
    return vae_decode_forward(g, p->vae, &p->in[0]);
}

static void free_inputs(piece_inputs *p) {
    for (int i = 0; i < 5; i++) gpu_buffer_destroy(p->in[i].buffer);
    memset(p->in, 0, sizeof p->in);
}

/* A tensor of `dtype` filled from `values` (floats; int32 ids as they are). */
static pixeen_status input_tensor(gpu_context *ctx, tensor_dtype dtype, uint32_t rank, const int64_t *shape,
                                  const void *values, tensor *t) {
    return run_tensor_upload(ctx, dtype, rank, shape, values, "bench input", t);
}

/* Uniform values in [-1, 1) from a fixed seed: the same inputs in every run. */
static pixeen_status random_tensor(gpu_context *ctx, tensor_dtype dtype, uint32_t rank, const int64_t *shape,
                                   uint64_t seed, tensor *t) {
    int64_t n = 1;
    for (uint32_t i = 0; i < rank; i++) n *= shape[i];
    float *v = malloc((size_t)n * sizeof *v);
    if (!v) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    uint64_t s = 0x9E3779B97F4A7C15ull ^ seed;
    for (int64_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        v[i] = (float)((double)(s >> 11) * (2.0 / 9007199254740992.0) - 1.0);
    }
    pixeen_status st = input_tensor(ctx, dtype, rank, shape, v, t);
    free(v);
    return st;
}

typedef struct pipeline_run {
    gpu_context *ctx;
    FILE *out;
    uint32_t repeat;
    const char *filter;
    bench_report *report;
} pipeline_run;

static bool wanted(const pipeline_run *r, const char *piece) { return !r->filter || strstr(piece, r->filter); }

static bench_result *next_result(pipeline_run *r, const char *family, const char *name) {
    if (r->report->count == MAX_RESULTS) return NULL;
    bench_result *res = &r->report->results[r->report->count++];
    memset(res, 0, sizeof *res);
    snprintf(res->family, sizeof res->family, "%s", family);
    snprintf(res->name, sizeof res->name, "%s", name);
    return res;
}

static int by_total_desc(const void *a, const void *b) {
    double ta = ((const bench_result *)a)->median_ms, tb = ((const bench_result *)b)->median_ms;
    return ta < tb ? 1 : ta > tb ? -1 : 0;
}

/* Counts the output's non-finite values (NaN, inf): a piece whose numbers blew up is no benchmark. */
static pixeen_status check_finite(gpu_context *ctx, const tensor *y, const char *piece) {
    size_t n = (size_t)tensor_count(y);
    void *raw = malloc(tensor_bytes(y));
    float *f = malloc(n * sizeof *f);
    pixeen_status st = raw && f ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    if (st == PIXEEN_OK) st = gpu_buffer_download(ctx, y->buffer, y->offset, raw, tensor_bytes(y));
    if (st == PIXEEN_OK) {
        if (y->dtype == DTYPE_F16)
            f16_to_f32_array(f, raw, n);
        else
            memcpy(f, raw, n * sizeof *f);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) bad += !isfinite(f[i]);
        if (bad)
            st = error_set(PIXEEN_ERROR_VALIDATION, "bench: %s: %zu of %zu output values are not finite", piece, bad, n);
    }
    free(raw);
    free(f);
    return st;
}

/* Builds, checks and times one piece; appends its result and its per-operator breakdown. */
static pixeen_status time_piece(pipeline_run *r, const char *piece, const nn_weights *w, tensor_dtype act,
                                nn_build_fn build, piece_inputs *in) {
    fprintf(r->out, "%s: recording...\n", piece);
    fflush(r->out);
    double t0 = clock_wall_seconds();
    nn_program prog = {0};
    gpu_context_set_profiling(r->ctx, true);
    pixeen_status st = nn_program_build(r->ctx, w, act, build, in, &prog);
    gpu_context_set_profiling(r->ctx, false);
    if (st == PIXEEN_OK) st = gpu_recorder_submit(prog.rec); /* compiles; never timed */
    if (st == PIXEEN_OK) st = check_finite(r->ctx, &prog.output, piece);
    double *ms = calloc(r->repeat, sizeof *ms);
    if (st == PIXEEN_OK && !ms) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    bool gpu_timer = true;
    gpu_profile_reset(r->ctx);
    for (uint32_t i = 0; st == PIXEEN_OK && i < r->repeat; i++) st = bench_submit_timed(prog.rec, &ms[i], &gpu_timer);
    bench_result *res = st == PIXEEN_OK ? next_result(r, "pipeline", piece) : NULL;
    if (res) {
        snprintf(res->dtype, sizeof res->dtype, "%s", act == DTYPE_F16 ? "f16" : "f32");
        res->ok = true;
        res->runs = r->repeat;
        res->gpu_timer = gpu_timer;
        res->min_ms = res->max_ms = ms[0];
        for (uint32_t i = 0; i < r->repeat; i++) {
            if (ms[i] < res->min_ms) res->min_ms = ms[i];
            if (ms[i] > res->max_ms) res->max_ms = ms[i];
        }
        res->median_ms = bench_median(ms, r->repeat);
        res->wall_s = clock_wall_seconds() - t0;
        fprintf(r->out, "%-34s %10.1f ms  (min %.1f, max %.1f, %u runs, %u dispatches, arena %.1f MiB)\n", piece,
                res->median_ms, res->min_ms, res->max_ms, r->repeat, gpu_recorder_dispatch_count(prog.rec),
                (double)prog.arena.capacity / (1 << 20));
        /* The breakdown: each label's time per run, largest first. */
        uint32_t first = r->report->count, labels = gpu_profile_count(r->ctx);
        double total = 0;
        for (uint32_t i = 0; i < labels; i++) {
            const char *label;
            uint64_t count;
            double ns;
            gpu_profile_get(r->ctx, i, &label, &count, &ns);
            char name[BENCH_NAME_LEN];
            snprintf(name, sizeof name, "%s: %s", piece, label);
            bench_result *op = next_result(r, "pipeline.op", name);
            if (!op) break;
            snprintf(op->dtype, sizeof op->dtype, "%s", res->dtype);
            op->ok = true;
            op->gpu_timer = true;
            op->runs = (uint32_t)(count / r->repeat);         /* dispatches per run */
            op->median_ms = op->min_ms = op->max_ms = ns / 1e6 / r->repeat; /* per run */
            if (!(op->median_ms > 0)) op->median_ms = op->min_ms = op->max_ms = 1e-6; /* the JSON says > 0 */
            total += op->median_ms;
        }
        qsort(&r->report->results[first], r->report->count - first, sizeof(bench_result), by_total_desc);
        for (uint32_t i = first; i < r->report->count; i++) {
            const bench_result *op = &r->report->results[i];
            fprintf(r->out, "    %-40s %10.2f ms %6.1f%%  %5u dispatches\n", op->name + strlen(piece) + 2, op->median_ms,
                    total > 0 ? 100.0 * op->median_ms / total : 0.0, op->runs);
        }
    }
    if (r->report->count == MAX_RESULTS && st == PIXEEN_OK)
        st = error_set(PIXEEN_ERROR_INTERNAL, "bench: more than %d results", MAX_RESULTS);
    free(ms);
    nn_program_free(&prog);
    return st;
}

static pixeen_status run_pieces(pipeline_run *r, sd_model *m, const int *sizes, int size_count) {
    gpu_context *ctx = r->ctx;
    piece_inputs in = {0};
    char piece[BENCH_NAME_LEN];
    pixeen_status st = PIXEEN_OK;
    /* Text encoders: 2 prompts (the CFG pair), ids spread over the vocabulary. */
    for (int e = 0; st == PIXEEN_OK && e < m->family->encoder_count; e++) {
        model_component c = m->family->encoders[e].component;
        in.clip = model_clip_config(m->files, c);
        snprintf(piece, sizeof piece, "text encoder%s b%d", e ? " 2" : "", CFG_BATCH);
        if (!in.clip || !wanted(r, piece)) continue;
        int32_t ids[CFG_BATCH * 77];
        for (int i = 0; i < CFG_BATCH * 77; i++) ids[i] = (int32_t)((i * 7919u + 13u) % (uint32_t)in.clip->vocab_size);
        st = input_tensor(ctx, DTYPE_I32, 2, (const int64_t[]){CFG_BATCH, 77}, ids, &in.in[0]);
        if (st == PIXEEN_OK) st = time_piece(r, piece, &m->weights[c], m->act, build_text, &in);
        free_inputs(&in);
    }
    in.unet = model_unet_config(m->files);
    in.vae = model_vae_config(m->files);
    int64_t ctx_dim = in.unet->cross_attention_dim;
    for (int s = 0; st == PIXEEN_OK && s < size_count; s++) {
        int64_t h = sizes[s] / in.vae->downscale;
        /* One UNet step of a guided generation: batch 2 (negative and positive prompt). */
        float t[CFG_BATCH] = {500.0f, 500.0f};
        snprintf(piece, sizeof piece, "unet step b%d %dx%d", CFG_BATCH, sizes[s], sizes[s]);
        if (wanted(r, piece))
            st = random_tensor(ctx, m->act, 4, (const int64_t[]){CFG_BATCH, h, h, in.unet->in_channels}, 1, &in.in[0]);
        if (st == PIXEEN_OK && in.in[0].rank)
            st = input_tensor(ctx, DTYPE_F32, 1, (const int64_t[]){CFG_BATCH}, t, &in.in[1]);
        if (st == PIXEEN_OK && in.in[0].rank)
            st = random_tensor(ctx, m->act, 3, (const int64_t[]){CFG_BATCH, 77, ctx_dim}, 2, &in.in[2]);
        if (st == PIXEEN_OK && in.in[0].rank && in.unet->addition_time_embed_dim > 0) { /* SDXL: pooled text, size numbers */
            int64_t P = in.unet->projection_class_embeddings_input_dim - 6 * in.unet->addition_time_embed_dim;
            float ids[CFG_BATCH * 6];
            for (int i = 0; i < CFG_BATCH * 6; i++) ids[i] = i % 6 == 2 || i % 6 == 3 ? 0.0f : (float)sizes[s];
            st = random_tensor(ctx, m->act, 2, (const int64_t[]){CFG_BATCH, P}, 3, &in.in[3]);
            if (st == PIXEEN_OK) st = input_tensor(ctx, DTYPE_F32, 1, (const int64_t[]){CFG_BATCH * 6}, ids, &in.in[4]);
        }
        if (st == PIXEEN_OK && in.in[0].rank)
            st = time_piece(r, piece, &m->weights[MODEL_UNET], m->act, build_unet, &in);
        free_inputs(&in);
        /* The VAE decode of one image. */
        tensor_dtype vae_act = m->family->vae_decode_fp32 ? DTYPE_F32 : m->act;
        snprintf(piece, sizeof piece, "vae decode b1 %dx%d", sizes[s], sizes[s]);
        if (!wanted(r, piece)) continue;
        if (st == PIXEEN_OK)
            st = random_tensor(ctx, vae_act, 4, (const int64_t[]){1, h, h, in.vae->latent_channels}, 4, &in.in[0]);
        if (st == PIXEEN_OK) st = time_piece(r, piece, &m->weights[MODEL_VAE], vae_act, build_vae, &in);
        free_inputs(&in);
    }
    return st;
}

PIXEEN_API pixeen_status pixeen_bench_pipeline(const pixeen_bench_pipeline_desc *desc) {
    error_clear();
    if (!desc) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "bench: the descriptor is NULL");
    PX_TRY(api_check_reserved(desc->reserved, sizeof desc->reserved / sizeof desc->reserved[0], "bench pipeline"));
    if (desc->repeat < 0 || desc->repeat > 1000)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "bench: repeat is %d (expected 0 for the default, or 1..1000)",
                         desc->repeat);
    if (desc->precision > PIXEEN_PRECISION_FP32 || desc->precision < 0)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "bench: unknown precision %d", (int)desc->precision);
    FILE *out = desc->out ? desc->out : stdout;
    static const int full_sizes[] = {256, 512}, quick_sizes[] = {64};
    pipeline_run run = {.out = out, .repeat = desc->repeat ? (uint32_t)desc->repeat : desc->quick ? 1u : 3u,
                        .filter = desc->filter && desc->filter[0] ? desc->filter : NULL};
    bench_report report = {0};
    sd_model *m = NULL;
    pixeen_status st = PIXEEN_OK;
    if (!desc->model || !desc->model[0]) /* the library holds no model maker (tools/support does) */
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "bench: --pipeline needs a model (-m): a checkpoint, or a random-weight test model from "
                         "build/tools/make_test_model --config sd15 (full size) or --config sd15-tiny");
    st = gpu_context_create(&(gpu_context_desc){.device = desc->device}, &run.ctx);
    if (st != PIXEEN_OK) goto done;
    const gpu_caps *caps = gpu_context_caps(run.ctx);
    tensor_dtype act = desc->precision == PIXEEN_PRECISION_FP32 || !caps->fp16 || !caps->storage16 ? DTYPE_F32 : DTYPE_F16;
    report.results = calloc(MAX_RESULTS, sizeof *report.results);
    if (!report.results) {
        st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
        goto done;
    }
    run.report = &report;
    snprintf(report.pixeen_version, sizeof report.pixeen_version, "%s", pixeen_version());
    time_t now = time(NULL);
    struct tm utc;
    if (gmtime_r(&now, &utc)) strftime(report.date, sizeof report.date, "%Y-%m-%dT%H:%M:%SZ", &utc);
    bench_device_fill(caps, &report.device);
    snprintf(report.filter, sizeof report.filter, "pipeline %s%s%s", desc->model ? desc->model : "(tiny model)",
             run.filter ? ", pieces matching " : "", run.filter ? run.filter : "");
    snprintf(report.device_selector, sizeof report.device_selector, "%s", desc->device ? desc->device : "");
    const char *lp = getenv("LP_NUM_THREADS");
    snprintf(report.lp_num_threads, sizeof report.lp_num_threads, "%s", lp ? lp : "");
    report.quick = desc->quick != 0;
    report.repeat = run.repeat;
    bench_print_header(&report, out);
    if (!caps->timestamps) fprintf(out, "note: no GPU timestamps: host-clock times and no per-operator breakdown\n");
    if (gpu_context_validation_enabled(run.ctx))
        fprintf(out, "note: the Vulkan validation layer is on ($PIXEEN_VALIDATION): timings include its overhead\n");
    double t0 = clock_wall_seconds();
    fprintf(out, "loading %s (%s activations)...\n", desc->model ? desc->model : "the tiny test model",
            act == DTYPE_F16 ? "fp16" : "fp32");
    st = sd_model_load(run.ctx, desc->model, NULL, act, &m);
    if (st == PIXEEN_OK) {
        fprintf(out, "loaded in %.1f s (%s, %.0f MiB of weights)\n", clock_wall_seconds() - t0, m->family->name,
                (double)m->weight_bytes / (1 << 20));
        st = desc->quick ? run_pieces(&run, m, quick_sizes, 1) : run_pieces(&run, m, full_sizes, 2);
        if (st == PIXEEN_OK && report.count == 0)
            st = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "bench: no piece matches the filter '%s'", run.filter);
    }
    report.elapsed_s = clock_wall_seconds() - t0;
    if (desc->json_path && report.count) {
        char run_error[1024];
        snprintf(run_error, sizeof run_error, "%s", error_message());
        pixeen_status written = bench_report_write_json(&report, desc->json_path);
        if (written == PIXEEN_OK)
            fprintf(out, "results written to %s\n", desc->json_path);
        else if (st == PIXEEN_OK)
            st = written;
        else
            error_set(st, "%s", run_error);
    }
done:
    sd_model_free(m);
    bench_report_free(&report);
    gpu_context_destroy(run.ctx);
    return st;
}
