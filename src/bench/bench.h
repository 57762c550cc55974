/* bench.h — the interface between `pixeen bench` (src/bench/runner.c) and the benchmark cases
 * each operator family contributes (src/bench/cases_<family>.c).
 *
 * A case owns its GPU buffers (random inputs, made in setup), records its kernel into a recorder
 * (record: called once; the runner replays the recording for warm-up and timing), and validates
 * the GPU result against the plain-C reference before any timing is trusted (validate). For big
 * shapes validate may check a sample of outputs (say which in the case's note) so the whole bench
 * fits in minutes on lavapipe.
 */
#ifndef PIXEEN_BENCH_H
#define PIXEEN_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "gpu/gpu.h"

typedef struct bench_case bench_case;

/* Where a case runs. The cases are the one registry of operator checks: `pixeen bench` times the
 * TIMING and BOTH ones; the check pass (bench_check, ctest's test_op_cases) validates the CHECK and
 * BOTH ones. */
typedef enum bench_case_use {
    BENCH_USE_TIMING = 0, /* a shape worth timing, too slow for ctest on lavapipe */
    BENCH_USE_CHECK = 1,  /* odd sizes and edge cases: correctness, not speed */
    BENCH_USE_BOTH = 2,   /* a real model shape cheap enough for ctest (timed by full runs, not --quick) */
} bench_case_use;

struct bench_case {
    const char *family; /* "matmul", "conv2d", "attention", "groupnorm", "elementwise", ... */
    char name[96];      /* shape and dtype, e.g. "conv3x3 b2 320->320 64x64 f16" */
    double flops;       /* arithmetic per run (2 per multiply-add); 0 for memory-bound kernels */
    double bytes;       /* minimal device-memory traffic per run (inputs read once, outputs written once) */
    int64_t p[12];      /* shape parameters, interpreted by the case's functions */
    int dtype;          /* tensor_dtype of activations */
    double tolerance;   /* max |gpu - ref| / max |ref| accepted by validate */
    bench_case_use use; /* TIMING (0) unless the provider says otherwise */

    /* Creates buffers with seeded random inputs; *state is the case's private data. */
    pixeen_status (*setup)(bench_case *c, gpu_context *ctx, void **state);
    /* Records the kernel (no submit). */
    void (*record)(bench_case *c, void *state, gpu_recorder *rec);
    /* After one submitted run: compares with the reference; *max_rel = max|diff| / max|ref|. */
    pixeen_status (*validate)(bench_case *c, void *state, gpu_context *ctx, double *max_rel);
    void (*teardown)(bench_case *c, void *state);
};

/* Each family's provider appends its cases (at most `max`) and returns how many it wrote. `quick`
 * asks for a handful of representative shapes (the 20-second pass). */
typedef uint32_t (*bench_provider_fn)(bench_case *out, uint32_t max, bool quick);

#endif
