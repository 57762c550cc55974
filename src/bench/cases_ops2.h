/* cases_ops2.h — benchmark case providers of the attention, normalisation and elementwise families
 * (src/bench/cases_ops2.c; the interface is src/bench/bench.h). */
#ifndef PIXEEN_BENCH_CASES_OPS2_H
#define PIXEEN_BENCH_CASES_OPS2_H

#include "bench/bench.h"

uint32_t bench_cases_attention(bench_case *out, uint32_t max, bool quick);
uint32_t bench_cases_norm(bench_case *out, uint32_t max, bool quick);
uint32_t bench_cases_elementwise(bench_case *out, uint32_t max, bool quick);

#endif
