/* bench.c — public entry points of the shader benchmark (pixeen_bench_run, pixeen_bench_compare):
 * resolve the descriptor's defaults, create the GPU context, and hand over to src/bench/. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"

#include "api/internal.h"
#include "bench/runner.h"
#include "gpu/gpu.h"

#define REPEAT_MAX 100000 /* a fixed run count beyond this is a typo, not a benchmark */

/* Fails early, before minutes of benchmarking, if the JSON file's folder is not writable. */
static pixeen_status check_writable(const char *path) {
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (!path[0] || (slash && !slash[1]))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "bench: JSON path '%s' names no file", path);
    if (access(dir, W_OK) != 0)
        return error_set(PIXEEN_ERROR_IO, "bench: cannot write the JSON file '%s': folder '%s': %s", path, dir,
                         strerror(errno));
    return PIXEEN_OK;
}

PIXEEN_API pixeen_status pixeen_bench_run(const pixeen_bench_desc *desc) {
    error_clear();
    if (!desc) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "bench: the descriptor is NULL");
    PX_TRY(api_check_reserved(desc->reserved, sizeof desc->reserved / sizeof desc->reserved[0], "bench"));
    if (desc->repeat < 0 || desc->repeat > REPEAT_MAX)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "bench: repeat is %d (expected 0 for adaptive, or 1..%d)",
                         desc->repeat, REPEAT_MAX);
    if (isnan(desc->time_limit_s))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "bench: time_limit_s is NaN (expected seconds, 0 or < 0)");
    FILE *out = desc->out ? desc->out : stdout;
    bench_options opt = {
        .filter = desc->filter && desc->filter[0] ? desc->filter : NULL,
        .quick = desc->quick != 0,
        .repeat = (uint32_t)desc->repeat,
        .device = desc->device,
        .time_limit_s = desc->time_limit_s,
    };
    bench_case *cases = NULL;
    uint32_t count = 0;
    PX_TRY(bench_collect(bench_providers, bench_provider_count, &opt, &cases, &count));
    if (desc->list) {
        bench_list_print(cases, count, out);
        free(cases);
        return PIXEEN_OK;
    }
    pixeen_status status = PIXEEN_OK;
    gpu_context *ctx = NULL;
    bench_report report = {0};
    if (count == 0 && opt.filter) {
        status = error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                           "bench: no case matches the filter '%s' (`pixeen bench --list` shows them all)", opt.filter);
        goto done;
    }
    if (desc->json_path) {
        status = check_writable(desc->json_path);
        if (status != PIXEEN_OK) goto done;
    }
    status = gpu_context_create(&(gpu_context_desc){.device = desc->device}, &ctx);
    if (status != PIXEEN_OK) goto done;
    if (gpu_context_validation_enabled(ctx))
        fprintf(out, "note: the Vulkan validation layer is on ($PIXEEN_VALIDATION): timings include its overhead\n");
    status = bench_run(ctx, &opt, cases, count, out, &report);
    if (desc->json_path && report.pixeen_version[0]) {
        /* Whatever was measured is saved, failures included; the run's own error stays the
         * one returned. */
        char run_error[1024];
        snprintf(run_error, sizeof run_error, "%s", error_message());
        pixeen_status written = bench_report_write_json(&report, desc->json_path);
        if (written == PIXEEN_OK) {
            fprintf(out, "results written to %s\n", desc->json_path);
        } else if (status == PIXEEN_OK) {
            status = written;
        } else {
            fprintf(out, "%s\n", error_message());
            error_set(status, "%s", run_error);
        }
    }
done:
    bench_report_free(&report);
    gpu_context_destroy(ctx);
    free(cases);
    return status;
}

PIXEEN_API pixeen_status pixeen_bench_compare(const char *path_a, const char *path_b, FILE *out) {
    error_clear();
    if (!path_a || !path_b) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "bench: compare needs two file paths");
    bench_report a = {0}, b = {0};
    PX_TRY(bench_report_read(path_a, &a));
    pixeen_status status = bench_report_read(path_b, &b);
    if (status == PIXEEN_OK) bench_compare_print(&a, &b, path_a, path_b, out ? out : stdout);
    bench_report_free(&a);
    bench_report_free(&b);
    return status;
}
