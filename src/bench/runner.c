/* runner.c — runs the benchmark cases: collects them from the providers, then for each case
 * sets it up, records it once, submits it once and validates the result against the plain-C
 * reference (a case that fails is reported FAILED with its error and is not timed), warms it up,
 * and times it by replaying the recording.
 *
 * Timing: GPU timestamps around the recording (first to last dispatch); the host clock around
 * submit-and-wait only where the device has no timestamps. Warm-up: the validation submit plus
 * 2 more (1 with --quick): lavapipe compiles pipelines at their first dispatch, and GPUs raise
 * their clocks after a few ms of load. The figure is the median of the timed runs, whose count
 * adapts to the case: enough runs to fill ~0.5 s (0.15 s with --quick), at least 3 unless one run
 * is slow, and never more than 1 s (0.3 s) of timed runs per case. --repeat N fixes the count.
 *
 * Time limit (150 s; 25 s with --quick; --time-limit): a slow device (lavapipe) cannot run every
 * shape of every family in minutes, so the run is bounded, and every family gets a fair part of
 * it: when a family starts, its share is the time left divided by the families left (a family
 * that finishes early passes the rest on). Past 60% of its share a family's remaining cases get
 * one warm-up and one timed run; a case whose estimated cost would end past the share is SKIPPED
 * and listed as such, and cheaper cases after it still run. The estimate is the case's roofline
 * time (from the measured ceilings) times a ratio learnt from the family's largest case so far
 * (its wall time, CPU reference included, over its roofline time), 12 until there is one. Skipped is not failed: the
 * exit status stays 0, and the summary says how to run them (--filter, --time-limit 0).
 *
 * Contract with the cases (bench.h): teardown is called after every successful setup (also when
 * a later stage failed); after a failed setup the case must already have released what it made.
 *
 * Leaves out: the ceilings (ceilings.c), printing and JSON (report.c).
 * Entry points: bench_collect, bench_list_print, bench_run, bench_submit_timed, bench_median.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/runner.h"
#include "core/clock.h"
#include "core/tensor.h"

#define PROVIDER_MAX_CASES 512 /* per provider: real families list tens of shapes */
/* Timestamps one recording holds (the query pool of src/gpu/recorder.c): one before the first
 * dispatch and one after each. */
#define RECORDER_TIMESTAMPS 4096

pixeen_status bench_submit_timed(gpu_recorder *rec, double *ms, bool *gpu_timer) {
    double t0 = clock_wall_seconds();
    PX_TRY(gpu_recorder_submit(rec));
    double host_ms = (clock_wall_seconds() - t0) * 1e3;
    double gpu_ns = gpu_recorder_last_ns(rec);
    *gpu_timer = gpu_ns > 0;
    *ms = gpu_ns > 0 ? gpu_ns * 1e-6 : host_ms;
    return PIXEEN_OK;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

double bench_median(double *values, uint32_t n) {
    if (n == 0) return 0;
    qsort(values, n, sizeof *values, compare_double);
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

void bench_report_free(bench_report *report) {
    if (!report) return;
    free(report->results);
    report->results = NULL;
    report->count = report->failed = report->skipped = 0;
}

/* ---- collecting ------------------------------------------------------------------------ */

static bool case_matches(const bench_case *c, const char *filter) {
    if (!filter || !filter[0]) return true;
    return (c->family && strstr(c->family, filter)) || strstr(c->name, filter);
}

static bool same_case(const bench_case *a, const bench_case *b) {
    const char *fa = a->family ? a->family : "", *fb = b->family ? b->family : "";
    return strcmp(fa, fb) == 0 && strcmp(a->name, b->name) == 0;
}

pixeen_status bench_collect(const bench_provider *providers, uint32_t provider_count, const bench_options *opt,
                            bench_case **cases, uint32_t *count) {
    *cases = NULL;
    *count = 0;
    bench_case *scratch = malloc(PROVIDER_MAX_CASES * sizeof *scratch);
    bench_case *all = NULL;
    uint32_t n = 0, capacity = 0;
    if (!scratch) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    for (uint32_t p = 0; p < provider_count; p++) {
        memset(scratch, 0, PROVIDER_MAX_CASES * sizeof *scratch);
        uint32_t got = providers[p].fn(scratch, PROVIDER_MAX_CASES, opt->quick);
        if (got > PROVIDER_MAX_CASES) got = PROVIDER_MAX_CASES;
        for (uint32_t i = 0; i < got; i++) {
            bench_case *c = &scratch[i];
            c->name[sizeof c->name - 1] = '\0';
            if (!case_matches(c, opt->filter)) continue;
            if (opt->check ? c->use == BENCH_USE_TIMING : c->use == BENCH_USE_CHECK) continue;
            /* the quick timing pass keeps its ~20 s: the small BOTH cases are timed in full runs */
            if (!opt->check && opt->quick && c->use == BENCH_USE_BOTH) continue;
            if (n == capacity) {
                capacity = capacity ? capacity * 2 : 64;
                bench_case *grown = realloc(all, capacity * sizeof *grown);
                if (!grown) {
                    free(all);
                    free(scratch);
                    return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
                }
                all = grown;
            }
            all[n] = *c;
            /* Results are addressed by family + name (JSON, --compare): keep them unique. */
            for (uint32_t k = 2; k < 100; k++) {
                bool clash = false;
                for (uint32_t j = 0; j < n && !clash; j++) clash = same_case(&all[j], &all[n]);
                if (!clash) break;
                char suffix[8];
                int suffix_len = snprintf(suffix, sizeof suffix, " #%u", k);
                size_t keep = strlen(c->name);
                if (keep + (size_t)suffix_len >= sizeof c->name) keep = sizeof c->name - 1 - (size_t)suffix_len;
                snprintf(all[n].name, sizeof all[n].name, "%.*s%s", (int)keep, c->name, suffix);
            }
            n++;
        }
    }
    free(scratch);
    *cases = all;
    *count = n;
    return PIXEEN_OK;
}

static const char *dtype_name(int dtype) { return dtype == DTYPE_F32 ? "f32" : dtype == DTYPE_F16 ? "f16" : "other"; }

void bench_list_print(const bench_case *cases, uint32_t count, FILE *out) {
    fprintf(out, "%-12s %-44s %-5s %12s %12s\n", "family", "case", "dtype", "GFLOP/run", "MB/run");
    for (uint32_t i = 0; i < count; i++) {
        const bench_case *c = &cases[i];
        fprintf(out, "%-12s %-44s %-5s %12.3f %12.2f\n", c->family ? c->family : "?", c->name, dtype_name(c->dtype),
                c->flops * 1e-9, c->bytes * 1e-6);
    }
    fprintf(out, "%u case(s)\n", count);
}

/* ---- running one case ------------------------------------------------------------------ */

typedef struct timing_plan {
    uint32_t warmups;  /* submits after the validation submit */
    double target_s;   /* aim for this much timed-run time */
    double cap_s;      /* stop timing after this much */
    uint32_t min_runs; /* unless a run is slower than cap_s */
    uint32_t max_runs;
    uint32_t repeat;   /* fixed count (overrides the rest) */
} timing_plan;

static timing_plan plan_for(const bench_options *opt, bool pressed) {
    timing_plan plan = opt->quick ? (timing_plan){1, 0.15, 0.3, 3, 30, 0} : (timing_plan){2, 0.5, 1.0, 3, 200, 0};
    if (pressed) plan = (timing_plan){1, 0, 0, 1, 1, 0};
    plan.repeat = opt->repeat;
    return plan;
}

static void case_fail(bench_result *r, const char *stage, pixeen_status status) {
    r->ok = false;
    const char *detail = error_message();
    snprintf(r->error, sizeof r->error, "%s: %s%s%s", stage, pixeen_status_string(status), detail[0] ? ": " : "",
             detail);
}

/* Validates and times one case into *r. Returns an error only when the run cannot go on (the
 * device was lost); every other problem makes the case FAILED. */
static pixeen_status run_case(gpu_context *ctx, const bench_case *proto, const timing_plan *plan, bench_result *r) {
    bench_case c = *proto; /* the case functions take a mutable case */
    double case_start = clock_wall_seconds();
    memset(r, 0, sizeof *r);
    snprintf(r->family, sizeof r->family, "%s", c.family ? c.family : "?");
    snprintf(r->name, sizeof r->name, "%s", c.name);
    snprintf(r->dtype, sizeof r->dtype, "%s", dtype_name(c.dtype));
    r->flops = isfinite(c.flops) && c.flops > 0 ? c.flops : 0;
    r->bytes = isfinite(c.bytes) && c.bytes > 0 ? c.bytes : 0;
    r->tolerance = c.tolerance;
    r->ok = true;
    if (!c.setup || !c.record || !c.validate || !c.teardown) {
        case_fail(r, "case", error_set(PIXEEN_ERROR_INTERNAL, "bench: the case lacks a setup, record, validate or "
                                                              "teardown function"));
        return PIXEEN_OK;
    }
    error_clear();
    void *state = NULL;
    gpu_recorder *rec = NULL;
    double *times = NULL;
    pixeen_status status = c.setup(&c, ctx, &state), fatal = PIXEEN_OK;
    if (status != PIXEEN_OK) {
        case_fail(r, "setup", status);
        r->check_s = r->wall_s = clock_wall_seconds() - case_start;
        return status == PIXEEN_ERROR_DEVICE_LOST ? status : PIXEEN_OK;
    }
    status = gpu_recorder_create(ctx, &rec);
    if (status != PIXEEN_OK) {
        case_fail(r, "recorder", status);
        goto done;
    }
    gpu_recorder_set_timing(rec, true);
    gpu_recorder_begin(rec);
    c.record(&c, state, rec);
    status = gpu_recorder_end(rec);
    if (status != PIXEEN_OK) {
        case_fail(r, "record", status);
        goto done;
    }
    if (gpu_recorder_dispatch_count(rec) >= RECORDER_TIMESTAMPS - 1) {
        /* Past the recorder's timestamp capacity the GPU span would cover only the first
         * dispatches: time this case with the host clock instead. */
        gpu_recorder_set_timing(rec, false);
        gpu_recorder_begin(rec);
        c.record(&c, state, rec);
        status = gpu_recorder_end(rec);
        if (status != PIXEEN_OK) {
            case_fail(r, "record", status);
            goto done;
        }
    }
    status = gpu_recorder_submit(rec);
    if (status != PIXEEN_OK) {
        case_fail(r, "run", status);
        goto done;
    }
    double max_rel = NAN;
    status = c.validate(&c, state, ctx, &max_rel);
    r->max_rel = max_rel;
    if (status != PIXEEN_OK) {
        case_fail(r, "validate", status);
        goto done;
    }
    if (!(max_rel <= c.tolerance)) { /* also catches NaN */
        case_fail(r, "validate", error_set(PIXEEN_ERROR_VALIDATION,
                                           "bench: max |gpu - ref| / max |ref| = %.3g exceeds the case's tolerance %.3g",
                                           max_rel, c.tolerance));
        goto done;
    }

    r->check_s = clock_wall_seconds() - case_start;

    /* Warm-up; the last one's host time estimates a run. */
    double run_s = 0;
    for (uint32_t w = 0; w < plan->warmups; w++) {
        double t0 = clock_wall_seconds();
        status = gpu_recorder_submit(rec);
        if (status != PIXEEN_OK) {
            case_fail(r, "warm-up", status);
            goto done;
        }
        run_s = clock_wall_seconds() - t0;
        if (run_s > plan->cap_s) break; /* a slow case: one warm-up is enough */
    }
    uint32_t runs = plan->repeat;
    if (!runs) {
        double want = run_s > 0 ? plan->target_s / run_s : plan->max_runs;
        runs = want >= plan->max_runs ? plan->max_runs : want <= plan->min_runs ? plan->min_runs : (uint32_t)want;
    }
    times = malloc(runs * sizeof *times);
    if (!times) {
        case_fail(r, "timing", error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory"));
        goto done;
    }
    double start = clock_wall_seconds();
    uint32_t done_runs = 0;
    bool gpu_timer = false;
    for (; done_runs < runs; done_runs++) {
        if (!plan->repeat && done_runs >= 1 && clock_wall_seconds() - start > plan->cap_s) break;
        status = bench_submit_timed(rec, &times[done_runs], &gpu_timer);
        if (status != PIXEEN_OK) {
            case_fail(r, "timing", status);
            goto done;
        }
    }
    r->runs = done_runs;
    r->gpu_timer = gpu_timer;
    r->median_ms = bench_median(times, done_runs); /* sorts: min and max are at the ends */
    r->min_ms = times[0];
    r->max_ms = times[done_runs - 1];
    if (r->median_ms > 0) {
        r->gflops = r->flops / (r->median_ms * 1e6);
        r->gbs = r->bytes / (r->median_ms * 1e6);
    }
done:
    if (status == PIXEEN_ERROR_DEVICE_LOST) fatal = status;
    free(times);
    gpu_recorder_destroy(rec);
    c.teardown(&c, state);
    r->wall_s = clock_wall_seconds() - case_start;
    if (!r->check_s) r->check_s = r->wall_s; /* failed before timing */
    return fatal;
}

pixeen_status bench_check(gpu_context *ctx, const bench_case *proto, double *max_rel) {
    bench_case c = *proto;
    *max_rel = NAN;
    if (!c.setup || !c.record || !c.validate || !c.teardown)
        return error_set(PIXEEN_ERROR_INTERNAL, "bench: %s %s lacks a setup, record, validate or teardown function",
                         c.family ? c.family : "?", c.name);
    void *state = NULL;
    gpu_recorder *rec = NULL;
    pixeen_status status = c.setup(&c, ctx, &state);
    if (status != PIXEEN_OK) return status;
    status = gpu_recorder_create(ctx, &rec);
    if (status == PIXEEN_OK) {
        gpu_recorder_begin(rec);
        c.record(&c, state, rec);
        status = gpu_recorder_end(rec);
    }
    if (status == PIXEEN_OK) status = gpu_recorder_submit(rec);
    if (status == PIXEEN_OK) status = c.validate(&c, state, ctx, max_rel);
    if (status == PIXEEN_OK && !(*max_rel <= c.tolerance)) /* also catches NaN */
        status = error_set(PIXEEN_ERROR_VALIDATION, "bench: %s %s: max |gpu - ref| / max |ref| = %.3g exceeds %.3g",
                           c.family ? c.family : "?", c.name, *max_rel, c.tolerance);
    gpu_recorder_destroy(rec);
    c.teardown(&c, state);
    return status;
}

/* ---- the whole run ---------------------------------------------------------------------- */

/* Part of a family's share after which its cases are timed once: the rest then covers its
 * remaining cases at about a third of their full cost. */
#define LIMIT_PRESSURE 0.6
/* A case's wall time over its roofline time, until the family has shown its own: three runs
 * (validation, warm-up, one timed) at a quarter of the roofline. */
#define DEFAULT_COST_RATIO 12.0
/* Cases shorter than this at the roofline are dominated by fixed costs (setup, compile, the
 * timed-run budget): they do not teach the family's ratio. */
#define RATIO_MIN_ROOFLINE_S 0.05

/* The time a case takes at the ceilings (the larger of its arithmetic and memory times); 0
 * without ceilings. */
static double roofline_s(const bench_case *c, const bench_ceilings *ceilings) {
    double fma = ceilings->fp32_gflops;
    if (c->dtype == DTYPE_F16 && ceilings->fp16_gflops > fma) fma = ceilings->fp16_gflops;
    double t = 0;
    if (fma > 0 && isfinite(c->flops) && c->flops > 0) t = c->flops / (fma * 1e9);
    if (ceilings->bandwidth_gbs > 0 && isfinite(c->bytes) && c->bytes > t * ceilings->bandwidth_gbs * 1e9)
        t = c->bytes / (ceilings->bandwidth_gbs * 1e9);
    return t;
}

/* What the time limit needs to know of the family being run: its share and its cost ratio,
 * learnt from its largest case so far (wall time, setup and CPU reference included, over the
 * roofline time) so a family whose kernels or references are slow is estimated as such. */
typedef struct family_budget {
    double start, deadline;
    double ratio, ratio_roofline; /* ratio 0: none learnt yet */
} family_budget;

static double estimate_s(const family_budget *f, const bench_case *c, const bench_ceilings *ceilings) {
    return roofline_s(c, ceilings) * (f->ratio > 0 ? f->ratio : DEFAULT_COST_RATIO);
}

static void learn_ratio(family_budget *f, const bench_case *c, const bench_ceilings *ceilings, const bench_result *r) {
    double t = roofline_s(c, ceilings);
    if (!r->ok || t < RATIO_MIN_ROOFLINE_S || t <= f->ratio_roofline) return;
    f->ratio = r->wall_s / t;
    f->ratio_roofline = t;
}

static bool same_family(const bench_case *a, const bench_case *b) {
    return strcmp(a->family ? a->family : "", b->family ? b->family : "") == 0;
}

/* Runs of consecutive cases of one family (providers list a family's cases together). */
static uint32_t count_families(const bench_case *cases, uint32_t count) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < count; i++) n += i == 0 || !same_family(&cases[i], &cases[i - 1]);
    return n;
}

static void skip_case(const bench_case *c, double limit, bench_result *r) {
    memset(r, 0, sizeof *r);
    snprintf(r->family, sizeof r->family, "%s", c->family ? c->family : "?");
    snprintf(r->name, sizeof r->name, "%s", c->name);
    snprintf(r->dtype, sizeof r->dtype, "%s", dtype_name(c->dtype));
    r->flops = isfinite(c->flops) && c->flops > 0 ? c->flops : 0;
    r->bytes = isfinite(c->bytes) && c->bytes > 0 ? c->bytes : 0;
    r->tolerance = c->tolerance;
    r->skipped = true;
    r->bound = r->flops > 0 ? BENCH_BOUND_COMPUTE : BENCH_BOUND_MEMORY;
    snprintf(r->error, sizeof r->error, "not run: it would end past the %.3g s time limit", limit);
}

static const char *device_type_name(gpu_device_type type) {
    switch (type) {
    case GPU_DEVICE_DISCRETE: return "discrete";
    case GPU_DEVICE_INTEGRATED: return "integrated";
    case GPU_DEVICE_VIRTUAL: return "virtual";
    case GPU_DEVICE_CPU: return "cpu";
    default: return "other";
    }
}

/* driverVersion is vendor-encoded: NVIDIA uses 10.8.8.6 bits, Intel's Windows driver 18.14 bits,
 * everyone else (Mesa included) VK_MAKE_API_VERSION's 3.10.12. */
static void driver_version_string(const gpu_caps *caps, char *buf, size_t size) {
    uint32_t v = caps->driver_version;
    if (caps->vendor_id == 0x10DE)
        snprintf(buf, size, "%u.%u.%u.%u", v >> 22, (v >> 14) & 0xFF, (v >> 6) & 0xFF, v & 0x3F);
    else if (caps->vendor_id == 0x8086 && caps->driver_id == 5 /* VK_DRIVER_ID_INTEL_PROPRIETARY_WINDOWS */)
        snprintf(buf, size, "%u.%u", v >> 14, v & 0x3FFF);
    else
        snprintf(buf, size, "%u.%u.%u", (v >> 22) & 0x7F, (v >> 12) & 0x3FF, v & 0xFFF);
}

void bench_device_fill(const gpu_caps *caps, bench_device_info *d) {
    snprintf(d->name, sizeof d->name, "%s", caps->name);
    snprintf(d->type, sizeof d->type, "%s", device_type_name(caps->type));
    snprintf(d->driver_name, sizeof d->driver_name, "%s", caps->driver_name);
    snprintf(d->driver_info, sizeof d->driver_info, "%s", caps->driver_info);
    driver_version_string(caps, d->driver_version, sizeof d->driver_version);
    uint32_t a = caps->api_version;
    snprintf(d->api_version, sizeof d->api_version, "%u.%u.%u", (a >> 22) & 0x7F, (a >> 12) & 0x3FF, a & 0xFFF);
    d->vendor_id = caps->vendor_id;
    d->device_id = caps->device_id;
    d->driver_id = caps->driver_id;
    d->driver_version_raw = caps->driver_version;
    d->subgroup_size = caps->subgroup_size;
    d->timestamps = caps->timestamps;
}

pixeen_status bench_run(gpu_context *ctx, const bench_options *opt, const bench_case *cases, uint32_t count,
                        FILE *out, bench_report *report) {
    double start = clock_wall_seconds();
    memset(report, 0, sizeof *report);
    snprintf(report->pixeen_version, sizeof report->pixeen_version, "%s", pixeen_version());
    time_t clock_now = time(NULL);
    struct tm utc;
    if (gmtime_r(&clock_now, &utc)) strftime(report->date, sizeof report->date, "%Y-%m-%dT%H:%M:%SZ", &utc);
    bench_device_fill(gpu_context_caps(ctx), &report->device);
    snprintf(report->filter, sizeof report->filter, "%s", opt->filter ? opt->filter : "");
    snprintf(report->device_selector, sizeof report->device_selector, "%s", opt->device ? opt->device : "");
    const char *lp = getenv("LP_NUM_THREADS");
    snprintf(report->lp_num_threads, sizeof report->lp_num_threads, "%s", lp ? lp : "");
    report->quick = opt->quick;
    report->repeat = opt->repeat;

    bench_print_header(report, out);
    fprintf(out, "measuring ceilings...\n");
    fflush(out);
    /* Without ceilings the cases still run (their shares are then 0); the failure is reported
     * at the end unless the device is gone. */
    char ceiling_error[BENCH_ERROR_LEN] = "";
    pixeen_status ceiling_status = bench_ceilings_measure(ctx, opt, &report->ceilings, out);
    if (ceiling_status == PIXEEN_ERROR_DEVICE_LOST) return ceiling_status;
    if (ceiling_status != PIXEEN_OK) {
        snprintf(ceiling_error, sizeof ceiling_error, "%s", error_message());
        fprintf(out, "ceilings: NOT MEASURED: %s\n", ceiling_error);
    }
    bench_print_ceilings(&report->ceilings, out);
    if (gpu_context_caps(ctx)->is_lavapipe)
        fprintf(out, "(lavapipe: its JIT emits a multiply and an add for each FMA; ceilings measured in %.1f s)\n",
                clock_wall_seconds() - start);

    if (count) {
        report->results = calloc(count, sizeof *report->results);
        if (!report->results) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    }
    double limit = opt->time_limit_s < 0 ? 0 : opt->time_limit_s > 0 ? opt->time_limit_s : opt->quick ? 25 : 150;
    report->time_limit_s = limit;
    bool warned = false;
    uint32_t families_left = count_families(cases, count);
    family_budget family = {0};
    fprintf(out, "\n");
    bench_print_table_head(out);
    for (uint32_t i = 0; i < count; i++) {
        double now = clock_wall_seconds() - start;
        if (i == 0 || !same_family(&cases[i], &cases[i - 1])) {
            /* A family's share: the time left over the families left (what it leaves unused
             * passes on to the next ones). */
            family = (family_budget){.start = now};
            family.deadline = limit > 0 ? now + (limit - now) / (families_left ? families_left : 1) : 0;
            if (families_left) families_left--;
            warned = false;
        }
        bench_result *r = &report->results[report->count];
        if (limit > 0 && now + estimate_s(&family, &cases[i], &report->ceilings) > family.deadline) {
            skip_case(&cases[i], limit, r);
            report->count++;
            report->skipped++;
            bench_print_result(r, out);
            continue;
        }
        bool pressed = limit > 0 && now > family.start + LIMIT_PRESSURE * (family.deadline - family.start);
        if (pressed && !warned) {
            fprintf(out, "(%s: past %.0f%% of its share of the %.3g s time limit: its remaining cases get one "
                         "warm-up and one run)\n",
                    cases[i].family ? cases[i].family : "?", LIMIT_PRESSURE * 100, limit);
            warned = true;
        }
        timing_plan plan = plan_for(opt, pressed);
        pixeen_status fatal = run_case(ctx, &cases[i], &plan, r);
        bench_result_derive(r, &report->ceilings);
        learn_ratio(&family, &cases[i], &report->ceilings, r);
        report->count++;
        if (!r->ok) report->failed++;
        bench_print_result(r, out);
        fflush(out);
        if (fatal != PIXEEN_OK) {
            report->elapsed_s = clock_wall_seconds() - start;
            return error_set(fatal, "bench: stopped after case '%s %s': %s", r->family, r->name, r->error);
        }
    }
    bench_print_summary(report, out);
    report->elapsed_s = clock_wall_seconds() - start;
    fprintf(out, "elapsed %.1f s\n", report->elapsed_s);
    if (report->skipped)
        fprintf(out, "%u case(s) SKIPPED to stay within the %.3g s time limit: pick them with --filter, or lift the "
                     "limit with --time-limit 0\n",
                report->skipped, limit);
    if (report->failed)
        return error_set(PIXEEN_ERROR_VALIDATION, "bench: %u of %u case(s) FAILED validation or could not run (see the "
                                                  "table)",
                         report->failed, report->count);
    if (ceiling_status != PIXEEN_OK)
        return error_set(ceiling_status, "bench: the cases passed but the ceilings could not be measured: %s",
                         ceiling_error);
    return PIXEEN_OK;
}
