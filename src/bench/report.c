/* report.c — what `pixeen bench` shows and saves: the shares of the ceilings, the human table on
 * stdout, the per-family summary, and the JSON file.
 *
 * Shares: a case is memory-bound when it does no arithmetic or its arithmetic intensity
 * (flops / bytes) is below the device's ridge point (FMA ceiling / bandwidth ceiling), else
 * compute-bound; its share is its GFLOP/s over the FMA ceiling or its GB/s over the bandwidth
 * ceiling accordingly (both are kept in the JSON). The FMA ceiling of an fp16 case is the higher
 * of the fp16 and fp32 ceilings: Pixeen's kernels accumulate in fp32, so either path is open to
 * them (and on lavapipe, fp16 arithmetic is slower than fp32).
 *
 * JSON, written with cJSON (Debian's libcjson: small, well kept, packaged, and already Pixeen's
 * JSON library for model configs). Schema "pixeen-bench" version 1:
 *   { "schema": "pixeen-bench", "schema_version": 1, "pixeen_version", "date" (ISO 8601 UTC),
 *     "elapsed_s", "options": {"quick", "repeat", "filter", "device"} (not the output path: it may
 *     name the user's home folder, and the file is meant to be shared),
 *     "environment": {"LP_NUM_THREADS"},
 *     "device": {"name", "type", "vendor_id", "device_id", "driver_id", "driver_name",
 *                "driver_info", "driver_version", "driver_version_raw", "api_version",
 *                "subgroup_size", "timestamps"},
 *     "ceilings": {"fp32_gflops", "fp16_gflops", "bandwidth_gbs", "shader_copy_gbs",
 *                  "transfer_copy_gbs", "copy_bytes", "fma": [{"variant", "gflops"}...]},
 *     "time_limit_s" (0: none),
 *     "cases": [{"family", "name", "dtype", "status": "ok"|"failed"|"skipped", "error" (unless ok),
 *                "flops", "bytes", "tolerance", "max_rel_error" (when validated), "check_s" (host
 *                seconds of setup + first run + validation), "wall_s" (host seconds in all),
 *                and when ok: "runs", "timer": "gpu"|"host", "time_ms" (median), "time_ms_min",
 *                "time_ms_max", "gflops", "gbs", "bound": "compute"|"memory", "share",
 *                "compute_share", "bandwidth_share"}...],
 *     "families": [{"family", "cases", "failed", "skipped", "total_ms", "mean_share", "wall_s"}...] }
 * Shares are fractions (0.42, not 42%). Readers (results.c) check the schema name and version.
 *
 * Entry points: bench_result_derive, bench_print_*, bench_report_to_json, bench_report_write_json.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/platform.h"

#include "bench/runner.h"

void bench_result_derive(bench_result *r, const bench_ceilings *c) {
    r->bound = r->flops > 0 ? BENCH_BOUND_COMPUTE : BENCH_BOUND_MEMORY;
    r->share = r->compute_share = r->bandwidth_share = 0;
    if (!r->ok) return;
    double fma = c->fp32_gflops;
    if (strcmp(r->dtype, "f16") == 0 && c->fp16_gflops > fma) fma = c->fp16_gflops;
    if (fma > 0 && r->flops > 0) r->compute_share = r->gflops / fma;
    if (c->bandwidth_gbs > 0 && r->bytes > 0) r->bandwidth_share = r->gbs / c->bandwidth_gbs;
    if (r->flops > 0 && r->bytes > 0 && fma > 0 && c->bandwidth_gbs > 0 &&
        r->flops / r->bytes < fma / c->bandwidth_gbs) /* GFLOP/s over GB/s: flops per byte */
        r->bound = BENCH_BOUND_MEMORY;
    r->share = r->bound == BENCH_BOUND_MEMORY ? r->bandwidth_share : r->compute_share;
}

/* ---- table ------------------------------------------------------------------------------- */

#define SLOW_CHECK_S 10.0 /* a 3-minute bench has room for a few such cases, not dozens */

void bench_print_header(const bench_report *report, FILE *out) {
    const bench_device_info *d = &report->device;
    fprintf(out, "pixeen bench %s%s, %s\n", report->pixeen_version, report->quick ? " (quick)" : "", report->date);
    fprintf(out, "device: %s [%s], driver %s %s (%s), Vulkan %s, timer %s\n", d->name, d->type, d->driver_name,
            d->driver_version, d->driver_info, d->api_version, d->timestamps ? "GPU timestamps" : "host clock");
    if (report->lp_num_threads[0]) fprintf(out, "LP_NUM_THREADS=%s\n", report->lp_num_threads);
}

void bench_print_ceilings(const bench_ceilings *c, FILE *out) {
    const char *best32 = "-", *best16 = "-";
    for (uint32_t i = 0; i < c->fma_count; i++) {
        if (c->fma[i].gflops == c->fp32_gflops && strncmp(c->fma[i].variant, "f32", 3) == 0) best32 = c->fma[i].variant;
        if (c->fma[i].gflops == c->fp16_gflops && strncmp(c->fma[i].variant, "f16", 3) == 0) best16 = c->fma[i].variant;
    }
    fprintf(out, "ceilings: fp32 FMA %.1f GFLOP/s (%s), fp16 FMA %.1f GFLOP/s (%s), bandwidth %.1f GB/s (%s)\n",
            c->fp32_gflops, best32, c->fp16_gflops, best16, c->bandwidth_gbs,
            c->transfer_copy_gbs > c->shader_copy_gbs ? "vkCmdCopyBuffer" : "shader copy");
}

void bench_print_table_head(FILE *out) {
    fprintf(out, "%-12s %-40s %-5s %10s %9s %9s %6s %-7s %5s\n", "family", "case", "dtype", "time ms", "GFLOP/s",
            "GB/s", "share", "bound", "runs");
}

static void print_figure(FILE *out, double value, bool present) {
    if (present)
        fprintf(out, " %9.1f", value);
    else
        fprintf(out, " %9s", "-");
}

void bench_print_result(const bench_result *r, FILE *out) {
    fprintf(out, "%-12s %-40s %-5s", r->family, r->name, r->dtype);
    if (r->skipped) {
        fprintf(out, " SKIPPED (time limit)\n");
        return;
    }
    if (!r->ok) {
        fprintf(out, " FAILED\n    %s\n", r->error);
        return;
    }
    fprintf(out, " %10.3f", r->median_ms);
    print_figure(out, r->gflops, r->flops > 0);
    print_figure(out, r->gbs, r->bytes > 0);
    fprintf(out, " %5.0f%% %-7s %5u\n", r->share * 100, r->bound == BENCH_BOUND_MEMORY ? "memory" : "compute", r->runs);
    /* Setup and the CPU reference are outside the runner's time budget: point out slow ones. */
    if (r->check_s > SLOW_CHECK_S)
        fprintf(out, "    (setup + validation took %.1f s: a sampled reference check would keep the bench short)\n",
                r->check_s);
}

typedef struct family_summary {
    const char *family;
    uint32_t cases, failed, skipped;
    double total_ms, weighted_share; /* sum of time x share over passed cases */
    double wall_s;                   /* host time spent on the family's cases */
} family_summary;

/* Groups results by family in first-seen order; returns the count (<= report->count). */
static uint32_t summarize(const bench_report *report, family_summary *f) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < report->count; i++) {
        const bench_result *r = &report->results[i];
        uint32_t k = 0;
        while (k < n && strcmp(f[k].family, r->family) != 0) k++;
        if (k == n) f[n++] = (family_summary){.family = r->family};
        f[k].cases++;
        f[k].wall_s += r->wall_s;
        if (!r->ok) {
            if (r->skipped)
                f[k].skipped++;
            else
                f[k].failed++;
            continue;
        }
        f[k].total_ms += r->median_ms;
        f[k].weighted_share += r->median_ms * r->share;
    }
    return n;
}

static double mean_share(const family_summary *f) { return f->total_ms > 0 ? f->weighted_share / f->total_ms : 0; }

void bench_print_summary(const bench_report *report, FILE *out) {
    if (!report->count) {
        fprintf(out, "no cases\n");
        return;
    }
    family_summary *f = calloc(report->count, sizeof *f);
    if (!f) return;
    uint32_t n = summarize(report, f);
    fprintf(out, "\n%-12s %6s %7s %8s %10s %11s %8s\n", "family", "cases", "failed", "skipped", "total ms", "mean share",
            "wall s");
    for (uint32_t k = 0; k < n; k++)
        fprintf(out, "%-12s %6u %7u %8u %10.3f %10.0f%% %8.1f\n", f[k].family, f[k].cases, f[k].failed, f[k].skipped,
                f[k].total_ms, mean_share(&f[k]) * 100, f[k].wall_s);
    fprintf(out, "(total ms: sum of the medians; mean share: weighted by time, over the cases that passed;\n"
                 " wall s: host time spent, setup and validation included)\n");
    free(f);
}

/* ---- JSON -------------------------------------------------------------------------------- */

/* cJSON_Add* return NULL when out of memory and the field is then missing: the writer re-reads
 * its output before saving it (bench_report_write_json). */
static void add_number(cJSON *obj, const char *key, double value) {
    cJSON_AddNumberToObject(obj, key, isfinite(value) ? value : 0);
}

static cJSON *device_json(const bench_device_info *d) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", d->name);
    cJSON_AddStringToObject(o, "type", d->type);
    add_number(o, "vendor_id", d->vendor_id);
    add_number(o, "device_id", d->device_id);
    add_number(o, "driver_id", d->driver_id);
    cJSON_AddStringToObject(o, "driver_name", d->driver_name);
    cJSON_AddStringToObject(o, "driver_info", d->driver_info);
    cJSON_AddStringToObject(o, "driver_version", d->driver_version);
    add_number(o, "driver_version_raw", d->driver_version_raw);
    cJSON_AddStringToObject(o, "api_version", d->api_version);
    add_number(o, "subgroup_size", d->subgroup_size);
    cJSON_AddBoolToObject(o, "timestamps", d->timestamps);
    return o;
}

static cJSON *ceilings_json(const bench_ceilings *c) {
    cJSON *o = cJSON_CreateObject();
    add_number(o, "fp32_gflops", c->fp32_gflops);
    add_number(o, "fp16_gflops", c->fp16_gflops);
    add_number(o, "bandwidth_gbs", c->bandwidth_gbs);
    add_number(o, "shader_copy_gbs", c->shader_copy_gbs);
    add_number(o, "transfer_copy_gbs", c->transfer_copy_gbs);
    add_number(o, "copy_bytes", c->copy_bytes);
    cJSON *fma = cJSON_AddArrayToObject(o, "fma");
    for (uint32_t i = 0; fma && i < c->fma_count; i++) {
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "variant", c->fma[i].variant);
        add_number(v, "gflops", c->fma[i].gflops);
        cJSON_AddItemToArray(fma, v);
    }
    return o;
}

static cJSON *result_json(const bench_result *r) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "family", r->family);
    cJSON_AddStringToObject(o, "name", r->name);
    cJSON_AddStringToObject(o, "dtype", r->dtype);
    cJSON_AddStringToObject(o, "status", r->ok ? "ok" : r->skipped ? "skipped" : "failed");
    if (!r->ok) cJSON_AddStringToObject(o, "error", r->error);
    add_number(o, "flops", r->flops);
    add_number(o, "bytes", r->bytes);
    add_number(o, "tolerance", r->tolerance);
    if (isfinite(r->max_rel) && (r->ok || r->max_rel > 0)) add_number(o, "max_rel_error", r->max_rel);
    add_number(o, "check_s", r->check_s);
    add_number(o, "wall_s", r->wall_s);
    if (!r->ok) return o;
    add_number(o, "runs", r->runs);
    cJSON_AddStringToObject(o, "timer", r->gpu_timer ? "gpu" : "host");
    add_number(o, "time_ms", r->median_ms);
    add_number(o, "time_ms_min", r->min_ms);
    add_number(o, "time_ms_max", r->max_ms);
    add_number(o, "gflops", r->gflops);
    add_number(o, "gbs", r->gbs);
    cJSON_AddStringToObject(o, "bound", r->bound == BENCH_BOUND_MEMORY ? "memory" : "compute");
    add_number(o, "share", r->share);
    add_number(o, "compute_share", r->compute_share);
    add_number(o, "bandwidth_share", r->bandwidth_share);
    return o;
}

char *bench_report_to_json(const bench_report *report) {
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    cJSON_AddStringToObject(root, "schema", "pixeen-bench");
    add_number(root, "schema_version", 1);
    cJSON_AddStringToObject(root, "pixeen_version", report->pixeen_version);
    cJSON_AddStringToObject(root, "date", report->date);
    add_number(root, "elapsed_s", report->elapsed_s);
    add_number(root, "time_limit_s", report->time_limit_s);
    cJSON *options = cJSON_AddObjectToObject(root, "options");
    if (options) {
        cJSON_AddBoolToObject(options, "quick", report->quick);
        add_number(options, "repeat", report->repeat);
        cJSON_AddStringToObject(options, "filter", report->filter);
        cJSON_AddStringToObject(options, "device", report->device_selector);
    }
    cJSON *env = cJSON_AddObjectToObject(root, "environment");
    if (env) cJSON_AddStringToObject(env, "LP_NUM_THREADS", report->lp_num_threads);
    cJSON_AddItemToObject(root, "device", device_json(&report->device));
    cJSON_AddItemToObject(root, "ceilings", ceilings_json(&report->ceilings));
    cJSON *cases = cJSON_AddArrayToObject(root, "cases");
    for (uint32_t i = 0; cases && i < report->count; i++) cJSON_AddItemToArray(cases, result_json(&report->results[i]));
    cJSON *families = cJSON_AddArrayToObject(root, "families");
    family_summary *f = report->count ? calloc(report->count, sizeof *f) : NULL;
    uint32_t n = f ? summarize(report, f) : 0;
    for (uint32_t k = 0; families && k < n; k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "family", f[k].family);
        add_number(o, "cases", f[k].cases);
        add_number(o, "failed", f[k].failed);
        add_number(o, "skipped", f[k].skipped);
        add_number(o, "total_ms", f[k].total_ms);
        add_number(o, "mean_share", mean_share(&f[k]));
        add_number(o, "wall_s", f[k].wall_s);
        cJSON_AddItemToArray(families, o);
    }
    free(f);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

pixeen_status bench_report_write_json(const bench_report *report, const char *path) {
    char *text = bench_report_to_json(report);
    if (!text) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory while writing JSON");
    /* What is written must read back: catches a field cJSON dropped (it drops silently when out
     * of memory) and any drift between this writer and results.c. Costs a few ms. */
    bench_report check;
    pixeen_status readable = bench_report_parse(text, strlen(text), path, &check);
    bench_report_free(&check);
    if (readable != PIXEEN_OK) {
        cJSON_free(text);
        return error_wrap(PIXEEN_ERROR_INTERNAL, "bench: the report would not read back: ");
    }
    size_t path_len = strlen(path);
    char *tmp = malloc(path_len + 16);
    if (!tmp) {
        cJSON_free(text);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    }
    /* The temporary file sits beside the target so rename() stays within one file system. */
    snprintf(tmp, path_len + 16, "%s.tmp.XXXXXX", path);
    pixeen_status status = PIXEEN_OK;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        status = error_set(PIXEEN_ERROR_IO, "bench: cannot create '%s': %s", tmp, strerror(errno));
        goto done;
    }
    platform_set_mode(fd, 0644); /* mkstemp makes 0600; results are meant to be shared (best effort) */
    size_t len = strlen(text), written = 0;
    while (written < len) {
        ssize_t w = write(fd, text + written, len - written);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        written += (size_t)w;
    }
    bool ok = written == len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (!ok || platform_rename_replace(tmp, path) != 0) {
        if (ok) saved = errno;
        unlink(tmp);
        status = error_set(PIXEEN_ERROR_IO, "bench: cannot write '%s': %s", path, strerror(saved));
    }
done:
    free(tmp);
    cJSON_free(text);
    return status;
}
