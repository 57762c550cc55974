/* cases_attention.h — benchmark case providers of the attention, normalisation and elementwise families
 * (src/bench/cases_attention.c, cases_norm.c, cases_elementwise.c; the interface is src/bench/bench.h). */
#ifndef PIXEEN_BENCH_CASES_ATTENTION_H
#define PIXEEN_BENCH_CASES_ATTENTION_H

#include "bench/bench.h"

uint32_t bench_cases_attention(bench_case *out, uint32_t max, bool quick);
uint32_t bench_cases_norm(bench_case *out, uint32_t max, bool quick);
uint32_t bench_cases_elementwise(bench_case *out, uint32_t max, bool quick);

#endif
