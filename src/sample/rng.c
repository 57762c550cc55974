/* rng.c — the rng object: seeding and dispatch to the torch CPU (rng_torch.c) or Philox
 * (rng_philox.c) implementation, and kind names for the CLI. See rng.h for the contract.
 * Entry points: rng_init, rng_randn, rng_kind_parse, rng_kind_name. */
#include <string.h>

#include "sample/rng.h"

pixeen_status rng_init(rng *r, rng_kind kind, uint64_t seed) {
    if (!r) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "rng: init: rng is NULL");
    if (kind != RNG_TORCH_CPU && kind != RNG_TORCH_CPU_PORTABLE && kind != RNG_PHILOX)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "rng: init: unknown kind %d (expected 0..2)",
                         (int)kind);
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->seed = seed;
    /* torch's mt19937 takes the seed as uint64 and keeps its low 32 bits. */
    if (kind != RNG_PHILOX) rng_torch_seed(r, (uint32_t)(seed & 0xffffffffu));
    return PIXEEN_OK;
}

pixeen_status rng_randn(rng *r, float *out, size_t count) {
    if (!r) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "rng: randn: rng is NULL");
    if (count == 0) return PIXEEN_OK;
    if (!out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "rng: randn: output is NULL");
    switch (r->kind) {
    case RNG_TORCH_CPU: return rng_torch_randn(r, out, count, 0);
    case RNG_TORCH_CPU_PORTABLE: return rng_torch_randn(r, out, count, 1);
    case RNG_PHILOX: return rng_philox_randn(r, out, count);
    }
    return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "rng: randn: unknown kind %d", (int)r->kind);
}

pixeen_status rng_kind_parse(const char *name, rng_kind *out) {
    static const struct {
        const char *name;
        rng_kind kind;
    } names[] = {
        {"cpu", RNG_TORCH_CPU},       {"torch", RNG_TORCH_CPU}, {"cpu-portable", RNG_TORCH_CPU_PORTABLE},
        {"philox", RNG_PHILOX},       {"cuda", RNG_PHILOX},     {"nv", RNG_PHILOX},
    };
    if (!name || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "rng: kind name is NULL");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].kind;
            return PIXEEN_OK;
        }
    }
    return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                     "rng: unknown generator '%s' (expected cpu, cpu-portable or philox)", name);
}

const char *rng_kind_name(rng_kind kind) {
    switch (kind) {
    case RNG_TORCH_CPU: return "cpu";
    case RNG_TORCH_CPU_PORTABLE: return "cpu-portable";
    case RNG_PHILOX: return "philox";
    }
    return "unknown";
}
