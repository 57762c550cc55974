/* providers.c — the benchmark case providers compiled into this build, in the order `pixeen
 * bench` runs them (see bench.h for the case interface).
 *
 * MERGE NOTE: the operator families written in parallel land here at merge time. Their provider
 * functions are declared below already, so adding one is a single table row, e.g.
 *     {"matmul", bench_cases_matmul},
 * Rows for the providers that exist on main today: basic (cases_basic.c). When the elementwise
 * family's own provider lands, the basic row may stay (it is cheap: about 2 s) or go.
 */
#include "bench/cases_winograd.h"
#include "bench/runner.h"

/* src/bench/cases_gemm.c */
uint32_t bench_cases_matmul(bench_case *out, uint32_t max, bool quick);
uint32_t bench_cases_conv2d(bench_case *out, uint32_t max, bool quick);
/* src/bench/cases_quant.c */
uint32_t bench_cases_matmul_quant(bench_case *out, uint32_t max, bool quick);
/* src/bench/cases_attention.c */
uint32_t bench_cases_attention(bench_case *out, uint32_t max, bool quick);
uint32_t bench_cases_norm(bench_case *out, uint32_t max, bool quick);
uint32_t bench_cases_elementwise(bench_case *out, uint32_t max, bool quick);
/* src/bench/cases_sampler.c */
uint32_t bench_cases_sampler(bench_case *out, uint32_t max, bool quick);
/* src/bench/cases_latents.c */
uint32_t bench_cases_latents(bench_case *out, uint32_t max, bool quick);
/* src/bench/cases_pictures.c */
uint32_t bench_cases_pictures(bench_case *out, uint32_t max, bool quick);
/* src/bench/cases_layers.c */
uint32_t bench_cases_layers(bench_case *out, uint32_t max, bool quick);
/* src/bench/cases_tile.c */
uint32_t bench_cases_tile(bench_case *out, uint32_t max, bool quick);

const bench_provider bench_providers[] = {
    {"matmul", bench_cases_matmul},
    {"matmul_q", bench_cases_matmul_quant},
    {"conv2d", bench_cases_conv2d},
    {"conv2d_winograd", bench_cases_conv2d_winograd},
    {"conv2d_winograd_weight", bench_cases_conv2d_winograd_weight},
    {"attention", bench_cases_attention},
    {"norm", bench_cases_norm},
    {"elementwise", bench_cases_elementwise},
    {"basic", bench_cases_basic},
    {"sampler", bench_cases_sampler},
    {"layers", bench_cases_layers},
    {"latents", bench_cases_latents},
    {"pictures", bench_cases_pictures},
    {"tile", bench_cases_tile},
};

const uint32_t bench_provider_count = sizeof bench_providers / sizeof bench_providers[0];
