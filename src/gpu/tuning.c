/* tuning.c — the tuning knobs of the environment, read once per context (see gpu.h, gpu_tuning),
 * and the per-driver table of kernel choices (gpu_driver_tuning_for). */
#include <stdio.h>
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

/* An on/off knob: "1" -> GPU_SWITCH_ON, "0" -> GPU_SWITCH_OFF, else 0 (the driver table's choice). */
static uint32_t env_switch(const char *name) {
    const char *v = getenv(name);
    return v && strcmp(v, "1") == 0 ? GPU_SWITCH_ON : v && strcmp(v, "0") == 0 ? GPU_SWITCH_OFF : 0;
}

void gpu_tuning_from_env(gpu_tuning *t) {
    memset(t, 0, sizeof *t);
    t->no_vec4 = getenv("PIXEEN_NO_VEC4") != NULL;
    const char *variant = getenv("PIXEEN_KERNEL_VARIANT");
    if (variant && strcmp(variant, "texel") == 0) t->kernel_variant = GPU_KERNEL_TEXEL;
    if (variant && strcmp(variant, "tiled") == 0) t->kernel_variant = GPU_KERNEL_TILED;
    t->attention_qr = env_in_range("PIXEEN_ATTENTION_QR", 1, 8);
    t->attention_kb = env_in_range("PIXEEN_ATTENTION_KB", 1, 32);
    t->attention_fused_min = env_in_range("PIXEEN_ATTENTION_FUSED_MIN", 1, 1 << 30);
    t->tune_matmul_count = parse_list(getenv("PIXEEN_TUNE_MATMUL"), t->tune_matmul, 5);
    t->tune_conv2d_count = parse_list(getenv("PIXEEN_TUNE_CONV2D"), t->tune_conv2d, 5);
    const char *dequantize = getenv("PIXEEN_GGUF_DEQUANTIZE");
    t->gguf_dequantize = dequantize && strcmp(dequantize, "1") == 0;
    t->gemm_packed = env_switch("PIXEEN_GEMM_PACKED");
    t->attention_shared_keys = env_switch("PIXEEN_ATTENTION_SHARED_KEYS");
    t->gemm_shared_rows = env_switch("PIXEEN_GEMM_SHARED_ROWS");
    const char *winograd = getenv("PIXEEN_CONV_WINOGRAD");
    if (winograd && strcmp(winograd, "0") == 0) t->conv_winograd = GPU_WINOGRAD_OFF;
    if (winograd && strcmp(winograd, "1") == 0) t->conv_winograd = GPU_WINOGRAD_FORCED;
    if (winograd && strcmp(winograd, "2") == 0) t->conv_winograd = GPU_WINOGRAD_F2;
    if (winograd && strcmp(winograd, "4") == 0) t->conv_winograd = GPU_WINOGRAD_F4;
    const char *host_import = getenv("PIXEEN_HOST_IMPORT");
    t->no_host_import = host_import && strcmp(host_import, "0") == 0;
}

/* ---- per-driver table ------------------------------------------------------------------------- */

#define MESA_VERSION(major, minor) ((uint32_t)(major) << 22 | (uint32_t)(minor) << 12) /* VK_MAKE_VERSION */
#define DRIVER_ID_MESA_LLVMPIPE 13u                                                   /* VkDriverId */

typedef struct driver_row {
    uint32_t driver_id;
    uint32_t version_min, version_max; /* inclusive; Mesa drivers: MESA_VERSION of the release */
    gpu_driver_tuning tuning;
} driver_row;

/* Measured 2026-12-06 on the 2-core AVX-512 machine, both drivers in one session with four builds
 * sharing the cores (load average 8-11, so single runs vary by ~20%): `pixeen bench`, SD 1.5's
 * GEGLU linear 2048x320->2560 fp16, single-threaded lavapipe (LP_NUM_THREADS=0, the steadiest under
 * load), ms per product:
 *                                    Mesa 22.3.6      Mesa 25.0.7
 *   16x16, RGBA16F texels (before)    397-483          733-787
 *   16x16, packed, fetch interleaved  392-529          622-684
 *   16x16, packed, fetches first      379-388          291-361
 *   16x8,  packed, fetches first      273              273
 *   (8x16: 401 / 329; 12x12: 398 / 295; 16x12: 388 / 489)
 * Default threads, 8192x320->2560: Mesa 22 1155 -> 935 ms, Mesa 25 2023 -> 912 ms; q/k/v
 * 8192x320->320: Mesa 22 162 -> 99 ms, Mesa 25 279 -> 72 ms (before -> after, same binary).
 * Why Mesa 25 differs: its lavapipe compiles texel fetches as separate functions and calls one per
 * texelFetch (`callq *288(%rax)` in GALLIVM_DEBUG=asm), where Mesa 22 inlines a vectorised fetch.
 * Every call spills the live vector registers (the SysV ABI keeps none across calls): the 16x16
 * kernel ran at ~0.5x Mesa 22's speed. Fetching 8 fp16 values per call (RGBA32UI, unpacked in
 * registers) and issuing all of a step's fetches before its multiply-adds (no call between two FMA
 * blocks) recovers it; Mesa 22 gains from the same kernel, less.
 * Direct convolutions (conv2d_texel, RGBA16F texels; 3x3 SD 1.5 UNet convs at 16x16 and 32x32,
 * Winograd off, the shader cache off; same session, load ~1.5; ms and bench wall seconds, most of
 * them the JIT):           16x16 block              16x8 block
 *   Mesa 22.3.6             69-74 ms, 3.8-4.0 s      77-89 ms, 2.7-2.9 s
 *   Mesa 25.0.7             198-234 ms, 30-32 s      93-212 ms, 7-10 s
 * Mesa 25 spills 256 accumulators around each of a step's 32 fetch calls: 16x8 runs no slower
 * there and compiles 3-4x faster (the 3x3 pipelines were 47 s of a cold start's 86 s).
 * The direct convolution with packed fp16 operands (8 input channels a fetch, as the matmul; every
 * tensor with Cin % 8 == 0), `pixeen bench --filter conv3x3`, 2026-12-07, geometric mean of the
 * speed-ups over the RGBA16F kernel with its block (16x16 on Mesa 22, 16x8 on Mesa 25):
 *                   packed 16x16   packed 16x8
 *   Mesa 22.3.6       1.40x          1.39x  (16x8: 1.46-1.51x at the UNet's 4x4 level, M = 32)
 *   Mesa 25.0.7       1.36x          1.46x
 * Both rows take packed 16x8: where it matters (the convolutions Winograd leaves direct: the
 * UNet's 4x4 level at 256 px, the downsamplers, the VAE's conv_out) it is the faster block, and it
 * compiles faster. Only conv_in (4 input channels, RGBA16F) pays: 16x8 took 5.1-5.5 ms against
 * 4.0-4.4 at 32x32 on Mesa 22. In `pixeen bench --pipeline`'s 256 px UNet step, two alternating
 * rounds, the convolutions took 396 and 403 -> 353 and 275 ms on Mesa 22, 683 and 646 -> 366 and
 * 322 ms on Mesa 25.
 * Fused attention (attention_texel, fp16; bench ms, then bench wall s with the shader cache off,
 * nearly all of it the JIT; 2026-12-06, load ~1):
 *   Mesa 25.0.7            QR 8                 QR 4                 QR 2              QR 1
 *   self 1024^2, D 40      108-125 ms, 13-14 s  99-123 ms, 4-7 s     110-153 ms, 2 s
 *   self 4096^2, D 40      1598-2003 ms         1931-1948 ms
 *   self 1024^2, D 80      201 ms, 64 s         216 ms, 17 s         252 ms, 6 s
 *   self 256^2, D 160                           30 ms, 75 s          32 ms, 24 s       48 ms, 9 s
 *   Mesa 22.3.6: self 1024^2, D 40: QR 8 68 ms, 2.5 s; QR 4 71 ms, 1.3 s.
 * Mesa 25's JIT time grows about with the square of a block's accumulators (rows x D, plus as
 * many scaled queries), Mesa 22's far less. A profile of Mesa 25's JIT shows why: most of it is
 * LLVM's coroutine split (buildCoroutineFrame and its dominance queries), which gallivm runs, since
 * Mesa 23 with LLVM >= 15 (the new pass manager), before SROA/mem2reg have turned the shader's
 * variables into registers, so the split analyses every one of them. Mesa >= 23 rows cap QR at 4
 * and rows x D at 320, and take attention over fewer than 1024 query rows (the UNet's 16x16 and
 * smaller levels at 256x256, 16x16 and smaller at 512x512) through explicit products, whose
 * pipelines the text encoder has compiled already. A 256x256 UNet step (`bench --pipeline`, two
 * alternating runs each, same session): Mesa 25 4.95 s either time with explicit products against
 * 5.6-6.6 s all fused (the small fused dispatches cost 250 ms there, their products and softmax
 * less); Mesa 22 4.6-6.1 s against 5.1 s: within its noise, its attention itself 100 ms faster
 * fused and the permutes 130 ms more, so Mesa 22 keeps the fused kernel everywhere. A cold 256x256
 * run compiles its attention in ~3 s instead of ~24 s; by the JIT times above, 512x512 in ~20 s
 * instead of ~150 s.
 * The fused attention's K and V fetched 8 fp16 values a texel (RGBA32UI) where the row packs the
 * GEMM's operands (gemm_packed; `pixeen bench --filter attn`, 2026-12-07, packed against RGBA16F,
 * alternating): Mesa 25.0.7 1.26x geometric mean, 1.57x at the 256 px UNet's self-attention (32x32,
 * D 40), 1.30x at 512 px's (64x64); Mesa 22.3.6 1.12x, 1.11x and 1.06x there.
 * Narrow products (N or M <= 4: the VAE's 3-channel conv_out, the UNet's 4-channel one in Winograd
 * form, the time-embedding MLP) took 4-wide blocks of their own, three more pipelines: 4.7 s of a
 * cold start on Mesa 25 to spare at most ~15 ms of arithmetic per 256x256 image; Mesa >= 23 rows
 * keep the wide block for them (gemm_wide_only).
 * Winograd F(4x4, 3x3) (src/ops/conv2d_winograd.c; its transformed input and products are fp32,
 * so its batched products take the unpacked fp32 texel GEMM). `pixeen bench --pipeline` at 256x256,
 * the build before it and the build with it, two alternating rounds each, 2026-12-07:
 *                    UNet step                       VAE decode
 *   Mesa 22.3.6      5555, 5749 -> 4463, 5515 ms     5817, 7028 -> 5393, 6106 ms
 *   Mesa 25.0.7      6865, 6972 -> 6824, 6816 ms     7371, 7646 -> 6892, 6914 ms
 * On Mesa 25 the UNet's products took as long as before (4972 -> 4923 ms): an fp32 texel fetch
 * brings 4 values per out-of-line call where the packed fp16 one brings 8, which cancels the 1.8x
 * fewer multiply-adds. A cold start there compiled 4.7 s more (the fp32 16x8 GEMM 4.3 s, each
 * F(4x4) transform 1.3 s), and the UNet kept 290 MiB more of transformed kernels, for about 0.5 s
 * of the VAE decode: Mesa >= 23 rows kept F(2x2).
 * Then F(4x4)'s transformed input became fp16 (scaled by 1/64 so that it cannot overflow) and its
 * products the packed fp16 GEMM with fp32 sums (op_matmul_widens). `pixeen bench --filter
 * winograd`, one run, ms, at the UNet's shapes (batch 2):
 *   Mesa 25.0.7         320 64x64  640 32x32  320 32x32  640 16x16  1280 8x8  1280 16x16
 *     F(2x2)              112        106        28.3       31.7       26.5      146
 *     F(4x4), fp16 v       80         69        20.4       19.0       35.2       69
 *   Mesa 22.3.6, F(4x4): fp32 v 97, 91, 25.5, 24.6 -> fp16 v 70, 60, 18.5, 16.7 (a second pair of
 *   runs, on a slower machine: 96, 89, 25.3, 25.2 -> 92, 68, 28.4, 23.8).
 * `pixeen bench --pipeline`, 256x256 VAE decode, two alternating rounds: Mesa 22 5005, 5497 ->
 * 4452, 5054 ms; Mesa 25 (now F(4x4) where the rule takes it) 5135, 6081 -> 4225, 4828 ms. Both
 * drivers follow the same rule now.
 * Rows shared in the subgroup (gemm_shared_rows, gemm_texel.glsl's SHARED_ROWS: a workgroup's 16
 * rows fetched 2 per invocation and broadcast, so a packed 16 x 8 step makes 10 fetch calls instead
 * of 24). Per product, `pixeen bench --filter "linear unet"`, two alternating rounds, 2026-12-07, ms:
 *                        q/k/v 2048x320->320   GEGLU 2048x320->2560   ff out 2048x1280->320
 *   Mesa 25.0.7  off       8.8, 7.3              69, 49                 33, 28
 *                on        5.2, 5.2              40, 41                 20, 20
 *   Mesa 22.3.6  off       7.3, 5.3              63, 46                 29, 21
 *                on        13.4, 13.2            104, 109               46, 47
 * Mesa 22 inlines the fetch (shared rows save little) and its subgroupBroadcast costs more. In
 * `pixeen bench --pipeline` at 256x256 on Mesa 25, three alternating rounds: the UNet step 4772,
 * 4454, 5532 -> 3683, 3724, 3883 ms; the VAE decode 3938, 3802, 5073 -> 3273, 3210, 3242 ms. Per
 * operator, every packed product and direct convolution gains, except the explicit attention's
 * products over 77 and 80 columns (10 column tiles: 6 of 16 invocations idle), 20-60% slower;
 * gemm.c takes it only where at most 1/8 of the invocations would idle. */
static const driver_row driver_rows[] = {
    /* Mesa 25.0.7 (Debian bookworm-backports, LLVM 15): out-of-line fetches; 16x8 packed matmul and conv. */
    {DRIVER_ID_MESA_LLVMPIPE, MESA_VERSION(25, 0), UINT32_MAX,
     {.name = "lavapipe, Mesa >= 25", .gemm_tm = 16, .gemm_tn = 8, .conv_tm = 16, .conv_tn = 8, .gemm_packed = true,
      .attention_qr_max = 4, .attention_span_max = 320, .attention_fused_min = 1024, .gemm_wide_only = true,
      .gemm_shared_rows = true, .attention_shared_keys = true}},
    /* Mesa 23 and 24: not measured; both neighbours want the same matmul block; for the
     * convolution, Mesa 25's block (the cheaper one to compile). Shared rows and keys as Mesa 25:
     * they pay where a texel fetch is a call, as it is there; were the fetch inlined, as on Mesa 22,
     * they would cost (PIXEEN_GEMM_SHARED_ROWS=0, PIXEEN_ATTENTION_SHARED_KEYS=0 turn them off). */
    {DRIVER_ID_MESA_LLVMPIPE, MESA_VERSION(23, 0), MESA_VERSION(25, 0) - 1,
     {.name = "lavapipe, Mesa 23-24 (unmeasured)",
      .gemm_tm = 16, .gemm_tn = 8, .conv_tm = 16, .conv_tn = 8, .gemm_packed = true,
      .attention_qr_max = 4, .attention_span_max = 320, .attention_fused_min = 1024, .gemm_wide_only = true,
      .gemm_shared_rows = true, .attention_shared_keys = true}},
    /* Mesa 22.3.6 (Debian 12): inlined fetches; the same packed matmul and conv measured fastest here too. */
    {DRIVER_ID_MESA_LLVMPIPE, 0, MESA_VERSION(23, 0) - 1,
     {.name = "lavapipe, Mesa < 23", .gemm_tm = 16, .gemm_tn = 8, .conv_tm = 16, .conv_tn = 8, .gemm_packed = true}},
};

/* Mesa's release from driverInfo ("Mesa 22.3.6", "Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)"), encoded
 * as MESA_VERSION; 0 when driverInfo names no Mesa release. */
static uint32_t mesa_release(const char *info) {
    unsigned major = 0, minor = 0;
    const char *at = strstr(info, "Mesa ");
    if (!at || sscanf(at + 5, "%u.%u", &major, &minor) != 2 || major > 1000 || minor > 1000) return 0;
    return MESA_VERSION(major, minor);
}

const gpu_driver_tuning *gpu_driver_tuning_for(const gpu_caps *caps) {
    static const gpu_driver_tuning none = {.name = "default"};
    uint32_t driver_id = caps->driver_id, driver_version = caps->driver_version;
    if (driver_id == DRIVER_ID_MESA_LLVMPIPE) driver_version = mesa_release(caps->driver_info);
    for (size_t i = 0; i < sizeof driver_rows / sizeof driver_rows[0]; i++) {
        const driver_row *r = &driver_rows[i];
        if (r->driver_id == driver_id && driver_version >= r->version_min && driver_version <= r->version_max)
            return &r->tuning;
    }
    return &none;
}
