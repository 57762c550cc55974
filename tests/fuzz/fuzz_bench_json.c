/* fuzz_bench_json.c — fuzz target for the `pixeen bench --compare` reader (src/bench/results.c):
 * any byte string must either parse into a report or be rejected with PIXEEN_ERROR_FORMAT, never
 * crash, leak or read out of bounds. A report that parses is also compared with itself and
 * written back to JSON, so the printing paths see every value the parser accepts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/runner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static FILE *sink;
    if (!sink) sink = fopen("/dev/null", "w");
    bench_report report;
    pixeen_status status = bench_report_parse((const char *)data, size, "fuzz", &report);
    if (status != PIXEEN_OK && status != PIXEEN_ERROR_FORMAT && status != PIXEEN_ERROR_OUT_OF_MEMORY) abort();
    if (status == PIXEEN_OK) {
        if (sink) bench_compare_print(&report, &report, "a", "b", sink);
        char *text = bench_report_to_json(&report);
        if (text) {
            /* What we write, we must read back. */
            bench_report again;
            if (bench_report_parse(text, strlen(text), "fuzz-rewrite", &again) != PIXEEN_OK) abort();
            if (again.count != report.count) abort();
            bench_report_free(&again);
        }
        free(text);
        bench_report_free(&report);
    }
    return 0;
}
