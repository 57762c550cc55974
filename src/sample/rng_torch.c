/* rng_torch.c — torch.randn on the CPU, reproduced: mt19937 as torch seeds it, and torch's normal
 * sampler for float tensors (PyTorch 1.13 .. 2.x, aten/src/ATen/native/cpu/DistributionTemplates.h
 * and DistributionKernels.cpp, read for understanding; nothing copied).
 *
 * torch's algorithm, as reproduced here:
 *  - manual_seed(s): mt19937 initialised with s & 0xffffffff (standard init), normal caches cleared.
 *  - count >= 16 (contiguous float): first one 24-bit uniform per element, u = (w & 0xffffff) * 2^-24
 *    (w = one 32-bit mt output), written over the whole tensor; then Box-Muller on each block of 16
 *    pairing element j with j+8 (j < 8): radius = sqrt(-2 log(1 - u_j)), theta = 2 pi u_{j+8},
 *    out_j = radius cos(theta), out_{j+8} = radius sin(theta). When count % 16 != 0, 16 fresh
 *    uniforms are drawn for the LAST 16 elements (overwriting the tail of the previous block's
 *    output) and that block is transformed again.
 *  - count < 16: the scalar path, normal_distribution<double>: u1, u2 are 53-bit doubles built
 *    from two mt outputs each ((hi << 32 | lo) & (2^53 - 1)) * 2^-53; r = sqrt(-2 log(1 - u2)),
 *    theta = 2 pi u1; returns r cos(theta) and caches r sin(theta) in the generator, which the
 *    next scalar draw returns first (even in a later call). Stored as float.
 *
 * The two 16-wide kernels:
 *  - AVX2 (RNG_TORCH_CPU): float arithmetic throughout, with log and sincos from avx_mathfun.h
 *    (Cephes polynomials, Pommier/Garberoglio). PyTorch is built by GCC with -mfma and its
 *    default -ffp-contract=fast, so every multiply whose only use is an add became a fused
 *    multiply-add in the shipped binary; this file spells those fusions out with platform_fmaf(). Where
 *    two products feed one add (y*z + e*q1 in log; y*z - z/2 in cos), the first in source order is
 *    the fused one. The result is bit-exact with every file of fixtures/rng/ref (checked in
 *    tests/test_rng.c); without the fusions about 1% of values differ by one ulp.
 *  - portable (RNG_TORCH_CPU_PORTABLE): float logf/sqrtf/cosf/sinf, theta computed as
 *    float(2 * pi_double * u); bit-exact with fixtures/rng/ref_default_kernel on glibc (whose
 *    logf/sinf/cosf are correctly rounded), within 2e-6 elsewhere.
 * Every operation below is its own statement so a compiler that contracts within expressions
 * (clang's default) cannot fuse what torch did not; GCC in ISO C mode contracts nothing.
 *
 * Leaves out: double/half tensors, mean/std other than 0/1, non-contiguous tensors.
 * Entry points (declared in rng.h): rng_torch_seed, rng_torch_randn.
 */
#include <math.h>
#include <string.h>

#include "core/platform.h"
#include "sample/rng.h"

/* ---- mt19937 (Matsumoto & Nishimura 1998; the constants are the algorithm's) ---------------- */

void rng_torch_seed(rng *r, uint32_t seed) {
    r->mt[0] = seed;
    for (uint32_t j = 1; j < RNG_MT_STATE_WORDS; j++) {
        uint32_t prev = r->mt[j - 1];
        r->mt[j] = 1812433253u * (prev ^ (prev >> 30)) + j;
    }
    r->mt_index = RNG_MT_STATE_WORDS; /* regenerate on first use */
    r->has_cached_normal = 0;
    r->cached_normal = 0.0;
}

static void mt_twist(rng *r) {
    uint32_t *s = r->mt;
    for (uint32_t k = 0; k < RNG_MT_STATE_WORDS; k++) {
        uint32_t y = (s[k] & 0x80000000u) | (s[(k + 1) % RNG_MT_STATE_WORDS] & 0x7fffffffu);
        uint32_t v = s[(k + 397) % RNG_MT_STATE_WORDS] ^ (y >> 1);
        if (y & 1u) v ^= 0x9908b0dfu;
        s[k] = v;
    }
    r->mt_index = 0;
}

static uint32_t mt_next(rng *r) {
    if (r->mt_index >= RNG_MT_STATE_WORDS) mt_twist(r);
    uint32_t y = r->mt[r->mt_index++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* uniform_real_distribution<float>(0, 1): 24 random bits (float's digits) times 2^-24. */
static float uniform24(rng *r) {
    return (float)(mt_next(r) & 0xffffffu) * (1.0f / 16777216.0f);
}

/* uniform_real_distribution<double>(0, 1): random64() = first output << 32 | second, 53 bits. */
static double uniform53(rng *r) {
    uint64_t hi = mt_next(r);
    uint64_t lo = mt_next(r);
    uint64_t v = (hi << 32) | lo;
    return (double)(v & ((UINT64_C(1) << 53) - 1)) * (1.0 / 9007199254740992.0);
}

/* ---- the AVX2 kernel's float log and sincos, one lane at a time ------------------------------ */

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float float_of(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* log256_ps for x in (0, 1]: frexp-style split x = m * 2^e with m in [0.5, 1), then
 * log(1 + f) by a degree-9 Cephes polynomial, and e * ln2 added in two parts (q2 + q1). */
static float avx2_logf(float x) {
    const float min_norm = 1.17549435e-38f; /* smallest normal float: denormals are cut off */
    if (x < min_norm) x = min_norm;
    uint32_t b = bits_of(x);
    int32_t exponent = (int32_t)(b >> 23) - 0x7f;
    x = float_of((b & ~0x7f800000u) | 0x3f000000u); /* mantissa with exponent of 0.5 */
    float e = (float)exponent;
    e = e + 1.0f;
    if (x < 0.707106781186547524f) { /* sqrt(1/2): keep f within [sqrt(1/2)-1, sqrt(2)-1) */
        float t = x;
        x = x - 1.0f;
        e = e - 1.0f;
        x = x + t;
    } else {
        x = x - 1.0f;
    }
    float z = x * x;
    float y = 7.0376836292E-2f;
    y = platform_fmaf(y, x, -1.1514610310E-1f);
    y = platform_fmaf(y, x, 1.1676998740E-1f);
    y = platform_fmaf(y, x, -1.2420140846E-1f);
    y = platform_fmaf(y, x, 1.4249322787E-1f);
    y = platform_fmaf(y, x, -1.6668057665E-1f);
    y = platform_fmaf(y, x, 2.0000714765E-1f);
    y = platform_fmaf(y, x, -2.4999993993E-1f);
    y = platform_fmaf(y, x, 3.3333331174E-1f);
    y = y * x;
    float t = e * -2.12194440e-4f; /* ln2 - 0.693359375, the small part of e*ln2 */
    y = platform_fmaf(y, z, t);
    y = platform_fmaf(-z, 0.5f, y);
    x = x + y;
    x = platform_fmaf(e, 0.693359375f, x); /* the large part of e*ln2, exact in float */
    return x;
}

/* sincos256_ps for x >= 0 (theta = 2 pi u): Cody-Waite reduction by pi/4 in three parts, then
 * the Cephes sine and cosine polynomials on [-pi/4, pi/4], selected and signed by octant. */
static void avx2_sincosf(float x, float *s, float *c) {
    uint32_t sign_sin = bits_of(x) & 0x80000000u;
    x = float_of(bits_of(x) & 0x7fffffffu);
    float y = x * 1.27323954473516f; /* 4 / pi */
    int32_t j = (int32_t)y;
    j = (j + 1) & ~1;
    y = (float)j;
    uint32_t swap_sign_sin = ((uint32_t)j & 4u) << 29;
    int use_cos_poly_for_sin = (j & 2) != 0;
    x = platform_fmaf(y, -0.78515625f, x);
    x = platform_fmaf(y, -2.4187564849853515625e-4f, x);
    x = platform_fmaf(y, -3.77489497744594108e-8f, x);
    uint32_t sign_cos = ((uint32_t)(~(j - 2)) & 4u) << 29;
    sign_sin ^= swap_sign_sin;

    float z = x * x;
    float yc = 2.443315711809948E-005f;
    yc = platform_fmaf(yc, z, -1.388731625493765E-003f);
    yc = platform_fmaf(yc, z, 4.166664568298827E-002f);
    yc = yc * z;
    float half_z = z * 0.5f;
    yc = platform_fmaf(yc, z, -half_z);
    yc = yc + 1.0f;

    float ys = -1.9515295891E-4f;
    ys = platform_fmaf(ys, z, 8.3321608736E-3f);
    ys = platform_fmaf(ys, z, -1.6666654611E-1f);
    ys = ys * z;
    ys = platform_fmaf(ys, x, x);

    float sin_v = use_cos_poly_for_sin ? yc : ys;
    float cos_v = use_cos_poly_for_sin ? ys : yc;
    *s = float_of(bits_of(sin_v) ^ sign_sin);
    *c = float_of(bits_of(cos_v) ^ sign_cos);
}

/* normal_fill_16_AVX2 with mean 0, std 1 (its final fmadd(n, 1, 0) is exact). */
static void fill16_avx2(float *d) {
    const float two_pi = (float)(2.0 * 3.14159265358979323846); /* _mm256_set1_ps(2*pi) */
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - d[j];
        float u2 = d[j + 8];
        float l = avx2_logf(u1);
        float radius = sqrtf(-2.0f * l);
        float theta = two_pi * u2;
        float s, c;
        avx2_sincosf(theta, &s, &c);
        d[j] = radius * c;
        d[j + 8] = radius * s;
    }
}

/* normal_fill_16 (portable): float libm calls; theta rounded from a double product. */
static void fill16_portable(float *d) {
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - d[j];
        float u2 = d[j + 8];
        float l = logf(u1);
        float radius = sqrtf(-2.0f * l);
        float theta = (float)(2.0 * 3.14159265358979323846 * (double)u2);
        float c = cosf(theta);
        float s = sinf(theta);
        d[j] = radius * c;
        d[j + 8] = radius * s;
    }
}

/* normal_distribution<double>, with the generator's cache. */
static double scalar_normal(rng *r) {
    if (r->has_cached_normal) {
        r->has_cached_normal = 0;
        return r->cached_normal;
    }
    double u1 = uniform53(r);
    double u2 = uniform53(r);
    double radius = sqrt(-2.0 * log(1.0 - u2)); /* 1 - u2 is exact: u2 is a multiple of 2^-53 */
    double theta = 2.0 * 3.14159265358979323846 * u1;
    r->cached_normal = radius * sin(theta);
    r->has_cached_normal = 1;
    return radius * cos(theta);
}

pixeen_status rng_torch_randn(rng *r, float *out, size_t count, int portable) {
    /* torch switches to the 16-wide kernel at 16 elements (its block size). */
    if (count < 16) {
        for (size_t i = 0; i < count; i++) out[i] = (float)scalar_normal(r);
        return PIXEEN_OK;
    }
    void (*fill16)(float *) = portable ? fill16_portable : fill16_avx2;
    for (size_t i = 0; i < count; i++) out[i] = uniform24(r);
    for (size_t i = 0; i + 16 <= count; i += 16) fill16(out + i);
    if (count % 16 != 0) {
        float *tail = out + count - 16;
        for (int i = 0; i < 16; i++) tail[i] = uniform24(r);
        fill16(tail);
    }
    return PIXEEN_OK;
}
