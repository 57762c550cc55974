/* ceilings.c — the device's own ceilings, measured in the same run as the cases so every share
 * `pixeen bench` reports is against this device, this driver, today (the idea of vkpeak):
 *   - arithmetic: FMA throughput of long loops of independent multiply-add chains
 *     (shaders/bench_fma.comp) in fp32 and fp16, scalar and vector variants; the best variant of
 *     each precision is its ceiling (packed f16vec2 is what reaches fp16 peak on GPUs with packed
 *     half math; on lavapipe scalar and vec4 fp32 are close and fp16 is emulated, ~10x slower). On lavapipe the JIT emits a multiply and an add, not a fused instruction: the
 *     figure is still the most arithmetic a shader gets there, which is what a share needs.
 *   - bandwidth: a compute-shader copy SSBO -> SSBO in vec4s (shaders/bench_copy.comp) and
 *     vkCmdCopyBuffer; both count bytes read plus bytes written; the higher is the ceiling.
 *
 * Timing: GPU timestamps (the recorder's first-to-last span). The GPU layer writes timestamps
 * only around dispatches, so a transfer copy is followed by a one-workgroup dispatch whose own
 * time (measured alone) is subtracted. Each figure is the best of several runs (a ceiling is the
 * most the device does; the cases, by contrast, report medians) after calibration runs pick the
 * loop count (FMA) or the copies per submit (copy) that make one run last ~50 ms (20 with
 * --quick): long enough for timestamp resolution and clock ramp-up, short enough that the whole
 * measurement takes a few seconds on lavapipe. A variant that is slow even at one loop iteration
 * (fp16 emulated by a CPU driver) runs fewer workgroups instead.
 *
 * Leaves out: cache bandwidths, integer and matrix-unit (cooperative matrix) peaks.
 * Entry point: bench_ceilings_measure.
 */
#include <math.h>
#include <string.h>

#include "bench/runner.h"

typedef struct fma_variant {
    const char *suffix;  /* shader variant of bench_fma.comp */
    uint32_t components; /* lanes of its type */
    bool half;
} fma_variant;

static const fma_variant fma_variants[] = {
    {"f32", 1, false}, {"f32x4", 4, false}, {"f16", 1, true}, {"f16x2", 2, true}, {"f16x4", 4, true},
};

/* Multiply-adds per invocation per loop iteration in bench_fma.comp: 8 chains x 4 unrolled. */
#define FMA_PER_ITERATION 32.0
/* A safety bound on the calibrated loop count, far above any need: 50 ms at 1 PFLOP/s is ~50k
 * iterations of the 4M-invocation GPU grid. */
#define FMA_MAX_ITERS (1u << 24)

typedef struct ceiling_plan {
    uint32_t fma_groups;  /* workgroups of 256 invocations */
    uint32_t min_groups;  /* the fewest a slow variant may shrink to */
    double target_ms;     /* length of one timed run */
    uint32_t runs;        /* timed runs per figure (the best counts) */
    uint64_t copy_bytes;  /* one copy's size */
} ceiling_plan;

static ceiling_plan plan_for(const gpu_context *ctx, const bench_options *opt) {
    const gpu_caps *caps = gpu_context_caps(ctx);
    ceiling_plan plan;
    if (opt->tiny_ceilings) {
        /* Tests: a few ms in all, figures meaningless but every path exercised. */
        plan = (ceiling_plan){.fma_groups = 16, .min_groups = 16, .target_ms = 2, .runs = 2, .copy_bytes = 1u << 20};
    } else {
        /* GPUs: 16384 x 256 = 4M invocations, ~15 waves on the largest GPUs (~270k resident
         * threads on an H100), so a partial last wave costs little. CPU drivers: 4096 groups,
         * hundreds of equal chunks per worker thread on lavapipe. The loop count is calibrated
         * afterwards, so the size changes nothing but the fill. */
        bool cpu = caps->type == GPU_DEVICE_CPU || caps->is_lavapipe;
        plan = (ceiling_plan){.fma_groups = cpu ? 4096 : 16384, .target_ms = opt->quick ? 20 : 50, .runs = opt->quick ? 3 : 5};
        /* 64 workgroups: 32 equal chunks for each of 2 lavapipe threads (2048 invocations
         * each); GPUs never shrink (their slowest variant is still fast). */
        plan.min_groups = cpu ? 64 : plan.fma_groups;
        /* 256 MiB: several times the last-level cache of current GPUs (50-128 MiB), capped by
         * what one storage binding may cover (128 MiB on lavapipe). */
        uint64_t bytes = 256u << 20;
        if (bytes > caps->max_storage_buffer_range) bytes = caps->max_storage_buffer_range;
        plan.copy_bytes = bytes;
    }
    plan.copy_bytes &= ~(uint64_t)(16384 - 1); /* whole workgroups of 1024 vec4s */
    return plan;
}

/* The fastest of `runs` timed submits: a ceiling is the most the device does, and on a shared
 * machine the other runs measure the neighbours as much as the device. */
static pixeen_status timed_best(gpu_recorder *rec, uint32_t runs, double *best) {
    bool gpu_timer;
    *best = 0;
    for (uint32_t i = 0; i < runs; i++) {
        double ms;
        PX_TRY(bench_submit_timed(rec, &ms, &gpu_timer));
        if (i == 0 || ms < *best) *best = ms;
    }
    return PIXEEN_OK;
}

/* Records `iters` loop iterations of the FMA shader into rec. */
static pixeen_status fma_record(gpu_recorder *rec, gpu_pipeline *pipeline, gpu_buffer *out, uint32_t groups,
                                uint32_t iters) {
    const gpu_context *ctx = gpu_recorder_context(rec);
    /* a < 1 makes every chain converge to b / (1 - a) = 1: finite in fp16 and far from denormals. */
    struct {
        uint32_t iters;
        float a, b;
    } push = {iters, 0.9375f, 0.0625f};
    uint32_t gx, gy;
    gpu_groups_2d(ctx, groups, &gx, &gy);
    gpu_binding binding = {out, 0, (uint64_t)gx * gy * 256 * 4, true};
    gpu_recorder_begin(rec);
    gpu_record_dispatch(rec, pipeline, &binding, 1, &push, sizeof push, gx, gy, 1, "bench_fma");
    return gpu_recorder_end(rec);
}

static pixeen_status fma_measure(gpu_context *ctx, gpu_recorder *rec, const fma_variant *v, gpu_buffer *out,
                                 const ceiling_plan *plan, double *gflops) {
    char shader[32];
    snprintf(shader, sizeof shader, "bench_fma_%s", v->suffix);
    gpu_pipeline_desc desc = {.shader = shader, .binding_count = 1, .bindings = {GPU_BIND_STORAGE}, .push_size = 12};
    gpu_pipeline *pipeline;
    PX_TRY(gpu_pipeline_get(ctx, &desc, &pipeline));
    uint32_t groups = plan->fma_groups, iters = 1;
    double ms = 0;
    bool gpu_timer;
    /* The first dispatch compiles the pipeline on lavapipe: one workgroup, never timed. */
    PX_TRY(fma_record(rec, pipeline, out, 1, 1));
    PX_TRY(gpu_recorder_submit(rec));
    PX_TRY(fma_record(rec, pipeline, out, groups, iters));
    PX_TRY(bench_submit_timed(rec, &ms, &gpu_timer));
    /* A slow variant (fp16 emulated by a CPU driver) is long even at one iteration: fewer
     * workgroups, down to what still keeps every worker thread busy. */
    if (ms > plan->target_ms && groups > plan->min_groups) {
        double fewer = (double)groups * plan->target_ms / ms / 2;
        groups = fewer < plan->min_groups ? plan->min_groups : (uint32_t)fewer;
        PX_TRY(fma_record(rec, pipeline, out, groups, iters));
        PX_TRY(bench_submit_timed(rec, &ms, &gpu_timer));
    }
    /* Grow the loop until a run is long enough to extrapolate from (>= a tenth of the target). */
    while (ms < plan->target_ms / 10 && iters < FMA_MAX_ITERS) {
        iters = iters * 8 < FMA_MAX_ITERS ? iters * 8 : FMA_MAX_ITERS;
        PX_TRY(fma_record(rec, pipeline, out, groups, iters));
        PX_TRY(bench_submit_timed(rec, &ms, &gpu_timer));
    }
    double scaled = ms > 0 ? (double)iters * plan->target_ms / ms : (double)iters;
    uint32_t final_iters = scaled < 1 ? 1 : scaled > FMA_MAX_ITERS ? FMA_MAX_ITERS : (uint32_t)scaled;
    if (final_iters != iters) {
        iters = final_iters;
        PX_TRY(fma_record(rec, pipeline, out, groups, iters));
    }
    double best;
    PX_TRY(timed_best(rec, plan->runs, &best));
    uint32_t gx, gy; /* every launched workgroup works (the shader has no bounds check) */
    gpu_groups_2d(ctx, groups, &gx, &gy);
    double flops = (double)gx * gy * 256 * iters * FMA_PER_ITERATION * 2 * v->components;
    *gflops = best > 0 ? flops / (best * 1e6) : 0;
    return PIXEEN_OK;
}

typedef struct copy_buffers {
    gpu_buffer *src, *dst;     /* plan.copy_bytes each */
    gpu_buffer *small_src, *small_dst; /* one workgroup's worth: the marker dispatch */
    gpu_pipeline *pipeline;
    uint64_t bytes;
} copy_buffers;

#define MARKER_BYTES 16384 /* one workgroup of bench_copy.comp: 1024 vec4s */

static void record_shader_copy(gpu_recorder *rec, const copy_buffers *cb, gpu_buffer *src, gpu_buffer *dst,
                               uint64_t bytes) {
    const gpu_context *ctx = gpu_recorder_context(rec);
    uint32_t n = (uint32_t)(bytes / 16), gx, gy;
    gpu_groups_2d(ctx, (n + 1023) / 1024, &gx, &gy);
    gpu_binding bindings[2] = {{src, 0, bytes, false}, {dst, 0, bytes, true}};
    gpu_record_dispatch(rec, cb->pipeline, bindings, 2, &n, sizeof n, gx, gy, 1, "bench_copy");
}

/* `reps` copies back and forth (src -> dst, dst -> src, ...): through a shader, or with
 * vkCmdCopyBuffer followed by the marker dispatch (timestamps come only with dispatches). */
static pixeen_status copy_record(gpu_recorder *rec, const copy_buffers *cb, bool transfer, uint32_t reps) {
    gpu_recorder_begin(rec);
    for (uint32_t i = 0; i < reps; i++) {
        gpu_buffer *from = i % 2 ? cb->dst : cb->src, *to = i % 2 ? cb->src : cb->dst;
        if (transfer)
            gpu_record_copy(rec, from, 0, to, 0, cb->bytes);
        else
            record_shader_copy(rec, cb, from, to, cb->bytes);
    }
    if (transfer) record_shader_copy(rec, cb, cb->small_src, cb->small_dst, MARKER_BYTES);
    return gpu_recorder_end(rec);
}


/* GB/s of one kind of copy; `marker_ms` is subtracted from transfer runs. */
static pixeen_status copy_measure(gpu_recorder *rec, const copy_buffers *cb, const ceiling_plan *plan,
                                  bool transfer, double marker_ms, double *gbs) {
    double ms;
    bool gpu_timer;
    PX_TRY(copy_record(rec, cb, transfer, 1));
    PX_TRY(bench_submit_timed(rec, &ms, &gpu_timer)); /* first use (compiles): an estimate only */
    ms -= marker_ms;
    /* Fast GPUs copy 256 MiB in ~0.1 ms: repeat within one submit up to the target length. */
    uint32_t reps = 1;
    if (ms > 0 && ms < plan->target_ms) {
        double want = plan->target_ms / ms;
        reps = want > 64 ? 64 : (uint32_t)want; /* 64: bounds the recording (a copy and a barrier
                                                  * each); 7 ms of copies even at 4.8 TB/s */
        if (reps < 1) reps = 1;
    }
    if (reps > 1) PX_TRY(copy_record(rec, cb, transfer, reps));
    PX_TRY(gpu_recorder_submit(rec)); /* warm-up */
    PX_TRY(timed_best(rec, plan->runs, &ms));
    /* On a loaded machine the marker's best time can exceed what it adds to this run (a short
     * copy: --quick's 1 MiB on lavapipe under a sanitizer): the copy could not be told from it, and
     * the whole run's time, a lower bound on the bandwidth, is the figure instead of none. */
    double net = ms - marker_ms;
    if (net <= 0) net = ms;
    *gbs = net > 0 ? 2.0 * (double)cb->bytes * reps / (net * 1e6) : 0;
    return PIXEEN_OK;
}

static pixeen_status measure_copies(gpu_context *ctx, gpu_recorder *rec, const ceiling_plan *plan, bench_ceilings *out) {
    copy_buffers cb = {.bytes = plan->copy_bytes};
    gpu_pipeline_desc desc = {
        .shader = "bench_copy", .binding_count = 2, .bindings = {GPU_BIND_STORAGE, GPU_BIND_STORAGE}, .push_size = 4};
    pixeen_status status = gpu_pipeline_get(ctx, &desc, &cb.pipeline);
    if (status == PIXEEN_OK) status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, cb.bytes, "bench copy src", &cb.src);
    if (status == PIXEEN_OK) status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, cb.bytes, "bench copy dst", &cb.dst);
    if (status == PIXEEN_OK)
        status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, MARKER_BYTES, "bench marker src", &cb.small_src);
    if (status == PIXEEN_OK)
        status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, MARKER_BYTES, "bench marker dst", &cb.small_dst);
    if (status == PIXEEN_OK) {
        /* Defined contents (1.0f everywhere), and on drivers that map lazily, pages in place
         * before anything is timed. */
        gpu_recorder_begin(rec);
        gpu_record_fill(rec, cb.src, 0, cb.bytes, 0x3f800000u);
        gpu_record_fill(rec, cb.dst, 0, cb.bytes, 0x3f800000u);
        gpu_record_fill(rec, cb.small_src, 0, MARKER_BYTES, 0x3f800000u);
        gpu_record_fill(rec, cb.small_dst, 0, MARKER_BYTES, 0x3f800000u);
        status = gpu_recorder_end(rec);
        if (status == PIXEEN_OK) status = gpu_recorder_submit(rec);
    }
    if (status == PIXEEN_OK) status = copy_measure(rec, &cb, plan, false, 0, &out->shader_copy_gbs);
    double marker_ms = 0;
    if (status == PIXEEN_OK) {
        gpu_recorder_begin(rec);
        record_shader_copy(rec, &cb, cb.small_src, cb.small_dst, MARKER_BYTES);
        status = gpu_recorder_end(rec);
        if (status == PIXEEN_OK) status = gpu_recorder_submit(rec);
        if (status == PIXEEN_OK) status = timed_best(rec, plan->runs, &marker_ms);
    }
    if (status == PIXEEN_OK) status = copy_measure(rec, &cb, plan, true, marker_ms, &out->transfer_copy_gbs);
    out->copy_bytes = (double)cb.bytes;
    out->bandwidth_gbs = fmax(out->shader_copy_gbs, out->transfer_copy_gbs);
    gpu_buffer_destroy(cb.src);
    gpu_buffer_destroy(cb.dst);
    gpu_buffer_destroy(cb.small_src);
    gpu_buffer_destroy(cb.small_dst);
    return status;
}

pixeen_status bench_ceilings_measure(gpu_context *ctx, const bench_options *opt, bench_ceilings *out, FILE *log) {
    memset(out, 0, sizeof *out);
    const gpu_caps *caps = gpu_context_caps(ctx);
    ceiling_plan plan = plan_for(ctx, opt);
    gpu_recorder *rec = NULL;
    gpu_buffer *fma_out = NULL;
    PX_TRY(gpu_recorder_create(ctx, &rec));
    gpu_recorder_set_timing(rec, true);
    uint32_t gx, gy;
    gpu_groups_2d(ctx, plan.fma_groups, &gx, &gy);
    pixeen_status status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)gx * gy * 256 * 4, "bench fma", &fma_out);
    for (size_t i = 0; status == PIXEEN_OK && i < sizeof fma_variants / sizeof fma_variants[0]; i++) {
        const fma_variant *v = &fma_variants[i];
        if (v->half && !caps->fp16) continue; /* no fp16 arithmetic: the fp16 ceiling stays 0 */
        double gflops = 0;
        status = fma_measure(ctx, rec, v, fma_out, &plan, &gflops);
        if (status != PIXEEN_OK) {
            error_wrap(status, "bench: FMA ceiling (%s): ", v->suffix);
            break;
        }
        bench_fma_result *r = &out->fma[out->fma_count++];
        snprintf(r->variant, sizeof r->variant, "%s", v->suffix);
        r->gflops = gflops;
        double *best = v->half ? &out->fp16_gflops : &out->fp32_gflops;
        if (gflops > *best) *best = gflops;
        if (log) {
            fprintf(log, "  fma %-6s %10.1f GFLOP/s\n", v->suffix, gflops);
            fflush(log);
        }
    }
    gpu_buffer_destroy(fma_out);
    if (status == PIXEEN_OK) {
        status = measure_copies(ctx, rec, &plan, out);
        if (status != PIXEEN_OK) error_wrap(status, "bench: copy bandwidth ceiling: ");
    }
    if (status == PIXEEN_OK && log)
        fprintf(log, "  copy shader %8.1f GB/s, vkCmdCopyBuffer %8.1f GB/s (%.0f MiB buffers)\n",
                out->shader_copy_gbs, out->transfer_copy_gbs, out->copy_bytes / (1 << 20));
    gpu_recorder_destroy(rec);
    return status;
}
