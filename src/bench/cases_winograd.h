/* cases_winograd.h — the provider of the Winograd convolution's benchmark cases (cases_winograd.c). */
#ifndef PIXEEN_BENCH_CASES_WINOGRAD_H
#define PIXEEN_BENCH_CASES_WINOGRAD_H

#include "bench/bench.h"

uint32_t bench_cases_conv2d_winograd(bench_case *out, uint32_t max, bool quick);
uint32_t bench_cases_conv2d_winograd_weight(bench_case *out, uint32_t max, bool quick);

#endif
