/* test.h — the tiny harness every tests/test_<unit>.c uses.
 *
 *   CHECK(cond)                 records a failure with file:line if cond is false, and goes on
 *   CHECK_OK(status_expr)       the expression must return PIXEEN_OK (prints the error message)
 *   CHECK_STATUS(expr, status)  the expression must return that status
 *   TEST_SKIP(why)              exit 77 (ctest's skip code), e.g. when no Vulkan device exists
 *   test_finish()               prints "N passed, N failed" and returns the exit code for main
 *   test_quick()                PIXEEN_TEST_QUICK=1 (the sanitizer pass in CI): operator tests run
 *                               their odd sizes and one real SD shape each; the plain pass runs all
 *   test_data_path(rel)         path under tests/data; test_shared_path(rel): under ../shared,
 *                               or NULL if that folder is absent (a fresh user clone)
 */
#ifndef PIXEEN_TEST_H
#define PIXEEN_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/platform.h" /* POSIX file calls, also on Windows */

static int test_passed_count, test_failed_count;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            test_passed_count++;                                                 \
        } else {                                                                 \
            test_failed_count++;                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

#define CHECK_STATUS(expr, expected)                                             \
    do {                                                                         \
        pixeen_status check_status_ = (expr);                                    \
        if (check_status_ == (expected)) {                                       \
            test_passed_count++;                                                 \
        } else {                                                                 \
            test_failed_count++;                                                 \
            fprintf(stderr, "%s:%d: %s returned %s (expected %s): %s\n", __FILE__, __LINE__, #expr, \
                    pixeen_status_string(check_status_), pixeen_status_string(expected), \
                    error_message());                                            \
        }                                                                        \
    } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, PIXEEN_OK)

#define TEST_SKIP(why)                      \
    do {                                    \
        printf("SKIP: %s\n", (why));        \
        exit(77);                           \
    } while (0)

/* Removes a scratch folder and everything in it (what `rm -rf` does, without a shell: the Windows
 * build runs these tests under wine). 0 on success. */
static inline int test_remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) return unlink(path);
    DIR *d = opendir(path);
    if (!d) return -1;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char child[4096];
        if ((size_t)snprintf(child, sizeof child, "%s/%s", path, e->d_name) >= sizeof child) rc = -1;
        else if (test_remove_tree(child) != 0) rc = -1;
    }
    closedir(d);
    return rmdir(path) == 0 ? rc : -1;
}

static inline int test_finish(void) {
    printf("%d passed, %d failed\n", test_passed_count, test_failed_count);
    return test_failed_count ? 1 : 0;
}

static inline int test_quick(void) {
    const char *v = getenv("PIXEEN_TEST_QUICK");
    return v && v[0] && strcmp(v, "0") != 0;
}

static inline const char *test_data_path(const char *rel) {
    static char path[4096];
    const char *root = getenv("PIXEEN_TEST_DATA");
    snprintf(path, sizeof path, "%s/%s", root ? root : "tests/data", rel);
    return path;
}

static inline const char *test_shared_path(const char *rel) {
    static char path[4096];
    const char *root = getenv("PIXEEN_SHARED_DIR");
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", root ? root : "../shared", rel);
    return stat(path, &st) == 0 ? path : NULL;
}

/* Fills `x` with uniform values in [lo, hi) from a fixed-seed xorshift generator. */
static inline void test_fill_random(float *x, size_t n, unsigned seed, float lo, float hi) {
    unsigned long long s = 0x9E3779B97F4A7C15ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        x[i] = lo + (hi - lo) * (float)((s >> 11) * (1.0 / 9007199254740992.0));
    }
}

/* Max absolute error and normalised MSE (MSE / mean square of the reference). */
static inline void test_compare(const float *got, const float *ref, size_t n, double *max_abs,
                                double *nmse) {
    double err2 = 0, ref2 = 0, worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)got[i] - (double)ref[i];
        if (isnan(got[i])) d = INFINITY;
        if (fabs(d) > worst) worst = fabs(d);
        err2 += d * d;
        ref2 += (double)ref[i] * ref[i];
    }
    *max_abs = worst;
    *nmse = ref2 > 0 ? err2 / ref2 : err2;
}

#endif
