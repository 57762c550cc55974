/* tuning.c — the tuning knobs of the environment, read once per context (see gpu.h, gpu_tuning). */
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
    const char *winograd = getenv("PIXEEN_CONV_WINOGRAD");
    if (winograd && strcmp(winograd, "0") == 0) t->conv_winograd = GPU_WINOGRAD_OFF;
    if (winograd && strcmp(winograd, "1") == 0) t->conv_winograd = GPU_WINOGRAD_FORCED;
}
