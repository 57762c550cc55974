/* runner.h — what the files of `pixeen bench` share (internal to src/bench/ and src/api/bench.c).
 *
 * The flow: bench_collect() gathers the cases of every provider (providers.c) that match the
 * filter; bench_ceilings_measure() measures the device's own arithmetic and bandwidth ceilings
 * (ceilings.c); bench_run() validates and times each case (runner.c) and fills a bench_report;
 * report.c prints the table and writes the report as JSON; results.c reads such a JSON file back
 * (validating every field: it is outside data) and compare.c prints two reports side by side.
 *
 * A bench_report is plain data with fixed-size strings, so a report read from JSON and one just
 * measured are the same thing and compare and print alike.
 */
#ifndef PIXEEN_BENCH_RUNNER_H
#define PIXEEN_BENCH_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/bench.h"

/* ---- providers (providers.c) ---- */

typedef struct bench_provider {
    const char *name; /* for --list and error messages */
    bench_provider_fn fn;
} bench_provider;

/* The providers compiled into this build, and how many. */
extern const bench_provider bench_providers[];
extern const uint32_t bench_provider_count;

/* The provider of the basic cases (cases_basic.c): elementwise add/mul and sum. */
uint32_t bench_cases_basic(bench_case *out, uint32_t max, bool quick);

/* ---- options ---- */

typedef struct bench_options {
    const char *filter; /* substring of a case's family or name; NULL or "": every case */
    bool quick;         /* the ~20-second pass: fewer cases, shorter timing */
    bool check;         /* collect the cases of the check pass (CHECK, BOTH) instead of the timed ones */
    uint32_t repeat;    /* timed runs per case; 0: adaptive (by elapsed time) */
    const char *device; /* the selector the caller used (recorded in the report only) */
    /* For tests: tiny ceiling measurements (a few ms) instead of device-filling ones. */
    bool tiny_ceilings;
    /* Wall-time limit of the whole run in seconds, so it stays bounded on slow devices whatever
     * the providers add: past 60% of it cases get one warm-up and one timed run; a case that
     * would end past it (estimated from the ceilings) is SKIPPED, not run. 0: 150 s (25 s with
     * quick); negative: no limit. */
    double time_limit_s;
} bench_options;

/* ---- report ---- */

#define BENCH_FAMILY_LEN 64
#define BENCH_NAME_LEN 96 /* as bench_case.name */
#define BENCH_ERROR_LEN 512
#define BENCH_TEXT_LEN 256
#define BENCH_MAX_FMA 8

typedef struct bench_fma_result {
    char variant[16]; /* "f32", "f32x4", "f16", "f16x2", "f16x4" */
    double gflops;
} bench_fma_result;

typedef struct bench_ceilings {
    double fp32_gflops;       /* best fp32 FMA variant */
    double fp16_gflops;       /* best fp16 FMA variant (0: device has no fp16 arithmetic) */
    double shader_copy_gbs;   /* SSBO -> SSBO vec4 copy by a compute shader (read + write bytes) */
    double transfer_copy_gbs; /* vkCmdCopyBuffer (read + write bytes) */
    double bandwidth_gbs;     /* the higher of the two copies: the bandwidth ceiling */
    double copy_bytes;        /* size of one copy's buffer */
    uint32_t fma_count;
    bench_fma_result fma[BENCH_MAX_FMA];
} bench_ceilings;

typedef enum bench_bound { BENCH_BOUND_COMPUTE = 0, BENCH_BOUND_MEMORY = 1 } bench_bound;

typedef struct bench_result {
    char family[BENCH_FAMILY_LEN];
    char name[BENCH_NAME_LEN];
    char dtype[8];  /* "f32", "f16", "other" */
    bool ok;        /* validated and timed; false: FAILED with error, or skipped */
    bool skipped;   /* not run: past the time limit (ok is false, error says why) */
    char error[BENCH_ERROR_LEN];
    double flops;   /* per run */
    double bytes;   /* per run */
    double tolerance, max_rel;
    uint32_t runs;  /* timed runs */
    double median_ms, min_ms, max_ms;
    double gflops, gbs;
    bench_bound bound;
    double share;   /* of the ceiling that bounds the case (see bound) */
    double compute_share, bandwidth_share;
    bool gpu_timer; /* timed by GPU timestamps; false: host clock around submit */
    double check_s; /* host seconds for setup, first run and validation (the reference on the CPU) */
    double wall_s;  /* host seconds for the whole case */
} bench_result;

typedef struct bench_device_info {
    char name[BENCH_TEXT_LEN];
    char type[16]; /* "discrete", "integrated", "virtual", "cpu", "other" */
    char driver_name[BENCH_TEXT_LEN];
    char driver_info[BENCH_TEXT_LEN];
    char driver_version[32]; /* decoded per vendor convention */
    char api_version[32];    /* "1.3.230" */
    uint32_t vendor_id, device_id, driver_id, driver_version_raw;
    uint32_t subgroup_size;
    bool timestamps;
} bench_device_info;

typedef struct bench_report {
    char pixeen_version[32];
    char date[32]; /* ISO 8601 UTC */
    bench_device_info device;
    bench_ceilings ceilings;
    /* options of the run */
    char filter[BENCH_TEXT_LEN];
    char device_selector[BENCH_TEXT_LEN];
    char lp_num_threads[16]; /* $LP_NUM_THREADS at run time ("" when unset) */
    bool quick;
    uint32_t repeat;
    double elapsed_s;
    double time_limit_s; /* as run (<= 0: none) */
    bench_result *results; /* malloc'ed */
    uint32_t count, failed, skipped;
} bench_report;

/* Releases the results array; the report may be reused. NULL is a no-op. */
void bench_report_free(bench_report *report);

/* ---- running (runner.c, ceilings.c) ---- */

/* Gathers the cases of `providers` that match opt->filter into *cases (malloc'ed; the caller
 * frees it). Duplicate family+name pairs get a " #2" suffix so results stay addressable. */
pixeen_status bench_collect(const bench_provider *providers, uint32_t provider_count, const bench_options *opt,
                            bench_case **cases, uint32_t *count);

/* The check pass: sets up, records, runs once and validates one case against its tolerance, no
 * timing. Returns PIXEEN_OK when it passed, else the failure (its message says which stage);
 * *max_rel gets the measure (NaN when validation did not run). */
pixeen_status bench_check(gpu_context *ctx, const bench_case *c, double *max_rel);

/* Prints the cases bench_collect would run, one per line. */
void bench_list_print(const bench_case *cases, uint32_t count, FILE *out);

/* Measures the FMA and copy ceilings of ctx's device. Progress lines go to `log` (may be NULL). */
pixeen_status bench_ceilings_measure(gpu_context *ctx, const bench_options *opt, bench_ceilings *out, FILE *log);

/* Measures the ceilings, then validates and times every case (skipping those that would not
 * fit opt->time_limit_s), printing the table to `out` as it goes. Fills *report (free with bench_report_free; its pixeen_version is set as soon as the run starts,
 * so a caller can tell a report worth saving). Returns PIXEEN_OK when every case passed and the
 * ceilings were measured, PIXEEN_ERROR_VALIDATION when some case failed (the report holds the
 * errors), the ceilings' error when only they failed (shares are then 0), or the error that
 * stopped the run (device lost). */
pixeen_status bench_run(gpu_context *ctx, const bench_options *opt, const bench_case *cases, uint32_t count,
                        FILE *out, bench_report *report);

/* The report's description of a device (name, type, driver and its decoded version, Vulkan version). */
void bench_device_fill(const gpu_caps *caps, bench_device_info *d);
/* Submits the recording once and returns its time in ms: GPU timestamps when the recorder has
 * timing on and the device supports them (*gpu_timer = true), else the host clock around
 * submit-and-wait (*gpu_timer = false; includes submission overhead). */
pixeen_status bench_submit_timed(gpu_recorder *rec, double *ms, bool *gpu_timer);
/* Median of `n` values (sorts them in place). */
double bench_median(double *values, uint32_t n);

/* ---- output (report.c) ---- */

/* The share of the ceiling and the bound of a result, from its figures and the ceilings. */
void bench_result_derive(bench_result *r, const bench_ceilings *ceilings);

void bench_print_header(const bench_report *report, FILE *out);
void bench_print_ceilings(const bench_ceilings *c, FILE *out);
void bench_print_table_head(FILE *out);
void bench_print_result(const bench_result *r, FILE *out);
/* One line per family: cases, failures, total time, time-weighted mean share. */
void bench_print_summary(const bench_report *report, FILE *out);

/* Writes the report as JSON to `path` atomically (a temporary file in the same folder, then
 * rename): a reader never sees half a file. */
pixeen_status bench_report_write_json(const bench_report *report, const char *path);
/* The JSON text of a report (malloc'ed, NUL-terminated; the caller frees it), or NULL when out
 * of memory. */
char *bench_report_to_json(const bench_report *report);

/* ---- input (results.c) and comparison (compare.c) ---- */

#define BENCH_JSON_MAX_BYTES (64u << 20) /* a report of 100k cases is ~60 MiB; real ones are KBs */
#define BENCH_JSON_MAX_CASES 100000u

/* Parses a report from JSON text (`size` bytes, need not be NUL-terminated). `origin` names the
 * source in error messages (a path). Every field is checked: PIXEEN_ERROR_FORMAT with the
 * field's path on the first problem. On success *report is filled (free with bench_report_free). */
pixeen_status bench_report_parse(const char *text, size_t size, const char *origin, bench_report *report);
/* Reads and parses the file at `path`. */
pixeen_status bench_report_read(const char *path, bench_report *report);

/* Prints a and b side by side: devices, ceilings, cases present in both (times, throughput,
 * ratio b/a), then the cases present in only one. */
void bench_compare_print(const bench_report *a, const bench_report *b, const char *name_a, const char *name_b,
                         FILE *out);

#endif
