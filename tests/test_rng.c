/* test_rng.c — the torch-compatible generators against torch's own output.
 *
 * - RNG_TORCH_CPU must equal tests/data/rng/ref (torch.randn on the CPU, AVX2 kernel) bit for bit,
 *   for every shape (3 values: scalar double path; 100: the tail block recomputed; 256 .. 65536:
 *   whole blocks) and seed, and for three successive draws from one generator.
 * - RNG_TORCH_CPU and RNG_TORCH_CPU_PORTABLE must be within 2e-6 of ref_default_kernel (torch's
 *   portable kernel); how many values of the portable kind are bit-exact is printed (it is all of
 *   them on glibc, whose logf/sinf/cosf are correctly rounded).
 * - The 128x128 files are read from ../shared/fixtures when present (only one is copied here).
 * - The scalar path's cached second value survives across calls (randn(3) then randn(3) equals
 *   randn(6)'s scalar stream), and sizes 15/16/17 switch paths as torch does.
 * - Philox: AUTOMATIC1111's documented output of Generator(seed=0).randn((3, 4)) (the only
 *   published values found; they match torch.randn on CUDA), plus offset advance per call.
 */
#include "test.h"

#include "sample/rng.h"

typedef struct rng_case {
    const char *name;
    uint32_t seed;
    size_t count; /* per draw */
    int draws;
} rng_case;

static const rng_case cases[] = {
    {"randn_seed0_3", 0, 3, 1},
    {"randn_seed42_3", 42, 3, 1},
    {"randn_seed0_1x4x5x5", 0, 100, 1},
    {"randn_seed42_1x4x5x5", 42, 100, 1},
    {"randn_seed0_1x4x8x8", 0, 256, 1},
    {"randn_seed42_1x4x8x8", 42, 256, 1},
    {"randn_seed0_2x4x32x32", 0, 8192, 1},
    {"randn_seed42_2x4x32x32", 42, 8192, 1},
    {"randn_seed0_1x4x64x64", 0, 16384, 1},
    {"randn_seed42_1x4x64x64", 42, 16384, 1},
    {"randn_seed0_1x4x128x128", 0, 65536, 1},
    {"randn_seed42_1x4x128x128", 42, 65536, 1},
    {"randn_seed42_3draws_1x4x8x8", 42, 256, 3},
};

/* Reads `n` floats from tests/data/rng/<dir>/<name>.bin, else from ../shared/fixtures/rng. */
static int read_ref(const char *dir, const char *name, float *out, size_t n) {
    char rel[256];
    snprintf(rel, sizeof rel, "rng/%s/%s.bin", dir, name);
    FILE *f = fopen(test_data_path(rel), "rb");
    if (!f) {
        char srel[300];
        snprintf(srel, sizeof srel, "fixtures/%s", rel);
        const char *p = test_shared_path(srel);
        if (p) f = fopen(p, "rb");
    }
    if (!f) return 0;
    size_t got = fread(out, sizeof(float), n, f);
    fclose(f);
    return got == n;
}

static void draw(rng_kind kind, const rng_case *c, float *out) {
    rng r;
    CHECK_OK(rng_init(&r, kind, c->seed));
    for (int d = 0; d < c->draws; d++) CHECK_OK(rng_randn(&r, out + (size_t)d * c->count, c->count));
}

static void test_torch_cpu(void) {
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const rng_case *c = &cases[k];
        size_t n = c->count * (size_t)c->draws;
        float *ref = malloc(n * sizeof *ref), *got = malloc(n * sizeof *got);
        if (read_ref("ref", c->name, ref, n)) {
            draw(RNG_TORCH_CPU, c, got);
            size_t diff = 0;
            for (size_t i = 0; i < n; i++) diff += memcmp(&got[i], &ref[i], sizeof(float)) != 0;
            if (diff) fprintf(stderr, "%s (avx2 kernel): %zu of %zu values differ\n", c->name, diff, n);
            CHECK(diff == 0);
        } else {
            printf("skip ref/%s (not present)\n", c->name);
        }
        if (read_ref("ref_default_kernel", c->name, ref, n)) {
            double worst_avx = 0, worst_portable = 0;
            size_t exact = 0;
            draw(RNG_TORCH_CPU, c, got);
            for (size_t i = 0; i < n; i++) worst_avx = fmax(worst_avx, fabs((double)got[i] - ref[i]));
            draw(RNG_TORCH_CPU_PORTABLE, c, got);
            for (size_t i = 0; i < n; i++) {
                worst_portable = fmax(worst_portable, fabs((double)got[i] - ref[i]));
                exact += memcmp(&got[i], &ref[i], sizeof(float)) == 0;
            }
            printf("%-28s default kernel: avx2 max|d| %.2g, portable max|d| %.2g, %zu/%zu exact\n",
                   c->name, worst_avx, worst_portable, exact, n);
            CHECK(worst_avx <= 2e-6);
            CHECK(worst_portable <= 2e-6);
        }
        free(ref);
        free(got);
    }
}

static void test_stream_continuity(void) {
    /* Scalar path: the cached sin half carries over, so 3 + 3 values == the first 6 of a run of
     * scalar draws (1 + 1 + ... never reaches 16 values per call). */
    rng a, b;
    float x[6], y[6];
    CHECK_OK(rng_init(&a, RNG_TORCH_CPU, 7));
    CHECK_OK(rng_init(&b, RNG_TORCH_CPU, 7));
    CHECK_OK(rng_randn(&a, x, 3));
    CHECK_OK(rng_randn(&a, x + 3, 3));
    for (int i = 0; i < 6; i++) CHECK_OK(rng_randn(&b, y + i, 1));
    CHECK(memcmp(x, y, sizeof x) == 0);
    /* Re-seeding clears the cache: the first value repeats. */
    CHECK_OK(rng_init(&a, RNG_TORCH_CPU, 7));
    CHECK_OK(rng_randn(&a, y, 1));
    CHECK(y[0] == x[0]);
    /* 16 values take the block path, which neither uses nor clears the cache. */
    float big[17];
    CHECK_OK(rng_init(&a, RNG_TORCH_CPU, 7));
    CHECK_OK(rng_randn(&a, x, 1));  /* caches a value */
    CHECK_OK(rng_randn(&a, big, 16));
    CHECK_OK(rng_randn(&a, y, 1));  /* returns the cached value, from before the block */
    CHECK_OK(rng_init(&b, RNG_TORCH_CPU, 7));
    CHECK_OK(rng_randn(&b, x + 1, 2));
    CHECK(y[0] == x[2]);
    /* 17 values: the last 16 are recomputed from 16 extra uniforms, so the first value equals
     * the 16-value draw's and the stream advances by 33 words. */
    float sixteen[16];
    CHECK_OK(rng_init(&a, RNG_TORCH_CPU, 3));
    CHECK_OK(rng_randn(&a, big, 17));
    CHECK_OK(rng_init(&b, RNG_TORCH_CPU, 3));
    CHECK_OK(rng_randn(&b, sixteen, 16));
    CHECK(big[0] == sixteen[0]);
    CHECK(big[1] != sixteen[1] || big[8] != sixteen[8]);
    /* Invalid use. */
    CHECK_STATUS(rng_init(&a, (rng_kind)9, 1), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(rng_randn(NULL, x, 1), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_OK(rng_randn(&b, NULL, 0));
    rng_kind kind;
    CHECK_OK(rng_kind_parse("philox", &kind));
    CHECK(kind == RNG_PHILOX);
    CHECK_STATUS(rng_kind_parse("mersenne", &kind), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK(strcmp(rng_kind_name(RNG_TORCH_CPU_PORTABLE), "cpu-portable") == 0);
}

static void test_philox(void) {
    /* AUTOMATIC1111 modules/rng_philox.py docstring: Generator(seed=0).randn(shape=(3, 4)). */
    static const double expected[12] = {
        -0.92466259, -0.42534415, -2.6438457,  0.14518388, -0.12086647, -0.57972564,
        -0.62285122, -0.32838709, -1.07454231, -0.36314407, -1.67105067, 2.26550497,
    };
    rng r;
    float got[12];
    CHECK_OK(rng_init(&r, RNG_PHILOX, 0));
    CHECK_OK(rng_randn(&r, got, 12));
    double worst = 0;
    for (int i = 0; i < 12; i++) worst = fmax(worst, fabs(got[i] - expected[i]));
    printf("philox seed 0 vs published values: max|d| %.2g\n", worst);
    CHECK(worst < 2e-6);
    /* A second call uses the next counter offset: different values, and the same as a fresh
     * generator's second call. */
    float again[12], fresh[12];
    CHECK_OK(rng_randn(&r, again, 12));
    CHECK(memcmp(again, got, sizeof got) != 0);
    rng s;
    CHECK_OK(rng_init(&s, RNG_PHILOX, 0));
    CHECK_OK(rng_randn(&s, fresh, 5));
    CHECK_OK(rng_randn(&s, fresh, 12));
    CHECK(memcmp(again, fresh, sizeof again) == 0);
    /* Element i depends only on (seed, offset, i): a prefix of a longer draw is the shorter draw. */
    CHECK_OK(rng_init(&s, RNG_PHILOX, 0));
    CHECK_OK(rng_randn(&s, fresh, 4));
    CHECK(memcmp(fresh, got, 4 * sizeof(float)) == 0);
    /* Moments over a large draw: mean ~ 0, variance ~ 1 (loose: 5 sigma of the estimators). */
    size_t n = 1 << 16;
    float *big = malloc(n * sizeof *big);
    CHECK_OK(rng_init(&s, RNG_PHILOX, 12345));
    CHECK_OK(rng_randn(&s, big, n));
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        sum += big[i];
        sq += (double)big[i] * big[i];
    }
    CHECK(fabs(sum / n) < 5.0 / sqrt((double)n));
    CHECK(fabs(sq / n - 1.0) < 5.0 * sqrt(2.0 / (double)n));
    free(big);
}

int main(void) {
    test_torch_cpu();
    test_stream_continuity();
    test_philox();
    return test_finish();
}
