/* rng_philox.c — torch.randn on an NVIDIA GPU, reproduced on the host: what AUTOMATIC1111's
 * "NV" random source (modules/rng_philox.py) does, from the same reading of torch's CUDA kernels
 * and curand (read for understanding; nothing copied).
 *
 * torch (aten/src/ATen/native/cuda/DistributionTemplates.h) fills a float tensor with
 * curand_normal4 from a Philox4x32-10 state initialised by curand_init(seed, subsequence = the
 * thread's index, offset = the generator's offset). When the grid has one thread per element
 * (numel <= SMs x max threads per SM: 16384 SD latents need 64 blocks of 256) each element i gets
 * the first output of its thread: counter = (offset/4 as 64 bits, i as 64 bits), key = seed
 * (low word, high word); the 4 output words (x, y, z, w) feed Box-Muller on (x, y), and the
 * element is the sine half:
 *     u = x * 2^-32 + 2^-33,  v = y * (2^-32 * 2pi) + half that,      (floats, as curand)
 *     out = sqrt(-2 log u) * sin v
 * Each randn call advances the generator's offset by 4 (one curand4 call per thread), i.e. the
 * counter's low 64 bits by 1: that is `philox_offset` here.
 *
 * Precision: curand computes in float with the GPU's fast __sincosf, which a CPU cannot
 * reproduce bit for bit; this file uses fmaf (nvcc contracts the two affine maps) and libm
 * logf/sinf, so values agree with the GPU to about 1e-6 absolute, not bitwise.
 * Not covered: tensors larger than one element per GPU thread (the grid then depends on the
 * GPU model, as it does in torch itself), and counts >= 2^32.
 *
 * Verification: the only published values found are AUTOMATIC1111's documented output of
 * Generator(seed=0).randn((3, 4)) (itself checked against torch on CUDA by its author), which
 * tests/test_rng.c compares against at 2e-6. No reference from a real GPU run was available.
 * Entry points (rng.h): rng_philox_randn, rng_philox4x32_10.
 */
#include <math.h>

#include "core/platform.h"
#include "sample/rng.h"

/* Philox4x32 multipliers and Weyl key increments (Salmon et al. 2011, as in curand and Random123). */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static void philox_round(uint32_t c[4], uint32_t k0, uint32_t k1) {
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t n0 = hi1 ^ c[1] ^ k0;
    uint32_t n2 = hi0 ^ c[3] ^ k1;
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
}

void rng_philox4x32_10(uint32_t ctr[4], uint32_t k0, uint32_t k1) {
    /* 10 rounds; the key is bumped between rounds (9 times). */
    for (int round = 0; round < 9; round++) {
        philox_round(ctr, k0, k1);
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    philox_round(ctr, k0, k1);
}

pixeen_status rng_philox_randn(rng *r, float *out, size_t count) {
    if (count > UINT32_MAX)
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "rng: philox: %zu values in one draw (expected at most 2^32-1)", count);
    const float inv32 = 2.3283064e-10f;               /* CURAND_2POW32_INV */
    const float inv32_2pi = 2.3283064e-10f * 6.2831855f; /* CURAND_2POW32_INV_2PI (float product) */
    const uint32_t k0 = (uint32_t)r->seed, k1 = (uint32_t)(r->seed >> 32);
    for (size_t i = 0; i < count; i++) {
        uint32_t c[4] = {(uint32_t)r->philox_offset, (uint32_t)(r->philox_offset >> 32),
                         (uint32_t)i, 0u};
        rng_philox4x32_10(c, k0, k1);
        float u = platform_fmaf((float)c[0], inv32, inv32 / 2.0f);
        float v = platform_fmaf((float)c[1], inv32_2pi, inv32_2pi / 2.0f);
        float l = logf(u);
        float s = sqrtf(-2.0f * l);
        float sv = sinf(v);
        out[i] = sv * s;
    }
    r->philox_offset++;
    return PIXEEN_OK;
}
