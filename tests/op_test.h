/* op_test.h — helpers shared by the operator tests of attention, norms, activations, layouts,
 * embeddings and sampler kernels: fp16 rounding of host data, a recorder run, and the comparison
 * report (max-abs error and normalised MSE against a tolerance relative to max(1, max |ref|)). */
#ifndef PIXEEN_OP_TEST_H
#define PIXEEN_OP_TEST_H

#include "gpu_test.h"

static inline void op_test_round_f16(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = f32_round_f16(x[i]);
}

/* Reports and checks; tol is relative to max(1, max |ref|). Returns max_abs. */
static inline double op_test_report(const char *what, tensor_dtype dt, const float *got, const float *ref, size_t n, double tol_rel) {
    double max_abs, nmse, ref_max = 1;
    test_compare(got, ref, n, &max_abs, &nmse);
    for (size_t i = 0; i < n; i++) ref_max = fmax(ref_max, fabs(ref[i]));
    double tol = tol_rel * ref_max;
    printf("%s %s: max_abs %.3g nmse %.3g (tol %.2g)\n", what, dt == DTYPE_F16 ? "f16" : "f32", max_abs, nmse, tol);
    CHECK(max_abs <= tol);
    return max_abs;
}

/* A tensor of the given shape on a fresh device buffer (data may be NULL). */
static inline tensor op_test_tensor(gpu_context *ctx, tensor_dtype dt, const float *data, uint32_t rank, const int64_t *shape) {
    int64_t n = 1;
    for (uint32_t i = 0; i < rank; i++) n *= shape[i];
    tensor t = gpu_test_tensor(ctx, dt, data, n);
    t.rank = rank;
    for (uint32_t i = 0; i < rank; i++) t.shape[i] = shape[i];
    return t;
}

/* Ends, submits and destroys the recorder, checking both succeed. */
static inline void op_test_run(gpu_recorder *rec) {
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
}

#endif
