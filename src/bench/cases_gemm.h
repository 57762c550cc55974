/* cases_gemm.h — the matmul and conv2d benchmark cases (src/bench/cases_gemm.c) for
 * `pixeen bench`: every distinct linear and convolution shape of the SD 1.5 UNet (batch 2, CFG)
 * and VAE decoder (batch 1) at 256x256 and 512x512 images, plus square GEMMs. */
#ifndef PIXEEN_BENCH_CASES_GEMM_H
#define PIXEEN_BENCH_CASES_GEMM_H

#include "bench/bench.h"

/* Both follow bench_provider_fn (bench.h): append at most `max` cases, return how many. */
uint32_t bench_cases_matmul(bench_case *out, uint32_t max, bool quick);
uint32_t bench_cases_conv2d(bench_case *out, uint32_t max, bool quick);

#endif
