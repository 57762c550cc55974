/* rng.h — seeded Gaussian noise that reproduces PyTorch's generators, so a seed gives the same
 * initial latents (and ancestral noise) as diffusers / ComfyUI on the CPU, or AUTOMATIC1111 on
 * NVIDIA with its "NV" (Philox) option.
 *
 *   RNG_TORCH_CPU          torch.randn(shape, generator=torch.manual_seed(seed)) on an x86 CPU with
 *                          AVX2 (what almost every PC runs): mt19937 + torch's 16-wide Box-Muller
 *                          with the AVX2 kernel's polynomial log/sincos. Bit-exact with the
 *                          reference dumps (fixtures rng/ref). The default.
 *   RNG_TORCH_CPU_PORTABLE the same stream through torch's portable kernel (libm logf/sinf/cosf):
 *                          bit-exact with fixtures rng/ref_default_kernel on glibc, and within
 *                          ~2e-6 of RNG_TORCH_CPU (they differ in the last bits of ~39% of values).
 *   RNG_PHILOX             torch.randn(shape, generator=torch.Generator('cuda').manual_seed(seed),
 *                          device='cuda'): Philox4x32-10 keyed by the seed, one counter
 *                          subsequence per element, offset advancing once per call, curand's
 *                          float Box-Muller. Not bit-exact (the GPU's __sincosf cannot be
 *                          reproduced on a CPU): within ~1e-6. See rng_philox.c.
 *
 * rng_randn continues the stream across calls exactly as successive torch.randn calls on one
 * generator do (including torch's cached second Box-Muller value for draws under 16 values).
 * The object is a plain struct the caller owns (no allocation, about 2.5 KB); not thread-safe.
 * Entry points: rng_init, rng_randn, rng_kind_parse.
 */
#ifndef PIXEEN_SAMPLE_RNG_H
#define PIXEEN_SAMPLE_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum rng_kind {
    RNG_TORCH_CPU = 0,
    RNG_TORCH_CPU_PORTABLE = 1,
    RNG_PHILOX = 2,
} rng_kind;

/* mt19937's state size in 32-bit words (fixed by the algorithm). */
#define RNG_MT_STATE_WORDS 624

typedef struct rng {
    rng_kind kind;
    uint64_t seed;
    /* torch CPU generator: mt19937 state, plus torch's cached second normal of the scalar
     * (double) Box-Muller path, which survives from one call to the next. */
    uint32_t mt[RNG_MT_STATE_WORDS];
    uint32_t mt_index;
    int has_cached_normal;
    double cached_normal;
    /* Philox: the 128-bit counter's upper-left half (one step per randn call). */
    uint64_t philox_offset;
} rng;

/* Seeds `r` like torch.manual_seed(seed) on a fresh generator of that kind. The torch CPU
 * generator uses the low 32 bits of the seed (as torch does); Philox uses all 64. */
pixeen_status rng_init(rng *r, rng_kind kind, uint64_t seed);

/* Writes `count` standard normal floats to `out` (C order of the tensor torch would fill) and
 * advances the stream. count 0 draws nothing. `out` is also used as scratch. Philox rejects
 * count >= 2^32 (the element index is one 32-bit counter word, as in torch). */
pixeen_status rng_randn(rng *r, float *out, size_t count);

/* "cpu" | "torch" -> RNG_TORCH_CPU, "cpu-portable" -> RNG_TORCH_CPU_PORTABLE,
 * "philox" | "cuda" | "nv" -> RNG_PHILOX. Returns PIXEEN_ERROR_INVALID_ARGUMENT otherwise. */
pixeen_status rng_kind_parse(const char *name, rng_kind *out);

/* The kind's canonical name ("cpu", "cpu-portable", "philox"). */
const char *rng_kind_name(rng_kind kind);

/* Internal to the two implementation files. */
void rng_torch_seed(rng *r, uint32_t seed);
pixeen_status rng_torch_randn(rng *r, float *out, size_t count, int portable);
pixeen_status rng_philox_randn(rng *r, float *out, size_t count);
/* One Philox4x32-10 block: `ctr` (4 words) is replaced by the output for key (k0, k1). */
void rng_philox4x32_10(uint32_t ctr[4], uint32_t k0, uint32_t k1);

#endif
