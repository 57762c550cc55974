/* compare.c — `pixeen bench --compare A.json B.json`: two reports side by side.
 *
 * Prints both devices and drivers, the ceilings of each with the ratio B/A, then every case
 * present in both (matched by family and name): median times, throughput (GFLOP/s for
 * compute-bound cases, GB/s for memory-bound ones) and the ratio B/A of throughput (> 1: B is
 * faster), with a geometric mean per family; then the cases present in only one report.
 * Cases that failed or were skipped in either report are listed as such instead of figures.
 *
 * Leaves out: reading and validating the files (results.c). Entry point: bench_compare_print.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/runner.h"

static int compare_results(const bench_result *a, const bench_result *b) {
    int c = strcmp(a->family, b->family);
    return c ? c : strcmp(a->name, b->name);
}

static int compare_result_ptrs(const void *a, const void *b) {
    return compare_results(*(const bench_result *const *)a, *(const bench_result *const *)b);
}

/* Sorted pointers into report's results, for lookups by family + name. */
static const bench_result **sorted_index(const bench_report *report) {
    const bench_result **index = malloc((report->count ? report->count : 1) * sizeof *index);
    if (!index) return NULL;
    for (uint32_t i = 0; i < report->count; i++) index[i] = &report->results[i];
    qsort(index, report->count, sizeof *index, compare_result_ptrs);
    return index;
}

static const bench_result *find(const bench_result **index, uint32_t count, const bench_result *key) {
    const bench_result *const *hit = bsearch(&key, index, count, sizeof *index, compare_result_ptrs);
    return hit ? *hit : NULL;
}

static void print_device(const char *label, const char *file, const bench_report *r, FILE *out) {
    const bench_device_info *d = &r->device;
    fprintf(out, "%s = %s: %s [%s], driver %s %s, Vulkan %s; pixeen %s, %s%s%s%s\n", label, file, d->name,
            d->type[0] ? d->type : "?", d->driver_name, d->driver_version, d->api_version,
            r->pixeen_version[0] ? r->pixeen_version : "?", r->date[0] ? r->date : "undated", r->quick ? ", quick" : "",
            r->lp_num_threads[0] ? ", LP_NUM_THREADS=" : "", r->lp_num_threads);
}

static void print_ratio(FILE *out, double a, double b) {
    if (a > 0 && b > 0)
        fprintf(out, " %8.2f\n", b / a);
    else
        fprintf(out, " %8s\n", "-");
}

static void print_ceiling(FILE *out, const char *what, double a, double b) {
    fprintf(out, "  %-24s %12.1f %12.1f", what, a, b);
    print_ratio(out, a, b);
}

static const char *status_word(const bench_result *r) { return r->ok ? "ok" : r->skipped ? "skipped" : "FAILED"; }

/* Throughput of a passed result in the unit chosen for the pair (GFLOP/s or GB/s). */
static double throughput(const bench_result *r, bool flops) { return flops ? r->gflops : r->gbs; }

typedef struct family_mean {
    char family[BENCH_FAMILY_LEN];
    double log_sum;
    uint32_t n;
} family_mean;

void bench_compare_print(const bench_report *a, const bench_report *b, const char *name_a, const char *name_b,
                         FILE *out) {
    print_device("A", name_a, a, out);
    print_device("B", name_b, b, out);
    fprintf(out, "\nceilings %29s %12s %8s\n", "A", "B", "B/A");
    print_ceiling(out, "fp32 FMA GFLOP/s", a->ceilings.fp32_gflops, b->ceilings.fp32_gflops);
    print_ceiling(out, "fp16 FMA GFLOP/s", a->ceilings.fp16_gflops, b->ceilings.fp16_gflops);
    print_ceiling(out, "bandwidth GB/s", a->ceilings.bandwidth_gbs, b->ceilings.bandwidth_gbs);
    print_ceiling(out, "  shader copy GB/s", a->ceilings.shader_copy_gbs, b->ceilings.shader_copy_gbs);
    print_ceiling(out, "  vkCmdCopyBuffer GB/s", a->ceilings.transfer_copy_gbs, b->ceilings.transfer_copy_gbs);

    const bench_result **index_a = sorted_index(a), **index_b = sorted_index(b);
    family_mean *means = calloc(a->count ? a->count : 1, sizeof *means);
    if (!index_a || !index_b || !means) {
        fprintf(out, "(out of memory: cases not compared)\n");
        goto done;
    }
    uint32_t family_count = 0, common = 0;
    fprintf(out, "\n%-12s %-40s %10s %10s %10s %10s %-7s %7s\n", "family", "case", "A ms", "B ms", "A", "B", "unit",
            "B/A");
    for (uint32_t i = 0; i < a->count; i++) {
        const bench_result *ra = &a->results[i], *rb = find(index_b, b->count, ra);
        if (!rb) continue;
        common++;
        fprintf(out, "%-12s %-40s", ra->family, ra->name);
        if (!ra->ok || !rb->ok) {
            fprintf(out, " %10s %10s\n", status_word(ra), status_word(rb));
            continue;
        }
        bool flops = ra->flops > 0 && rb->flops > 0 && !(ra->bound == BENCH_BOUND_MEMORY && ra->bytes > 0);
        double ta = throughput(ra, flops), tb = throughput(rb, flops);
        fprintf(out, " %10.3f %10.3f %10.1f %10.1f %-7s", ra->median_ms, rb->median_ms, ta, tb, flops ? "GFLOP/s" : "GB/s");
        /* Throughput ratio; where a figure is missing (no flops and no bytes), the time ratio. */
        double ratio = ta > 0 && tb > 0 ? tb / ta : ra->median_ms / rb->median_ms;
        fprintf(out, " %7.2f\n", ratio);
        uint32_t k = 0;
        while (k < family_count && strcmp(means[k].family, ra->family) != 0) k++;
        if (k == family_count) snprintf(means[family_count++].family, sizeof means[0].family, "%s", ra->family);
        means[k].log_sum += log(ratio);
        means[k].n++;
    }
    if (!common) fprintf(out, "(no case is present in both reports)\n");
    for (uint32_t k = 0; k < family_count; k++)
        fprintf(out, "%-12s %-40s %54s %7.2f\n", means[k].family, "geometric mean", "", exp(means[k].log_sum / means[k].n));
    fprintf(out, "B/A: throughput of B over A (> 1: B is faster); time ratio A/B where a case has no figures\n");

    uint32_t only = 0;
    for (uint32_t i = 0; i < a->count; i++)
        if (!find(index_b, b->count, &a->results[i]))
            fprintf(out, "%sonly in A: %s %s\n", only++ ? "" : "\n", a->results[i].family, a->results[i].name);
    for (uint32_t i = 0; i < b->count; i++)
        if (!find(index_a, a->count, &b->results[i]))
            fprintf(out, "%sonly in B: %s %s\n", only++ ? "" : "\n", b->results[i].family, b->results[i].name);
done:
    free(index_a);
    free(index_b);
    free(means);
}
