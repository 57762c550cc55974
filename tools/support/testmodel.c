/* testmodel.c — random-weight model writer (see testmodel.h). */
#include "testmodel.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"
#include "core/f16.h"
#include "models/layout_names.h"
#include "models/model_spec.h"

/* Elements generated per slice: 1 Mi floats = 4 MiB, small next to any model, large enough that
 * fwrite calls are few. */
#define SLICE_ELEMENTS (1u << 20)
/* The SD 1.x noise schedule (scaled_linear, beta 0.00085 .. 0.012 over 1000 steps), for the
 * alphas_cumprod buffer single files carry. */
#define SCHEDULE_STEPS 1000
#define BETA_START 0.00085
#define BETA_END 0.012

/* SDXL at toy size. UNet heads and groups follow what a single file's detection assumes for test
 * models (layout_detect.c: 16-wide heads, 8 norm groups, as the fixtures' maker); the text_time
 * input is the pooled projection (32) + 6 x 8. */
static void sdxl_tiny(testmodel_config *t) {
    clip_config *c = &t->clip[0], *c2 = &t->clip[1];
    unet_config *u = &t->unet;
    t->sdxl = true;
    c->num_layers = 3;
    *c2 = *c;
    c2->hidden_size = 64;
    c2->intermediate_size = 128;
    c2->num_heads = 1;
    c2->head_dim = 64;
    c2->hidden_act = MODEL_ACT_GELU;
    c2->has_projection = true;
    c2->projection_dim = 32;
    u->transformer_depth[1] = 2;
    u->mid_transformer_depth = 2;
    for (int i = 0; i < u->n_levels; i++) {
        u->attention_heads[i] = u->block_out_channels[i] / 16;
        u->attention_head_dim[i] = 16;
    }
    u->norm_num_groups = 8;
    u->cross_attention_dim = c->hidden_size + c2->hidden_size;
    u->use_linear_projection = true;
    u->addition_time_embed_dim = 8;
    u->projection_class_embeddings_input_dim = c2->projection_dim + 6 * u->addition_time_embed_dim;
    t->vae.scaling_factor = 0.13025f;
}

/* SD 2.x at toy size: OpenCLIP-style text encoder (gelu, 64 wide, one 64-wide head). */
static void sd2_tiny(testmodel_config *t) {
    clip_config *c = &t->clip[0];
    unet_config *u = &t->unet;
    t->sd2 = true;
    c->num_layers = 3;
    c->hidden_size = 64;
    c->intermediate_size = 128;
    c->num_heads = 1;
    c->head_dim = 64;
    c->projection_dim = 64;
    c->hidden_act = MODEL_ACT_GELU;
    for (int i = 0; i < u->n_levels; i++) { /* 16-wide heads: what detection assumes for test models */
        u->attention_heads[i] = u->block_out_channels[i] / 16;
        u->attention_head_dim[i] = 16;
    }
    u->cross_attention_dim = c->hidden_size;
    u->use_linear_projection = true;
    u->upcast_attention = true;
}

/* 64-wide heads, as every released SD 2.x and SDXL UNet has. */
static void heads_64(unet_config *u) {
    for (int i = 0; i < u->n_levels; i++) {
        u->attention_heads[i] = u->block_out_channels[i] / 64;
        u->attention_head_dim[i] = 64;
    }
}

/* Stable Diffusion 2.1 (768-v) at full size: OpenCLIP ViT-H/14's text tower to its penultimate
 * layer (23 of 24 layers, 1024 wide, 16 heads, gelu), an 865.9 M-parameter UNet with linear
 * projections and 64-wide heads attending to 1024 channels. */
static void sd21_full(testmodel_config *t) {
    clip_config *c = &t->clip[0];
    unet_config *u = &t->unet;
    t->sd2 = true;
    c->hidden_size = 1024;
    c->intermediate_size = 4096;
    c->num_layers = 23;
    c->num_heads = 16;
    c->head_dim = 64;
    c->projection_dim = 1024;
    c->hidden_act = MODEL_ACT_GELU;
    heads_64(u);
    u->cross_attention_dim = 1024;
    u->use_linear_projection = true;
    u->upcast_attention = true;
    u->sample_size = 96;
    t->vae.sample_size = 768;
}

/* SDXL base 1.0 at full size: CLIP ViT-L (123 M) and OpenCLIP ViT-bigG (695 M with its projection),
 * a 2.57 G-parameter UNet of three levels (transformer depths 1, 2, 10 per level: the first has
 * none) attending to 2048 channels, text_time conditioning (1280 + 6 x 256 = 2816). */
static void sdxl_full(testmodel_config *t) {
    clip_config *c2 = &t->clip[1];
    unet_config *u = &t->unet;
    t->sdxl = true;
    *c2 = t->clip[0];
    c2->hidden_size = 1280;
    c2->intermediate_size = 5120;
    c2->num_layers = 32;
    c2->num_heads = 20;
    c2->head_dim = 64;
    c2->hidden_act = MODEL_ACT_GELU;
    c2->has_projection = true;
    c2->projection_dim = 1280;
    u->n_levels = 3;
    static const int boc[] = {320, 640, 1280}, depth[] = {1, 2, 10};
    for (int i = 0; i < 3; i++) {
        u->block_out_channels[i] = boc[i];
        u->transformer_depth[i] = depth[i];
        u->down_cross_attn[i] = i > 0;
        u->up_cross_attn[i] = i < 2; /* up level 0 is the deepest */
    }
    u->mid_transformer_depth = 10;
    heads_64(u);
    u->cross_attention_dim = t->clip[0].hidden_size + c2->hidden_size;
    u->use_linear_projection = true;
    u->addition_time_embed_dim = 256;
    u->projection_class_embeddings_input_dim = c2->projection_dim + 6 * 256;
    u->sample_size = 128;
    t->vae.scaling_factor = 0.13025f;
    t->vae.sample_size = 1024;
}

pixeen_status testmodel_config_get(const char *name, testmodel_config *t) {
    if (!name) name = "sd15-tiny";
    memset(t, 0, sizeof *t);
    bool xl = !strcmp(name, "sdxl-tiny"), v2 = !strcmp(name, "sd2-tiny");
    bool xl_full = !strcmp(name, "sdxl"), v21 = !strcmp(name, "sd21");
    PX_TRY(testmodel_configs(xl || v2 ? "sd15-tiny" : xl_full || v21 ? "sd15" : name, &t->clip[0], &t->unet, &t->vae));
    if (xl) sdxl_tiny(t);
    if (v2) sd2_tiny(t);
    if (v21) sd21_full(t);
    if (xl_full) sdxl_full(t);
    return PIXEEN_OK;
}

pixeen_status testmodel_configs(const char *name, clip_config *c, unet_config *u, vae_config *v) {
    if (!name) name = "sd15-tiny";
    /* sd15-tiny-deep: SD 1.5's levels (three downsamplers, VAE factor 8) at 32 channels, so that
     * sizes that are multiples of 8 but not of 64 exercise the odd latent sizes. */
    bool deep = !strcmp(name, "sd15-tiny-deep");
    bool tiny = deep || !strcmp(name, "sd15-tiny");
    if (!tiny && strcmp(name, "sd15"))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "testmodel: unknown configuration '%s' (expected sd15-tiny, sd15-tiny-deep, sd15, sd2-tiny, "
                         "sdxl-tiny, sd21 or sdxl)",
                         name);
    memset(c, 0, sizeof *c);
    memset(u, 0, sizeof *u);
    memset(v, 0, sizeof *v);
    *c = (clip_config){.vocab_size = tiny ? 1000 : 49408,
                       .hidden_size = tiny ? 32 : 768,
                       .intermediate_size = tiny ? 37 : 3072,
                       .num_layers = tiny ? 5 : 12,
                       .num_heads = tiny ? 4 : 12,
                       .max_positions = 77,
                       .projection_dim = tiny ? 32 : 768,
                       .layer_norm_eps = 1e-5f,
                       .hidden_act = MODEL_ACT_QUICK_GELU,
                       .bos_token_id = -1,
                       .eos_token_id = -1,
                       .pad_token_id = -1};
    c->head_dim = c->hidden_size / c->num_heads;
    static const int unet_tiny[] = {32, 64}, unet_full[] = {320, 640, 1280, 1280};
    bool two = tiny && !deep; /* two levels */
    u->n_levels = two ? 2 : 4;
    for (int i = 0; i < u->n_levels; i++) {
        u->block_out_channels[i] = deep ? 32 : tiny ? unet_tiny[i] : unet_full[i];
        u->down_cross_attn[i] = two ? i == 1 : i < 3;
        u->up_cross_attn[i] = two ? i == 0 : i > 0;
        u->transformer_depth[i] = 1;
        u->attention_heads[i] = 8;
        u->attention_head_dim[i] = u->block_out_channels[i] / 8;
    }
    u->in_channels = u->out_channels = 4;
    u->sample_size = tiny ? 32 : 64;
    u->layers_per_block = 2;
    u->mid_transformer_depth = 1;
    u->mid_attention = true;
    u->cross_attention_dim = c->hidden_size;
    u->norm_num_groups = 32;
    u->norm_eps = 1e-5f;
    u->act_fn = MODEL_ACT_SILU;
    u->flip_sin_to_cos = true;
    u->time_embed_dim = 4 * u->block_out_channels[0];
    static const int vae_tiny[] = {32, 64}, vae_full[] = {128, 256, 512, 512};
    v->n_levels = two ? 2 : 4;
    for (int i = 0; i < v->n_levels; i++) v->block_out_channels[i] = deep ? 32 : tiny ? vae_tiny[i] : vae_full[i];
    v->in_channels = v->out_channels = 3;
    v->latent_channels = 4;
    v->layers_per_block = 2;
    v->norm_num_groups = 32;
    v->norm_eps = 1e-6f;
    v->act_fn = MODEL_ACT_SILU;
    v->scaling_factor = 0.18215f;
    v->sample_size = two ? 64 : deep ? 256 : 512;
    v->downscale = 1 << (v->n_levels - 1);
    return PIXEEN_OK;
}

/* ---- random numbers: splitmix64 stream, Box-Muller normals ---------------------------------- */

typedef struct rng {
    uint64_t state;
    bool has_spare;
    double spare;
} rng;

static uint64_t rng_next(rng *r) {
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_normal(rng *r) {
    if (r->has_spare) {
        r->has_spare = false;
        return r->spare;
    }
    double u1 = ((double)(rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0); /* (0, 1) */
    double u2 = (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
    double radius = sqrt(-2.0 * log(u1)), angle = 6.283185307179586 * u2;
    r->spare = radius * sin(angle);
    r->has_spare = true;
    return radius * cos(angle);
}

static uint64_t name_hash(const char *component, const char *name, uint64_t seed) {
    uint64_t h = 1469598103934665603ull ^ seed;
    for (const char *p = component; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ull;
    h = (h ^ '/') * 1099511628211ull;
    for (const char *p = name; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ull;
    return h;
}

/* ---- safetensors writing -------------------------------------------------------------------- */

/* One stored tensor: one network tensor, or several laid end to end (OpenCLIP's fused q/k/v), or
 * one stored transposed (OpenCLIP's text_projection). */
typedef struct out_tensor {
    char key[LAYOUT_KEY_MAX];
    const tensor_spec *parts[3]; /* NULL for the extra buffers */
    int n_parts;
    bool transpose;
    const char *component;
    int kind;                    /* spec kind, or -1 position_ids, -2 alphas_cumprod, -3 logit_scale */
    const char *dtype;
    int ndim;
    int64_t shape[4];
    uint64_t elements, nbytes;
} out_tensor;

static uint64_t spec_elements(const tensor_spec *s) {
    uint64_t n = 1;
    for (int d = 0; d < s->ndim; d++) n *= (uint64_t)s->shape[d];
    return n;
}

/* The values of one network tensor, slice by slice, into buf (n values from `done`). */
static void generate(rng *r, const tensor_spec *s, float *buf, size_t n) {
    double std = s->kind == SPEC_BIAS ? 0.02 : s->fan_in > 0 ? 1.0 / sqrt((double)s->fan_in) : 0.02;
    for (size_t i = 0; i < n; i++) {
        switch (s->kind) {
        case SPEC_NORM_WEIGHT: buf[i] = 1.0f; break;
        case SPEC_NORM_BIAS: buf[i] = 0.0f; break;
        default: buf[i] = (float)(std * rng_normal(r)); break;
        }
    }
}

static pixeen_status put(FILE *f, const float *buf, uint16_t *half, size_t n, bool f16) {
    size_t wrote;
    if (f16) {
        f32_to_f16_array(half, buf, n);
        wrote = fwrite(half, 2, n, f);
    } else {
        wrote = fwrite(buf, 4, n, f);
    }
    if (wrote != n) return error_set(PIXEEN_ERROR_IO, "testmodel: write failed: %s", strerror(errno));
    return PIXEEN_OK;
}

static pixeen_status write_values(FILE *f, const out_tensor *t, uint64_t seed, float *buf, uint16_t *half) {
    if (t->kind == -1) { /* int64 position_ids 0..76 */
        for (int64_t i = 0; i < t->shape[1]; i++) {
            uint8_t le[8] = {0};
            for (int b = 0; b < 8; b++) le[b] = (uint8_t)((uint64_t)i >> (8 * b));
            if (fwrite(le, 1, 8, f) != 8) return error_set(PIXEEN_ERROR_IO, "testmodel: write failed");
        }
        return PIXEEN_OK;
    }
    if (t->kind == -3) { /* a scalar: CLIP's logit_scale, ln(100) */
        float v = 4.6052f;
        if (fwrite(&v, 4, 1, f) != 1) return error_set(PIXEEN_ERROR_IO, "testmodel: write failed");
        return PIXEEN_OK;
    }
    if (t->kind == -2) { /* fp32 alphas_cumprod of the scaled_linear schedule */
        double prod = 1.0, a = sqrt(BETA_START), b = sqrt(BETA_END);
        for (int i = 0; i < SCHEDULE_STEPS; i++) {
            double s = a + (b - a) * i / (SCHEDULE_STEPS - 1);
            prod *= 1.0 - s * s;
            buf[i] = (float)prod;
        }
        if (fwrite(buf, 4, SCHEDULE_STEPS, f) != SCHEDULE_STEPS) return error_set(PIXEEN_ERROR_IO, "testmodel: write failed");
        return PIXEEN_OK;
    }
    bool f16 = !strcmp(t->dtype, "F16");
    if (t->transpose) { /* small (text_projection): generate whole, write column by column */
        const tensor_spec *s = t->parts[0];
        uint64_t n = spec_elements(s), rows = (uint64_t)s->shape[0], cols = (uint64_t)s->shape[1];
        float *all = malloc(n * sizeof *all), *col = malloc(rows * sizeof *col);
        pixeen_status st = all && col ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "testmodel: transpose");
        if (!st) {
            rng r = {.state = name_hash(t->component, s->name, seed)};
            generate(&r, s, all, (size_t)n);
        }
        for (uint64_t c = 0; c < cols && !st; c++) {
            for (uint64_t k = 0; k < rows; k++) col[k] = all[k * cols + c];
            st = put(f, col, half, (size_t)rows, f16);
        }
        free(all);
        free(col);
        return st;
    }
    for (int p = 0; p < t->n_parts; p++) {
        const tensor_spec *s = t->parts[p];
        rng r = {.state = name_hash(t->component, s->name, seed)};
        uint64_t total = spec_elements(s);
        for (uint64_t done = 0; done < total;) {
            size_t n = total - done < SLICE_ELEMENTS ? (size_t)(total - done) : SLICE_ELEMENTS;
            generate(&r, s, buf, n);
            PX_TRY(put(f, buf, half, n, f16));
            done += n;
        }
    }
    return PIXEEN_OK;
}

static pixeen_status write_safetensors(const char *path, out_tensor *ts, size_t n, const char *config, uint64_t seed) {
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
    char seed_text[32];
    snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)seed);
    cJSON_AddStringToObject(meta, "format", "pt");
    cJSON_AddStringToObject(meta, "pixeen_test_model", config);
    cJSON_AddStringToObject(meta, "seed", seed_text);
    uint64_t offset = 0;
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_AddObjectToObject(root, ts[i].key);
        cJSON_AddStringToObject(e, "dtype", ts[i].dtype);
        cJSON *shape = cJSON_AddArrayToObject(e, "shape");
        for (int d = 0; d < ts[i].ndim; d++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)ts[i].shape[d]));
        cJSON *off = cJSON_AddArrayToObject(e, "data_offsets");
        cJSON_AddItemToArray(off, cJSON_CreateNumber((double)offset));
        cJSON_AddItemToArray(off, cJSON_CreateNumber((double)(offset + ts[i].nbytes)));
        offset += ts[i].nbytes;
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!json) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "testmodel: header");
    size_t len = strlen(json), padded = (len + 7) / 8 * 8; /* data 8-byte aligned, like the Rust writer */
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(json);
        return error_set(PIXEEN_ERROR_IO, "testmodel: cannot create '%s': %s", path, strerror(errno));
    }
    uint8_t le[8];
    for (int b = 0; b < 8; b++) le[b] = (uint8_t)((uint64_t)padded >> (8 * b));
    pixeen_status st = PIXEEN_OK;
    if (fwrite(le, 1, 8, f) != 8 || fwrite(json, 1, len, f) != len) st = error_set(PIXEEN_ERROR_IO, "testmodel: write failed");
    for (size_t i = len; i < padded && !st; i++)
        if (fputc(' ', f) == EOF) st = error_set(PIXEEN_ERROR_IO, "testmodel: write failed");
    free(json);
    float *buf = malloc(SLICE_ELEMENTS * sizeof *buf);
    uint16_t *half = malloc(SLICE_ELEMENTS * sizeof *half);
    if (!st && (!buf || !half)) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "testmodel: buffers");
    for (size_t i = 0; i < n && !st; i++) st = write_values(f, &ts[i], seed, buf, half);
    free(buf);
    free(half);
    if (fclose(f) != 0 && !st) st = error_set(PIXEEN_ERROR_IO, "testmodel: closing '%s' failed", path);
    return st;
}

static void set_tensor(out_tensor *t, const char *key, const tensor_spec *s, const char *component, bool fp16, int ndim,
                       const int64_t *shape) {
    snprintf(t->key, sizeof t->key, "%s", key);
    t->parts[0] = s;
    t->n_parts = s ? 1 : 0;
    t->component = component;
    t->kind = s ? (int)s->kind : 0;
    t->dtype = fp16 ? "F16" : "F32";
    t->ndim = ndim;
    t->elements = 1;
    for (int d = 0; d < ndim; d++) {
        t->shape[d] = shape[d];
        t->elements *= (uint64_t)shape[d];
    }
    t->nbytes = t->elements * (fp16 ? 2 : 4);
}

/* ---- tokenizer ------------------------------------------------------------------------------ */

/* Prompt-like words the BPE merges are learnt from. */
static const char corpus[] =
    "a photograph of an astronaut riding a horse on the moon, highly detailed digital painting of a majestic "
    "castle on a cliff above a stormy sea, dramatic lighting, volumetric clouds, crashing waves, trending on "
    "artstation, concept art, sharp focus, intricate details, octane render, unreal engine, cinematic "
    "composition, portrait of a cat sitting on a mat, best quality, masterpiece, ultra detailed, landscape "
    "with mountains and a river at sunset, watercolor illustration, oil painting, studio photo, beautiful "
    "woman, old man, city street at night, neon lights, forest, flowers, dog, bird, dragon, robot, space "
    "station, ocean, snow, fantasy, science fiction, the quick brown fox jumps over the lazy dog";

typedef struct sym_word {
    char *syms[64]; /* byte-encoded symbols, last with </w> */
    int n;
    int count;      /* frequency */
} sym_word;

static pixeen_status write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return error_set(PIXEEN_ERROR_IO, "testmodel: cannot create '%s': %s", path, strerror(errno));
    size_t len = strlen(text);
    bool ok = fwrite(text, 1, len, f) == len;
    if (fclose(f) != 0 || !ok) return error_set(PIXEEN_ERROR_IO, "testmodel: writing '%s' failed", path);
    return PIXEEN_OK;
}

static char *join2(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s", a, b);
    return s;
}

static pixeen_status write_tokenizer(const char *dir, int vocab_size, const char *pad) {
    /* byte encoder (GPT-2's bytes_to_unicode) as UTF-8 strings */
    char enc[256][3];
    int n_extra = 0;
    for (int b = 0; b < 256; b++) {
        bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        unsigned cp = printable ? (unsigned)b : 256u + (unsigned)n_extra++;
        if (cp < 0x80) enc[b][0] = (char)cp, enc[b][1] = 0;
        else enc[b][0] = (char)(0xC0 | cp >> 6), enc[b][1] = (char)(0x80 | (cp & 0x3F)), enc[b][2] = 0;
    }
    cJSON *vocab = cJSON_CreateObject();
    int id = 0;
    char buf[16];
    for (int b = 0; b < 256; b++) cJSON_AddNumberToObject(vocab, enc[b], id++);
    for (int b = 0; b < 256; b++) {
        snprintf(buf, sizeof buf, "%s</w>", enc[b]);
        cJSON_AddNumberToObject(vocab, buf, id++);
    }
    /* words of the corpus with their counts */
    sym_word words[256];
    int n_words = 0;
    pixeen_status st = PIXEEN_OK;
    for (const char *p = corpus; *p;) {
        while (*p == ' ' || *p == ',') p++;
        const char *s = p;
        while (*p && *p != ' ' && *p != ',') p++;
        if (p == s) continue;
        int len = (int)(p - s) < 63 ? (int)(p - s) : 63, w;
        for (w = 0; w < n_words; w++) {
            int k = 0;
            while (k < words[w].n && k < len && words[w].syms[k][0] == s[k]) k++;
            if (words[w].n == len && k == len) break;
        }
        if (w < n_words) {
            words[w].count++;
            continue;
        }
        if (n_words == 256) break;
        sym_word *nw = &words[n_words++];
        nw->n = len;
        nw->count = 1;
        for (int k = 0; k < len; k++) nw->syms[k] = join2(enc[(uint8_t)s[k]], k == len - 1 ? "</w>" : "");
    }
    /* learn merges: most frequent adjacent pair, ties broken by the pair's text (deterministic) */
    int max_merges = vocab_size - 512 - 2;
    char *merges = malloc((size_t)max_merges * 64 + 64);
    size_t mlen = merges ? (size_t)snprintf(merges, 64, "#version: 0.2\n") : 0;
    if (!merges) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "testmodel: merges");
    for (int m = 0; m < max_merges && !st; m++) {
        char best_a[64] = "", best_b[64] = "";
        int best = 0;
        for (int w = 0; w < n_words; w++)
            for (int k = 0; k + 1 < words[w].n; k++) {
                const char *a = words[w].syms[k], *b = words[w].syms[k + 1];
                if (strlen(a) + strlen(b) >= 60) continue;
                int count = 0;
                for (int w2 = 0; w2 < n_words; w2++)
                    for (int k2 = 0; k2 + 1 < words[w2].n; k2++)
                        if (!strcmp(words[w2].syms[k2], a) && !strcmp(words[w2].syms[k2 + 1], b)) count += words[w2].count;
                int cmp = strcmp(a, best_a);
                if (count > best || (count == best && (cmp < 0 || (cmp == 0 && strcmp(b, best_b) < 0)))) {
                    best = count;
                    snprintf(best_a, sizeof best_a, "%s", a);
                    snprintf(best_b, sizeof best_b, "%s", b);
                }
            }
        if (!best) break;
        mlen += (size_t)snprintf(merges + mlen, 64, "%s %s\n", best_a, best_b);
        char merged[128];
        snprintf(merged, sizeof merged, "%s%s", best_a, best_b);
        cJSON_AddNumberToObject(vocab, merged, id++);
        for (int w = 0; w < n_words; w++)
            for (int k = 0; k + 1 < words[w].n; k++)
                if (!strcmp(words[w].syms[k], best_a) && !strcmp(words[w].syms[k + 1], best_b)) {
                    char *j = join2(best_a, best_b);
                    free(words[w].syms[k]);
                    free(words[w].syms[k + 1]);
                    words[w].syms[k] = j;
                    memmove(&words[w].syms[k + 1], &words[w].syms[k + 2], (size_t)(words[w].n - k - 2) * sizeof(char *));
                    words[w].n--;
                }
    }
    for (int w = 0; w < n_words; w++)
        for (int k = 0; k < words[w].n; k++) free(words[w].syms[k]);
    /* Unused placeholders (no merge produces them) fill the vocabulary to vocab_size, so the
     * tokenizer matches the text encoder's embedding rows; start and end are the last two ids,
     * as in CLIP. Appended as text: cJSON's object append walks its list (quadratic at 49408). */
    char *printed = cJSON_PrintUnformatted(vocab);
    cJSON_Delete(vocab);
    int fill = vocab_size - 2 - id;
    size_t plen = printed ? strlen(printed) : 0;
    char *json = printed ? malloc(plen + (size_t)(fill > 0 ? fill : 0) * 32 + 128) : NULL;
    if (json) {
        memcpy(json, printed, plen - 1); /* without the closing brace */
        size_t at = plen - 1;
        for (int k = 0; k < fill; k++) at += (size_t)sprintf(json + at, ",\"<|unused_%d|>\":%d", k, id++);
        at += (size_t)sprintf(json + at, ",\"<|startoftext|>\":%d", id++);
        sprintf(json + at, ",\"<|endoftext|>\":%d}", id++);
    }
    free(printed);
    char path[4096];
    mkdir(dir, 0755);
    if (!st && !json) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "testmodel: vocab");
    if (!st) {
        snprintf(path, sizeof path, "%s/vocab.json", dir);
        st = write_text(path, json);
    }
    if (!st) {
        snprintf(path, sizeof path, "%s/merges.txt", dir);
        st = write_text(path, merges);
    }
    if (!st) {
        snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
        char cfg[512];
        snprintf(cfg, sizeof cfg,
                 "{\"bos_token\": \"<|startoftext|>\", \"eos_token\": \"<|endoftext|>\", \"pad_token\": \"%s\", "
                 "\"unk_token\": \"<|endoftext|>\", \"do_lower_case\": true, \"model_max_length\": 77, "
                 "\"tokenizer_class\": \"CLIPTokenizer\"}\n",
                 pad);
        st = write_text(path, cfg);
    }
    if (!st) {
        snprintf(path, sizeof path, "%s/special_tokens_map.json", dir);
        char map[512];
        snprintf(map, sizeof map,
                 "{\"bos_token\": \"<|startoftext|>\", \"eos_token\": \"<|endoftext|>\", \"pad_token\": \"%s\", "
                 "\"unk_token\": \"<|endoftext|>\"}\n",
                 pad);
        st = write_text(path, map);
    }
    free(json);
    free(merges);
    return st;
}

/* ---- configs -------------------------------------------------------------------------------- */

static cJSON *int_array(const int *v, int n) {
    return cJSON_CreateIntArray(v, n);
}

static char *clip_json(const clip_config *c) {
    cJSON *r = cJSON_CreateObject();
    cJSON *arch = cJSON_AddArrayToObject(r, "architectures");
    cJSON_AddItemToArray(arch, cJSON_CreateString(c->has_projection ? "CLIPTextModelWithProjection" : "CLIPTextModel"));
    cJSON_AddStringToObject(r, "hidden_act", model_act_name(c->hidden_act));
    cJSON_AddNumberToObject(r, "hidden_size", c->hidden_size);
    cJSON_AddNumberToObject(r, "intermediate_size", c->intermediate_size);
    cJSON_AddNumberToObject(r, "layer_norm_eps", c->layer_norm_eps);
    cJSON_AddNumberToObject(r, "max_position_embeddings", c->max_positions);
    cJSON_AddStringToObject(r, "model_type", "clip_text_model");
    cJSON_AddNumberToObject(r, "num_attention_heads", c->num_heads);
    cJSON_AddNumberToObject(r, "num_hidden_layers", c->num_layers);
    cJSON_AddNumberToObject(r, "projection_dim", c->projection_dim);
    cJSON_AddNumberToObject(r, "vocab_size", c->vocab_size);
    char *s = cJSON_Print(r);
    cJSON_Delete(r);
    return s;
}

static char *unet_json(const unet_config *u) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "_class_name", "UNet2DConditionModel");
    cJSON_AddStringToObject(r, "act_fn", model_act_name(u->act_fn));
    cJSON_AddItemToObject(r, "attention_head_dim", int_array(u->attention_heads, u->n_levels)); /* = heads */
    cJSON_AddItemToObject(r, "block_out_channels", int_array(u->block_out_channels, u->n_levels));
    cJSON_AddNumberToObject(r, "cross_attention_dim", u->cross_attention_dim);
    cJSON *down = cJSON_AddArrayToObject(r, "down_block_types"), *up = cJSON_AddArrayToObject(r, "up_block_types");
    for (int i = 0; i < u->n_levels; i++) {
        cJSON_AddItemToArray(down, cJSON_CreateString(u->down_cross_attn[i] ? "CrossAttnDownBlock2D" : "DownBlock2D"));
        cJSON_AddItemToArray(up, cJSON_CreateString(u->up_cross_attn[i] ? "CrossAttnUpBlock2D" : "UpBlock2D"));
    }
    cJSON_AddBoolToObject(r, "flip_sin_to_cos", u->flip_sin_to_cos);
    cJSON_AddNumberToObject(r, "freq_shift", u->freq_shift);
    cJSON_AddNumberToObject(r, "in_channels", u->in_channels);
    cJSON_AddNumberToObject(r, "layers_per_block", u->layers_per_block);
    cJSON_AddNumberToObject(r, "norm_eps", u->norm_eps);
    cJSON_AddNumberToObject(r, "norm_num_groups", u->norm_num_groups);
    cJSON_AddNumberToObject(r, "out_channels", u->out_channels);
    cJSON_AddNumberToObject(r, "sample_size", u->sample_size);
    cJSON_AddItemToObject(r, "transformer_layers_per_block", int_array(u->transformer_depth, u->n_levels));
    if (u->addition_time_embed_dim) {
        cJSON_AddStringToObject(r, "addition_embed_type", "text_time");
        cJSON_AddNumberToObject(r, "addition_time_embed_dim", u->addition_time_embed_dim);
        cJSON_AddNumberToObject(r, "projection_class_embeddings_input_dim", u->projection_class_embeddings_input_dim);
    }
    cJSON_AddBoolToObject(r, "use_linear_projection", u->use_linear_projection);
    cJSON_AddBoolToObject(r, "upcast_attention", u->upcast_attention);
    char *s = cJSON_Print(r);
    cJSON_Delete(r);
    return s;
}

static char *vae_json(const vae_config *v) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "_class_name", "AutoencoderKL");
    cJSON_AddStringToObject(r, "act_fn", model_act_name(v->act_fn));
    cJSON_AddItemToObject(r, "block_out_channels", int_array(v->block_out_channels, v->n_levels));
    cJSON *down = cJSON_AddArrayToObject(r, "down_block_types"), *up = cJSON_AddArrayToObject(r, "up_block_types");
    for (int i = 0; i < v->n_levels; i++) {
        cJSON_AddItemToArray(down, cJSON_CreateString("DownEncoderBlock2D"));
        cJSON_AddItemToArray(up, cJSON_CreateString("UpDecoderBlock2D"));
    }
    cJSON_AddNumberToObject(r, "in_channels", v->in_channels);
    cJSON_AddNumberToObject(r, "latent_channels", v->latent_channels);
    cJSON_AddNumberToObject(r, "layers_per_block", v->layers_per_block);
    cJSON_AddNumberToObject(r, "norm_num_groups", v->norm_num_groups);
    cJSON_AddNumberToObject(r, "out_channels", v->out_channels);
    cJSON_AddNumberToObject(r, "sample_size", v->sample_size);
    cJSON_AddNumberToObject(r, "scaling_factor", v->scaling_factor);
    char *s = cJSON_Print(r);
    cJSON_Delete(r);
    return s;
}

static const char model_index[] =
    "{\n  \"_class_name\": \"StableDiffusionPipeline\",\n  \"scheduler\": [\"diffusers\", \"PNDMScheduler\"],\n"
    "  \"text_encoder\": [\"transformers\", \"CLIPTextModel\"],\n  \"tokenizer\": [\"transformers\", \"CLIPTokenizer\"],\n"
    "  \"unet\": [\"diffusers\", \"UNet2DConditionModel\"],\n  \"vae\": [\"diffusers\", \"AutoencoderKL\"]\n}\n";

static const char model_index_xl[] =
    "{\n  \"_class_name\": \"StableDiffusionXLPipeline\",\n  \"scheduler\": [\"diffusers\", \"EulerDiscreteScheduler\"],\n"
    "  \"text_encoder\": [\"transformers\", \"CLIPTextModel\"],\n"
    "  \"text_encoder_2\": [\"transformers\", \"CLIPTextModelWithProjection\"],\n"
    "  \"tokenizer\": [\"transformers\", \"CLIPTokenizer\"],\n  \"tokenizer_2\": [\"transformers\", \"CLIPTokenizer\"],\n"
    "  \"unet\": [\"diffusers\", \"UNet2DConditionModel\"],\n  \"vae\": [\"diffusers\", \"AutoencoderKL\"]\n}\n";

static const char scheduler_config[] =
    "{\n  \"_class_name\": \"PNDMScheduler\",\n  \"beta_end\": 0.012,\n  \"beta_schedule\": \"scaled_linear\",\n"
    "  \"beta_start\": 0.00085,\n  \"num_train_timesteps\": 1000,\n  \"prediction_type\": \"epsilon\",\n"
    "  \"set_alpha_to_one\": false,\n  \"skip_prk_steps\": true,\n  \"steps_offset\": 1\n}\n";

static pixeen_status write_json_file(const char *dir, const char *sub, const char *name, char *json) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    pixeen_status st = json ? write_text(path, json) : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "testmodel: config");
    free(json);
    return st;
}

/* Finds the stored tensor a network tensor goes into (fused parts share one). */
static out_tensor *find_key(out_tensor *ts, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ts[i].key, key)) return &ts[i];
    return NULL;
}

pixeen_status testmodel_write(const testmodel_options *o) {
    if (!o || !o->out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "testmodel: no output path");
    const char *name = o->config ? o->config : "sd15-tiny";
    testmodel_config cfg;
    PX_TRY(testmodel_config_get(name, &cfg));
    if (o->vocab_size < 0 || o->vocab_size > 1 << 20)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "testmodel: vocab size %d", o->vocab_size);
    if (o->vocab_size) cfg.clip[0].vocab_size = cfg.clip[1].vocab_size = o->vocab_size;
    model_component comps[4] = {MODEL_TEXT_ENCODER, MODEL_TEXT_ENCODER_2, MODEL_UNET, MODEL_VAE};
    spec_list specs[4] = {{0}};
    /* SD 2.x single files store OpenCLIP's last layer too (unused: the penultimate is the output) */
    clip_config te1 = cfg.clip[0];
    if (cfg.sd2 && o->single_file) te1.num_layers++;
    pixeen_status st = spec_clip(&te1, &specs[0]);
    if (!st && cfg.sdxl) st = spec_clip(&cfg.clip[1], &specs[1]);
    if (!st) st = spec_unet(&cfg.unet, &specs[2]);
    if (!st) st = spec_vae(&cfg.vae, &specs[3]);
    size_t total = specs[0].count + specs[1].count + specs[2].count + specs[3].count + 2;
    out_tensor *ts = st ? NULL : calloc(total, sizeof *ts);
    if (!st && !ts) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "testmodel: tensors");
    model_family family = cfg.sdxl ? MODEL_FAMILY_SDXL : cfg.sd2 ? MODEL_FAMILY_SD2 : MODEL_FAMILY_SD1;
    char path[4096];
    if (!st && o->single_file) {
        size_t n = 0;
        for (int c = 0; c < 4 && !st; c++) {
            layout_context ctx = {family, &cfg.unet, &cfg.vae, &cfg.clip[c == 1 ? 1 : 0]};
            for (size_t i = 0; i < specs[c].count && !st; i++) {
                original_ref ref;
                const tensor_spec *s = &specs[c].items[i];
                st = layout_original_ref(&ctx, comps[c], s, &ref);
                if (st) break;
                out_tensor *t = find_key(ts, n, ref.key);
                if (!t) {
                    t = &ts[n++];
                    set_tensor(t, ref.key, s, model_component_name(comps[c]), o->fp16, ref.ndim, ref.shape);
                    t->transpose = ref.transpose;
                    t->n_parts = 0;
                }
                /* parts in element order: q, k, v arrive in that order from the spec */
                uint64_t expect = 0;
                for (int p = 0; p < t->n_parts; p++) expect += spec_elements(t->parts[p]);
                if (t->n_parts == 3 || ref.element_offset != expect)
                    st = error_set(PIXEEN_ERROR_INTERNAL, "testmodel: fused tensor '%s' out of order", ref.key);
                else
                    t->parts[t->n_parts++] = s;
            }
        }
        if (!st) {
            if (cfg.sd2) { /* OpenCLIP's 0-d logit_scale */
                set_tensor(&ts[n], "cond_stage_model.model.logit_scale", NULL, "", false, 0, NULL);
                ts[n].kind = -3;
            } else {
                set_tensor(&ts[n], cfg.sdxl ? "conditioner.embedders.0.transformer.text_model.embeddings.position_ids"
                                            : "cond_stage_model.transformer.text_model.embeddings.position_ids",
                           NULL, "", false, 2, (const int64_t[]){1, cfg.clip[0].max_positions});
                ts[n].kind = -1;
                ts[n].dtype = "I64";
                ts[n].nbytes = ts[n].elements * 8;
            }
            n++;
            set_tensor(&ts[n], "alphas_cumprod", NULL, "", false, 1, (const int64_t[]){SCHEDULE_STEPS});
            ts[n].kind = -2;
            n++;
            st = write_safetensors(o->out, ts, n, name, o->seed);
        }
        /* tokenizer/ (and tokenizer_2/) beside the file, where model_open looks for them */
        for (int k = 0; k < (cfg.sdxl ? 2 : 1) && !st; k++) {
            snprintf(path, sizeof path, "%s", o->out);
            char *slash = strrchr(path, '/');
            const char *sub = k ? "tokenizer_2" : "tokenizer";
            if (slash) snprintf(slash, sizeof path - (size_t)(slash - path), "/%s", sub);
            else snprintf(path, sizeof path, "%s", sub);
            st = write_tokenizer(path, cfg.clip[k].vocab_size, k || cfg.sd2 ? "!" : "<|endoftext|>");
        }
    } else if (!st) {
        if (mkdir(o->out, 0755) != 0 && errno != EEXIST)
            st = error_set(PIXEEN_ERROR_IO, "testmodel: cannot create '%s': %s", o->out, strerror(errno));
        if (!st) {
            snprintf(path, sizeof path, "%s/model_index.json", o->out);
            st = write_text(path, cfg.sdxl ? model_index_xl : model_index);
        }
        if (!st) st = write_json_file(o->out, "text_encoder", "config.json", clip_json(&cfg.clip[0]));
        if (!st && cfg.sdxl) st = write_json_file(o->out, "text_encoder_2", "config.json", clip_json(&cfg.clip[1]));
        if (!st) st = write_json_file(o->out, "unet", "config.json", unet_json(&cfg.unet));
        if (!st) st = write_json_file(o->out, "vae", "config.json", vae_json(&cfg.vae));
        if (!st) {
            size_t len = strlen(scheduler_config);
            char *copy = malloc(len + 1);
            if (copy) memcpy(copy, scheduler_config, len + 1);
            st = write_json_file(o->out, "scheduler", "scheduler_config.json", copy);
        }
        for (int c = 0; c < 4 && !st; c++) {
            if (!specs[c].count) continue;
            for (size_t i = 0; i < specs[c].count; i++)
                set_tensor(&ts[i], specs[c].items[i].name, &specs[c].items[i], model_component_name(comps[c]), o->fp16,
                           specs[c].items[i].ndim, specs[c].items[i].shape);
            bool te = comps[c] == MODEL_TEXT_ENCODER || comps[c] == MODEL_TEXT_ENCODER_2;
            snprintf(path, sizeof path, "%s/%s/%s", o->out, model_component_name(comps[c]),
                     te ? "model.safetensors" : "diffusion_pytorch_model.safetensors");
            st = write_safetensors(path, ts, specs[c].count, name, o->seed);
        }
        for (int k = 0; k < (cfg.sdxl ? 2 : 1) && !st; k++) {
            snprintf(path, sizeof path, "%s/%s", o->out, k ? "tokenizer_2" : "tokenizer");
            st = write_tokenizer(path, cfg.clip[k].vocab_size, k || cfg.sd2 ? "!" : "<|endoftext|>");
        }
    }
    free(ts);
    for (int c = 0; c < 4; c++) spec_list_free(&specs[c]);
    return st;
}
