/* results.c — reads a `pixeen bench` JSON report back (for --compare). The file is outside data
 * (it may come from another machine, another version, or a hand edit), so every field is
 * checked: its type, its range (finite numbers, non-negative figures, integer counts), string
 * lengths against the report's fixed-size fields, and no control characters in strings (they
 * are printed to a terminal). The first problem is reported as PIXEEN_ERROR_FORMAT naming the
 * file and the field's path ("b.json: cases[3].time_ms: expected a number > 0, found a string").
 *
 * Required: schema "pixeen-bench", schema_version 1, device.name, the three headline ceilings,
 * and per case family, name and status ("ok" needs time_ms > 0; also "failed", "skipped"). Everything else is optional
 * with a neutral default (0 or ""), so reports from later versions that add fields still read.
 * Throughput figures absent from a case are recomputed from flops, bytes and time_ms.
 *
 * Leaves out: writing (report.c). Entry points: bench_report_parse, bench_report_read.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bench/runner.h"

#define FIGURE_MAX 1e30 /* any throughput, time or size a real report holds is far below */

typedef struct reader {
    const char *origin; /* file name for messages */
} reader;

static const char *type_name(const cJSON *item) {
    if (!item) return "nothing (missing)";
    if (cJSON_IsNumber(item)) return "a number";
    if (cJSON_IsString(item)) return "a string";
    if (cJSON_IsBool(item)) return "a boolean";
    if (cJSON_IsNull(item)) return "null";
    if (cJSON_IsArray(item)) return "an array";
    if (cJSON_IsObject(item)) return "an object";
    return "an invalid value";
}

static pixeen_status bad(const reader *rd, const char *path, const char *key, const char *expected, const cJSON *found) {
    return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: %s%s%s: expected %s, found %s", rd->origin, path,
                     path[0] && key[0] ? "." : "", key, expected, type_name(found));
}

/* A member of `obj`; NULL when absent. */
static const cJSON *member(const cJSON *obj, const char *key) { return cJSON_GetObjectItemCaseSensitive(obj, key); }

static pixeen_status read_object(const reader *rd, const cJSON *obj, const char *path, const char *key,
                                 const cJSON **out) {
    *out = member(obj, key);
    if (!cJSON_IsObject(*out)) return bad(rd, path, key, "an object", *out);
    return PIXEEN_OK;
}

static pixeen_status read_string(const reader *rd, const cJSON *obj, const char *path, const char *key, bool required,
                                 char *buf, size_t size) {
    const cJSON *item = member(obj, key);
    buf[0] = '\0';
    if (!item && !required) return PIXEEN_OK;
    if (!cJSON_IsString(item) || !item->valuestring) return bad(rd, path, key, "a string", item);
    const char *s = item->valuestring;
    size_t len = strlen(s);
    if (len >= size)
        return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: %s%s%s: string of %zu bytes is longer than %zu", rd->origin,
                         path, path[0] ? "." : "", key, len, size - 1);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: %s%s%s: string contains control characters", rd->origin,
                             path, path[0] ? "." : "", key);
    memcpy(buf, s, len + 1);
    return PIXEEN_OK;
}

/* A finite number in [lo, hi]; absent and optional: *out = 0. */
static pixeen_status read_number(const reader *rd, const cJSON *obj, const char *path, const char *key, bool required,
                                 double lo, double hi, double *out) {
    const cJSON *item = member(obj, key);
    *out = 0;
    if (!item && !required) return PIXEEN_OK;
    char expected[96];
    if (hi >= FIGURE_MAX)
        snprintf(expected, sizeof expected, lo > 0 ? "a number > 0" : "a number >= %g", lo);
    else
        snprintf(expected, sizeof expected, "a number in [%g, %g]", lo, hi);
    if (!cJSON_IsNumber(item)) return bad(rd, path, key, expected, item);
    double v = item->valuedouble;
    if (!isfinite(v) || v < lo || v > hi)
        return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: %s%s%s: %g is not %s", rd->origin, path, path[0] ? "." : "",
                         key, v, expected);
    *out = v;
    return PIXEEN_OK;
}

static pixeen_status read_u32(const reader *rd, const cJSON *obj, const char *path, const char *key, uint32_t *out) {
    double v;
    PX_TRY(read_number(rd, obj, path, key, false, 0, 4294967295.0, &v));
    if (v != floor(v))
        return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: %s%s%s: %g is not an integer", rd->origin, path,
                         path[0] ? "." : "", key, v);
    *out = (uint32_t)v;
    return PIXEEN_OK;
}

static pixeen_status read_bool(const reader *rd, const cJSON *obj, const char *path, const char *key, bool *out) {
    const cJSON *item = member(obj, key);
    *out = false;
    if (!item) return PIXEEN_OK;
    if (!cJSON_IsBool(item)) return bad(rd, path, key, "true or false", item);
    *out = cJSON_IsTrue(item);
    return PIXEEN_OK;
}

static pixeen_status read_device(const reader *rd, const cJSON *root, bench_device_info *d) {
    const cJSON *o;
    PX_TRY(read_object(rd, root, "", "device", &o));
    PX_TRY(read_string(rd, o, "device", "name", true, d->name, sizeof d->name));
    PX_TRY(read_string(rd, o, "device", "type", false, d->type, sizeof d->type));
    PX_TRY(read_string(rd, o, "device", "driver_name", false, d->driver_name, sizeof d->driver_name));
    PX_TRY(read_string(rd, o, "device", "driver_info", false, d->driver_info, sizeof d->driver_info));
    PX_TRY(read_string(rd, o, "device", "driver_version", false, d->driver_version, sizeof d->driver_version));
    PX_TRY(read_string(rd, o, "device", "api_version", false, d->api_version, sizeof d->api_version));
    PX_TRY(read_u32(rd, o, "device", "vendor_id", &d->vendor_id));
    PX_TRY(read_u32(rd, o, "device", "device_id", &d->device_id));
    PX_TRY(read_u32(rd, o, "device", "driver_id", &d->driver_id));
    PX_TRY(read_u32(rd, o, "device", "driver_version_raw", &d->driver_version_raw));
    PX_TRY(read_u32(rd, o, "device", "subgroup_size", &d->subgroup_size));
    PX_TRY(read_bool(rd, o, "device", "timestamps", &d->timestamps));
    return PIXEEN_OK;
}

static pixeen_status read_ceilings(const reader *rd, const cJSON *root, bench_ceilings *c) {
    const cJSON *o;
    PX_TRY(read_object(rd, root, "", "ceilings", &o));
    PX_TRY(read_number(rd, o, "ceilings", "fp32_gflops", true, 0, FIGURE_MAX, &c->fp32_gflops));
    PX_TRY(read_number(rd, o, "ceilings", "fp16_gflops", true, 0, FIGURE_MAX, &c->fp16_gflops));
    PX_TRY(read_number(rd, o, "ceilings", "bandwidth_gbs", true, 0, FIGURE_MAX, &c->bandwidth_gbs));
    PX_TRY(read_number(rd, o, "ceilings", "shader_copy_gbs", false, 0, FIGURE_MAX, &c->shader_copy_gbs));
    PX_TRY(read_number(rd, o, "ceilings", "transfer_copy_gbs", false, 0, FIGURE_MAX, &c->transfer_copy_gbs));
    PX_TRY(read_number(rd, o, "ceilings", "copy_bytes", false, 0, FIGURE_MAX, &c->copy_bytes));
    const cJSON *fma = member(o, "fma");
    if (!fma) return PIXEEN_OK;
    if (!cJSON_IsArray(fma)) return bad(rd, "ceilings", "fma", "an array", fma);
    const cJSON *v;
    cJSON_ArrayForEach(v, fma) {
        char path[48];
        snprintf(path, sizeof path, "ceilings.fma[%u]", c->fma_count);
        if (c->fma_count == BENCH_MAX_FMA)
            return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: ceilings.fma: more than %d variants", rd->origin,
                             BENCH_MAX_FMA);
        if (!cJSON_IsObject(v)) return bad(rd, path, "", "an object", v);
        bench_fma_result *r = &c->fma[c->fma_count];
        PX_TRY(read_string(rd, v, path, "variant", true, r->variant, sizeof r->variant));
        PX_TRY(read_number(rd, v, path, "gflops", true, 0, FIGURE_MAX, &r->gflops));
        c->fma_count++;
    }
    return PIXEEN_OK;
}

static pixeen_status read_case(const reader *rd, const cJSON *item, uint32_t index, bench_result *r) {
    char path[48];
    snprintf(path, sizeof path, "cases[%u]", index);
    if (!cJSON_IsObject(item)) return bad(rd, path, "", "an object", item);
    char status[16];
    PX_TRY(read_string(rd, item, path, "family", true, r->family, sizeof r->family));
    PX_TRY(read_string(rd, item, path, "name", true, r->name, sizeof r->name));
    PX_TRY(read_string(rd, item, path, "dtype", false, r->dtype, sizeof r->dtype));
    PX_TRY(read_string(rd, item, path, "status", true, status, sizeof status));
    if (strcmp(status, "ok") != 0 && strcmp(status, "failed") != 0 && strcmp(status, "skipped") != 0)
        return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: %s.status: \"%s\" is not \"ok\", \"failed\" or \"skipped\"",
                         rd->origin, path, status);
    r->ok = strcmp(status, "ok") == 0;
    r->skipped = strcmp(status, "skipped") == 0;
    PX_TRY(read_string(rd, item, path, "error", false, r->error, sizeof r->error));
    PX_TRY(read_number(rd, item, path, "flops", false, 0, FIGURE_MAX, &r->flops));
    PX_TRY(read_number(rd, item, path, "bytes", false, 0, FIGURE_MAX, &r->bytes));
    PX_TRY(read_number(rd, item, path, "tolerance", false, 0, FIGURE_MAX, &r->tolerance));
    PX_TRY(read_number(rd, item, path, "max_rel_error", false, 0, FIGURE_MAX, &r->max_rel));
    PX_TRY(read_number(rd, item, path, "check_s", false, 0, FIGURE_MAX, &r->check_s));
    PX_TRY(read_number(rd, item, path, "wall_s", false, 0, FIGURE_MAX, &r->wall_s));
    r->bound = r->flops > 0 ? BENCH_BOUND_COMPUTE : BENCH_BOUND_MEMORY; /* as report.c derives it */
    if (!r->ok) return PIXEEN_OK;
    PX_TRY(read_u32(rd, item, path, "runs", &r->runs));
    char timer[8];
    PX_TRY(read_string(rd, item, path, "timer", false, timer, sizeof timer));
    r->gpu_timer = strcmp(timer, "gpu") == 0;
    PX_TRY(read_number(rd, item, path, "time_ms", true, 1e-12, FIGURE_MAX, &r->median_ms));
    PX_TRY(read_number(rd, item, path, "time_ms_min", false, 0, FIGURE_MAX, &r->min_ms));
    PX_TRY(read_number(rd, item, path, "time_ms_max", false, 0, FIGURE_MAX, &r->max_ms));
    PX_TRY(read_number(rd, item, path, "gflops", false, 0, FIGURE_MAX, &r->gflops));
    PX_TRY(read_number(rd, item, path, "gbs", false, 0, FIGURE_MAX, &r->gbs));
    if (!member(item, "gflops")) r->gflops = r->flops / (r->median_ms * 1e6);
    if (!member(item, "gbs")) r->gbs = r->bytes / (r->median_ms * 1e6);
    char bound[16];
    PX_TRY(read_string(rd, item, path, "bound", false, bound, sizeof bound));
    r->bound = strcmp(bound, "memory") == 0 || (!bound[0] && r->flops == 0) ? BENCH_BOUND_MEMORY : BENCH_BOUND_COMPUTE;
    PX_TRY(read_number(rd, item, path, "share", false, 0, FIGURE_MAX, &r->share));
    PX_TRY(read_number(rd, item, path, "compute_share", false, 0, FIGURE_MAX, &r->compute_share));
    PX_TRY(read_number(rd, item, path, "bandwidth_share", false, 0, FIGURE_MAX, &r->bandwidth_share));
    return PIXEEN_OK;
}

static pixeen_status read_report(const reader *rd, const cJSON *root, bench_report *report) {
    if (!cJSON_IsObject(root)) return bad(rd, "", "(top level)", "an object", root);
    char schema[32];
    PX_TRY(read_string(rd, root, "", "schema", true, schema, sizeof schema));
    if (strcmp(schema, "pixeen-bench") != 0)
        return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: schema is \"%s\" (expected \"pixeen-bench\": is this a "
                                              "`pixeen bench --json` file?)",
                         rd->origin, schema);
    uint32_t version = 0;
    PX_TRY(read_u32(rd, root, "", "schema_version", &version));
    if (version != 1)
        return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: schema_version %u (expected 1; a newer Pixeen wrote it?)",
                         rd->origin, version);
    PX_TRY(read_string(rd, root, "", "pixeen_version", false, report->pixeen_version, sizeof report->pixeen_version));
    PX_TRY(read_string(rd, root, "", "date", false, report->date, sizeof report->date));
    PX_TRY(read_number(rd, root, "", "elapsed_s", false, 0, FIGURE_MAX, &report->elapsed_s));
    PX_TRY(read_number(rd, root, "", "time_limit_s", false, 0, FIGURE_MAX, &report->time_limit_s));
    const cJSON *options = member(root, "options");
    if (options) {
        if (!cJSON_IsObject(options)) return bad(rd, "", "options", "an object", options);
        PX_TRY(read_bool(rd, options, "options", "quick", &report->quick));
        PX_TRY(read_u32(rd, options, "options", "repeat", &report->repeat));
        PX_TRY(read_string(rd, options, "options", "filter", false, report->filter, sizeof report->filter));
        PX_TRY(read_string(rd, options, "options", "device", false, report->device_selector,
                           sizeof report->device_selector));
    }
    const cJSON *env = member(root, "environment");
    if (env) {
        if (!cJSON_IsObject(env)) return bad(rd, "", "environment", "an object", env);
        PX_TRY(read_string(rd, env, "environment", "LP_NUM_THREADS", false, report->lp_num_threads,
                           sizeof report->lp_num_threads));
    }
    PX_TRY(read_device(rd, root, &report->device));
    PX_TRY(read_ceilings(rd, root, &report->ceilings));
    const cJSON *cases = member(root, "cases");
    if (!cJSON_IsArray(cases)) return bad(rd, "", "cases", "an array", cases);
    int n = cJSON_GetArraySize(cases);
    if (n < 0 || (unsigned)n > BENCH_JSON_MAX_CASES)
        return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: cases: %d entries (at most %u)", rd->origin, n,
                         BENCH_JSON_MAX_CASES);
    if (n) {
        report->results = calloc((size_t)n, sizeof *report->results);
        if (!report->results) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory");
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, cases) {
        if (report->count == (uint32_t)n) break; /* cannot happen: the size was counted above */
        bench_result *r = &report->results[report->count];
        PX_TRY(read_case(rd, item, report->count, r));
        report->count++;
        if (r->skipped)
            report->skipped++;
        else if (!r->ok)
            report->failed++;
    }
    return PIXEEN_OK;
}

/* Line and column (1-based) of byte `offset` in text. */
static void locate(const char *text, size_t size, size_t offset, unsigned *line, unsigned *column) {
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset && i < size; i++) {
        if (text[i] == '\n') {
            ++*line;
            *column = 1;
        } else {
            ++*column;
        }
    }
}

pixeen_status bench_report_parse(const char *text, size_t size, const char *origin, bench_report *report) {
    memset(report, 0, sizeof *report);
    reader rd = {origin ? origin : "(report)"};
    if (size > BENCH_JSON_MAX_BYTES)
        return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: %zu bytes is too large for a bench report (at most %u)",
                         rd.origin, size, BENCH_JSON_MAX_BYTES);
    if (size == 0) return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: the file is empty", rd.origin);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, size, &end, false);
    if (!root) {
        size_t offset = end && end >= text && end <= text + size ? (size_t)(end - text) : 0;
        unsigned line, column;
        locate(text, size, offset, &line, &column);
        return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: not valid JSON (error near line %u, column %u)", rd.origin,
                         line, column);
    }
    /* cJSON stops after the first value: anything but whitespace after it is an error. */
    size_t rest = end && end >= text && end <= text + size ? (size_t)(end - text) : size;
    while (rest < size && (text[rest] == ' ' || text[rest] == '\n' || text[rest] == '\r' || text[rest] == '\t')) rest++;
    if (rest < size && text[rest] != '\0') {
        unsigned line, column;
        locate(text, size, rest, &line, &column);
        cJSON_Delete(root);
        return error_set(PIXEEN_ERROR_FORMAT, "bench: %s: unexpected data after the JSON value at line %u, column %u",
                         rd.origin, line, column);
    }
    pixeen_status status = read_report(&rd, root, report);
    cJSON_Delete(root);
    if (status != PIXEEN_OK) bench_report_free(report);
    return status;
}

pixeen_status bench_report_read(const char *path, bench_report *report) {
    memset(report, 0, sizeof *report);
    FILE *f = fopen(path, "rb");
    if (!f) return error_set(PIXEEN_ERROR_IO, "bench: cannot open '%s': %s", path, strerror(errno));
    /* Read up to the limit + 1 byte, so an oversized file is detected without trusting its size. */
    size_t capacity = 1 << 16, size = 0;
    char *text = malloc(capacity);
    pixeen_status status = PIXEEN_OK;
    while (text) {
        if (size == capacity) {
            if (capacity > BENCH_JSON_MAX_BYTES) break;
            capacity *= 2;
            char *grown = realloc(text, capacity);
            if (!grown) {
                free(text);
                text = NULL;
                break;
            }
            text = grown;
        }
        size_t got = fread(text + size, 1, capacity - size, f);
        size += got;
        if (got == 0) break;
    }
    if (!text)
        status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "bench: out of host memory reading '%s'", path);
    else if (ferror(f))
        status = error_set(PIXEEN_ERROR_IO, "bench: cannot read '%s': %s", path, strerror(errno));
    fclose(f);
    if (status == PIXEEN_OK) status = bench_report_parse(text, size, path, report);
    free(text);
    return status;
}
