/* profile.c — per-operator GPU time totals from the recorders' timestamps (PIXEEN_PROFILE=1). */
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu_internal.h"

void gpu_profile_add(gpu_context *ctx, const char *label, double ns) {
    for (uint32_t i = 0; i < ctx->profile_count; i++)
        if (strcmp(ctx->profile[i].label, label) == 0) {
            ctx->profile[i].count++;
            ctx->profile[i].total_ns += ns;
            return;
        }
    if (ctx->profile_count == ctx->profile_capacity) {
        uint32_t capacity = ctx->profile_capacity ? ctx->profile_capacity * 2 : 32;
        gpu_profile_entry *grown = realloc(ctx->profile, capacity * sizeof *grown);
        if (!grown) return; /* profiling is best-effort */
        ctx->profile = grown;
        ctx->profile_capacity = capacity;
    }
    gpu_profile_entry *e = &ctx->profile[ctx->profile_count++];
    snprintf(e->label, sizeof e->label, "%s", label);
    e->count = 1;
    e->total_ns = ns;
}

static int by_time_desc(const void *a, const void *b) {
    double ta = ((const gpu_profile_entry *)a)->total_ns, tb = ((const gpu_profile_entry *)b)->total_ns;
    return ta < tb ? 1 : ta > tb ? -1 : 0;
}

void gpu_profile_print(gpu_context *ctx, FILE *out) {
    double total = 0;
    for (uint32_t i = 0; i < ctx->profile_count; i++) total += ctx->profile[i].total_ns;
    if (ctx->profile_count == 0) {
        fprintf(out, "profile: no GPU timings (set PIXEEN_PROFILE=1; needs timestamp support)\n");
        return;
    }
    qsort(ctx->profile, ctx->profile_count, sizeof *ctx->profile, by_time_desc);
    fprintf(out, "%-40s %8s %12s %10s %6s\n", "operator", "count", "total ms", "mean us", "share");
    for (uint32_t i = 0; i < ctx->profile_count; i++) {
        const gpu_profile_entry *e = &ctx->profile[i];
        fprintf(out, "%-40s %8llu %12.3f %10.1f %5.1f%%\n", e->label, (unsigned long long)e->count, e->total_ns / 1e6,
                e->total_ns / 1e3 / (double)e->count, 100.0 * e->total_ns / total);
    }
    fprintf(out, "%-40s %8s %12.3f\n", "total", "", total / 1e6);
}

void gpu_profile_reset(gpu_context *ctx) { ctx->profile_count = 0; }

uint32_t gpu_profile_count(const gpu_context *ctx) { return ctx->profile_count; }

void gpu_profile_get(const gpu_context *ctx, uint32_t i, const char **label, uint64_t *count, double *total_ns) {
    const gpu_profile_entry *e = &ctx->profile[i];
    *label = e->label;
    *count = (uint64_t)e->count;
    *total_ns = e->total_ns;
}

void gpu_context_set_profiling(gpu_context *ctx, bool on) { ctx->profile_all = on; }
