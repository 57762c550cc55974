/* tuning.c — the tuning knobs of the environment, read once per context (see gpu.h, gpu_tuning),
 * and the per-driver table of kernel choices (gpu_driver_tuning_for). */
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu.h"

/* Up to `max` comma-separated unsigned values; returns how many were read. */
static uint32_t parse_list(const char *s, uint32_t *out, uint32_t max) {
    uint32_t n = 0;
    while (s && *s && n < max) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (end == s) break;
        out[n++] = (uint32_t)v;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

/* An integer in [lo, hi], else 0 (automatic). */
static uint32_t env_in_range(const char *name, int lo, int hi) {
    const char *v = getenv(name);
    int x = v ? atoi(v) : 0;
    return x >= lo && x <= hi ? (uint32_t)x : 0;
}

void gpu_tuning_from_env(gpu_tuning *t) {
    memset(t, 0, sizeof *t);
    t->no_vec4 = getenv("PIXEEN_NO_VEC4") != NULL;
    const char *variant = getenv("PIXEEN_KERNEL_VARIANT");
    if (variant && strcmp(variant, "texel") == 0) t->kernel_variant = GPU_KERNEL_TEXEL;
    if (variant && strcmp(variant, "tiled") == 0) t->kernel_variant = GPU_KERNEL_TILED;
    t->attention_qr = env_in_range("PIXEEN_ATTENTION_QR", 1, 8);
    t->attention_kb = env_in_range("PIXEEN_ATTENTION_KB", 1, 32);
    t->tune_matmul_count = parse_list(getenv("PIXEEN_TUNE_MATMUL"), t->tune_matmul, 5);
    t->tune_conv2d_count = parse_list(getenv("PIXEEN_TUNE_CONV2D"), t->tune_conv2d, 5);
    const char *dequantize = getenv("PIXEEN_GGUF_DEQUANTIZE");
    t->gguf_dequantize = dequantize && strcmp(dequantize, "1") == 0;
    const char *packed = getenv("PIXEEN_GEMM_PACKED");
    if (packed && strcmp(packed, "1") == 0) t->gemm_packed = 1;
    if (packed && strcmp(packed, "0") == 0) t->gemm_packed = 2;
}

/* ---- per-driver table ------------------------------------------------------------------------- */

#define MESA_VERSION(major, minor) ((uint32_t)(major) << 22 | (uint32_t)(minor) << 12) /* VK_MAKE_VERSION */
#define DRIVER_ID_MESA_LLVMPIPE 13u                                                   /* VkDriverId */

typedef struct driver_row {
    uint32_t driver_id;
    uint32_t version_min, version_max; /* driverVersion, inclusive */
    gpu_driver_tuning tuning;
} driver_row;

/* Measured with `pixeen bench --filter 2048x` (SD 1.5's linear shapes at 256 px, fp16), both
 * drivers in one session on a 2-core AVX-512 machine; GFLOP/s in the comments are single-threaded
 * (LP_NUM_THREADS=0, the most repeatable here), ratios against the 16 x 16 RGBA16F kernel.
 * Why Mesa 23+ differs: its lavapipe compiles texel fetches into separate functions
 * (lp_texture_functions, for descriptor indexing) and calls one per texelFetch, where Mesa 22
 * inlined a vectorised fetch. Every call spills the live vector registers (the SysV ABI keeps none
 * across calls): the 16 x 16 kernel ran at ~0.5x Mesa 22's speed. Fetching 8 fp16 values per call
 * (RGBA32UI, unpacked in registers) and issuing all of a step's fetches before its multiply-adds
 * (no call between two FMA blocks) recovers it and more. */
static const driver_row driver_rows[] = {
    /* Mesa 25.0.7 (Debian bookworm-backports, LLVM 15): out-of-line fetches, seen in its JIT output
     * (GALLIVM_DEBUG=asm). MEASURED_M25 */
    {DRIVER_ID_MESA_LLVMPIPE, MESA_VERSION(25, 0), UINT32_MAX,
     {.name = "lavapipe, Mesa >= 25", .gemm_tm = 16, .gemm_tn = 8, .gemm_packed = true}},
    /* Mesa 23 and 24: not measured; both neighbours want the same choices. */
    {DRIVER_ID_MESA_LLVMPIPE, MESA_VERSION(23, 0), MESA_VERSION(25, 0) - 1,
     {.name = "lavapipe, Mesa 23-24 (unmeasured)", .gemm_tm = 16, .gemm_tn = 8, .gemm_packed = true}},
    /* Mesa 22.3.6 (Debian 12): inlined fetches. MEASURED_M22 */
    {DRIVER_ID_MESA_LLVMPIPE, 0, MESA_VERSION(23, 0) - 1,
     {.name = "lavapipe, Mesa < 23", .gemm_tm = 16, .gemm_tn = 8, .gemm_packed = true}},
};

const gpu_driver_tuning *gpu_driver_tuning_for(uint32_t driver_id, uint32_t driver_version) {
    static const gpu_driver_tuning none = {.name = "default"};
    for (size_t i = 0; i < sizeof driver_rows / sizeof driver_rows[0]; i++) {
        const driver_row *r = &driver_rows[i];
        if (r->driver_id == driver_id && driver_version >= r->version_min && driver_version <= r->version_max)
            return &r->tuning;
    }
    return &none;
}
