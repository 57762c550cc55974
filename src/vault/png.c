/* png.c — PNG encoding (stb_image_write, with the wiping allocator of third_party/stb_impl.c) plus
 * the A1111 `parameters` text chunk, and reading that chunk back (see png.h).
 * Entry points: vault_params_format, vault_png_encode, vault_png_read_parameters. */
#include "vault/png.h"

#include <limits.h>
#include <stdbool.h>
#include <sodium.h>
#include <stb_image_write.h>
#include <stdio.h>
#include <string.h>

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
static const char keyword[] = "parameters";

/* CRC-32 (ISO 3309, polynomial 0xEDB88320) as PNG uses, bitwise: chunks are small. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Python's str(float) for the values A1111 prints: "7.0", "7.5", "0.75". */
static void format_float(char *out, size_t size, float v) {
    snprintf(out, size, "%.6g", (double)v);
    if (!strpbrk(out, ".en")) strncat(out, ".0", size - strlen(out) - 1);
}

pixeen_status vault_params_format(const pixeen_generation_params *p, vault_secret **out) {
    *out = NULL;
    if (!p || !p->prompt) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: parameters without a prompt");
    const char *neg = p->negative_prompt ? p->negative_prompt : "";
    size_t cap = strlen(p->prompt) + strlen(neg) + 512; /* 512: the fixed fields and their numbers */
    cap += p->sampler ? strlen(p->sampler) : 0;
    cap += p->model_hash ? strlen(p->model_hash) : 0;
    cap += p->model_name ? strlen(p->model_name) : 0;
    vault_secret *s = NULL;
    PX_TRY(vault_secret_create(cap, &s));
    char *t = (char *)s->data;
    size_t n = 0;
#define APPEND(...) n += (size_t)snprintf(t + n, cap + 1 - n, __VA_ARGS__)
    char cfg[32], denoise[32];
    format_float(cfg, sizeof cfg, p->cfg_scale);
    APPEND("%s\n", p->prompt);
    if (neg[0]) APPEND("Negative prompt: %s\n", neg);
    APPEND("Steps: %d", p->steps);
    if (p->sampler) APPEND(", Sampler: %s", p->sampler);
    APPEND(", CFG scale: %s, Seed: %llu, Size: %dx%d", cfg, (unsigned long long)p->seed, p->width, p->height);
    if (p->model_hash) APPEND(", Model hash: %s", p->model_hash);
    if (p->model_name) APPEND(", Model: %s", p->model_name);
    if (p->denoising_strength > 0) {
        format_float(denoise, sizeof denoise, p->denoising_strength);
        APPEND(", Denoising strength: %s", denoise);
    }
    /* A1111's calculate_target_resolution writes either key, then "Hires steps" when set, then
     * "Hires upscaler". */
    bool resize = p->hires_resize_width > 0 || p->hires_resize_height > 0;
    if (resize || p->hires_scale > 0) {
        static const char *const upscalers[] = {"Latent", "Latent", "Latent (nearest)", "Lanczos"};
        unsigned u = (unsigned)p->hires_upscaler < 4 ? (unsigned)p->hires_upscaler : 0;
        if (resize) APPEND(", Hires resize: %dx%d", p->hires_resize_width, p->hires_resize_height);
        else APPEND(", Hires upscale: %g", (double)p->hires_scale);
        if (p->hires_steps > 0) APPEND(", Hires steps: %d", p->hires_steps);
        APPEND(", Hires upscaler: %s", upscalers[u]);
    }
#undef APPEND
    s->len = n;
    *out = s;
    return PIXEEN_OK;
}

typedef struct png_sink {
    const char *parameters;
    vault_secret *png;
    pixeen_status status;
} png_sink;

/* stb hands over the whole PNG in one call; copy it into locked memory with our chunk after IHDR
 * (signature 8 bytes + IHDR chunk 4 + 4 + 13 + 4 = 33 bytes). */
static void png_write(void *context, void *data, int size) {
    png_sink *sink = context;
    const uint8_t *src = data;
    size_t len = (size_t)size, text_len = sink->parameters ? strlen(sink->parameters) : 0;
    int latin1_safe = 1;
    for (size_t i = 0; i < text_len; i++)
        if ((uint8_t)sink->parameters[i] >= 0x80) latin1_safe = 0;
    /* tEXt: keyword NUL text; iTXt: keyword NUL flag(0) method(0) language NUL translated NUL text. */
    size_t body = sizeof keyword + (latin1_safe ? 0 : 4) + text_len;
    size_t chunk = text_len ? 12 + body : 0;
    if (len < 33 || memcmp(src, png_signature, 8) || memcmp(src + 12, "IHDR", 4) || body > INT32_MAX) {
        sink->status = error_set(PIXEEN_ERROR_INTERNAL, "vault: stb_image_write produced no IHDR");
        return;
    }
    sink->status = vault_secret_create(len + chunk, &sink->png);
    if (sink->status != PIXEEN_OK) return;
    vault_secret *png = sink->png;
    vault_secret_append(png, src, 33);
    if (chunk) {
        uint8_t *c = png->data + png->len;
        put32(c, (uint32_t)body);
        memcpy(c + 4, latin1_safe ? "tEXt" : "iTXt", 4);
        uint8_t *d = c + 8;
        memcpy(d, keyword, sizeof keyword);
        d += sizeof keyword;
        if (!latin1_safe) {
            memset(d, 0, 4); /* not compressed, method 0, empty language tag, empty translated keyword */
            d += 4;
        }
        memcpy(d, sink->parameters, text_len);
        put32(c + 8 + body, crc32_update(0, c + 4, 4 + body));
        png->len += chunk;
    }
    vault_secret_append(png, src + 33, len - 33);
}

pixeen_status vault_png_encode(const uint8_t *rgb, int width, int height, const char *parameters, vault_secret **png) {
    *png = NULL;
    /* 16384: far above any Stable Diffusion size; keeps width * 3 * height within int for stb. */
    if (!rgb || width <= 0 || height <= 0 || width > 16384 || height > 16384)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: PNG size %dx%d (expected 1..16384 each)", width,
                         height);
    PX_TRY(vault_init());
    png_sink sink = {parameters && parameters[0] ? parameters : NULL, NULL, PIXEEN_OK};
    if (!stbi_write_png_to_func(png_write, &sink, width, height, 3, rgb, width * 3)) {
        vault_secret_destroy(sink.png);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "vault: PNG encoding of %dx%d failed", width, height);
    }
    if (sink.status != PIXEEN_OK) {
        vault_secret_destroy(sink.png);
        return sink.status;
    }
    *png = sink.png;
    return PIXEEN_OK;
}

pixeen_status vault_png_read_parameters(const uint8_t *png, size_t len, vault_secret **out) {
    *out = NULL;
    if (len < 8 || memcmp(png, png_signature, 8)) return error_set(PIXEEN_ERROR_FORMAT, "png: no PNG signature");
    size_t pos = 8;
    while (pos + 12 <= len) {
        uint32_t n = get32(png + pos);
        if (n > INT32_MAX || n > len - pos - 12)
            return error_set(PIXEEN_ERROR_FORMAT, "png: chunk at offset %zu has length %u beyond the end", pos, n);
        const uint8_t *type = png + pos + 4, *d = png + pos + 8;
        if (crc32_update(0, type, 4 + (size_t)n) != get32(d + n))
            return error_set(PIXEEN_ERROR_FORMAT, "png: chunk '%.4s' at offset %zu has a bad CRC", type, pos);
        if (!memcmp(type, "IEND", 4)) break;
        int text = !memcmp(type, "tEXt", 4), itext = !memcmp(type, "iTXt", 4);
        if ((text || itext) && n >= sizeof keyword && !memcmp(d, keyword, sizeof keyword)) {
            size_t off = sizeof keyword;
            if (itext) {
                if (n < off + 2 || d[off] != 0) goto next; /* compressed iTXt: not ours */
                off += 2;
                for (int k = 0; k < 2; k++) { /* language tag, translated keyword */
                    while (off < n && d[off]) off++;
                    if (off == n) return error_set(PIXEEN_ERROR_FORMAT, "png: truncated iTXt chunk");
                    off++;
                }
            }
            PX_TRY(vault_secret_create(n - off, out));
            vault_secret_append(*out, d + off, n - off);
            return PIXEEN_OK;
        }
    next:
        pos += 12 + (size_t)n;
    }
    return error_set(PIXEEN_ERROR_FORMAT, "png: no 'parameters' text chunk");
}
