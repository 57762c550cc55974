/* test_op_cases.c — the operator-case registry in check mode: every case of every provider of
 * `pixeen bench` (src/bench/providers.c) marked for checking (BENCH_USE_CHECK: odd sizes;
 * BENCH_USE_BOTH: real model shapes cheap enough here) is set up, recorded, run once and validated
 * against its plain-C reference within its tolerance (bench_check). With PIXEEN_TEST_QUICK=1 the
 * providers' quick subsets run. tests/structure/check_op_cases.cmake (test_op_cases_cover) checks
 * that every op_*_record has a case. */
#include "bench/runner.h"
#include "core/clock.h"
#include "gpu_test.h"

int main(void) {
    gpu_context *ctx = gpu_test_context();
    bench_case *cases = NULL;
    uint32_t count = 0;
    bench_options opt = {.check = true, .quick = test_quick()};
    CHECK_OK(bench_collect(bench_providers, bench_provider_count, &opt, &cases, &count));
    CHECK(count >= 40); /* the registry is not empty: sampler + layers alone hold 42 */
    uint32_t failed = 0;
    for (uint32_t i = 0; i < count; i++) {
        double max_rel = 0, start = clock_wall_seconds();
        pixeen_status status = bench_check(ctx, &cases[i], &max_rel);
        printf("%-6s %-20s %-48s max_rel %.3g (tolerance %.3g) %.2f s%s%s\n", status == PIXEEN_OK ? "ok" : "FAILED",
               cases[i].family, cases[i].name, max_rel, cases[i].tolerance, clock_wall_seconds() - start,
               status == PIXEEN_OK ? "" : ": ", status == PIXEEN_OK ? "" : error_message());
        if (status != PIXEEN_OK) failed++;
        CHECK(status == PIXEEN_OK);
    }
    printf("%u case(s), %u failed\n", count, failed);
    free(cases);
    return gpu_test_finish(ctx);
}
