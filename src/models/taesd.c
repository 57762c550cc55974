/* taesd.c — see taesd.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/file_read.h"
#include "core/platform.h"

#include "models/safetensors.h"
#include "models/taesd.h"
#include "ops/gemm.h"
#include "ops/taesd_pointwise.h"

/* ---- loading ---- */

/* A small config file, or NULL (missing, unreadable or over `limit`: then it is not TAESD's). */
static char *read_text(const char *path, size_t limit) {
    char *text = NULL;
    size_t len = 0;
    return file_read_bounded(path, limit, &text, &len) == FILE_READ_OK ? text : NULL;
}

bool taesd_is_folder(const char *path) {
    char p[4096];
    struct stat st;
    if (!path || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    snprintf(p, sizeof p, "%s/config.json", path);
    char *text = read_text(p, 1 << 16);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(j, "_class_name");
    bool yes = cJSON_IsString(cls) && !strcmp(cls->valuestring, "AutoencoderTiny");
    cJSON_Delete(j);
    free(text);
    return yes;
}

static pixeen_status int_list(const cJSON *j, const char *key, const char *fallback_key, int *out, int *count,
                              const char *path) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!a && fallback_key) a = cJSON_GetObjectItemCaseSensitive(j, fallback_key);
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
    if (n < 1 || n > TAESD_MAX_LEVELS)
        return error_set(PIXEEN_ERROR_FORMAT, "taesd: %s: '%s' must be a list of 1..%d numbers", path, key, TAESD_MAX_LEVELS);
    for (int i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4096 || v->valuedouble != (int)v->valuedouble)
            return error_set(PIXEEN_ERROR_FORMAT, "taesd: %s: '%s'[%d] is not a whole number in 0..4096", path, key, i);
        out[i] = (int)v->valuedouble;
    }
    *count = n;
    return PIXEEN_OK;
}

static int int_or(const cJSON *j, const char *key, int fallback) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? (int)v->valuedouble : fallback;
}

/* diffusers' AutoencoderTiny defaults for absent keys. */
static pixeen_status parse_config(const char *path, const char *text, taesd_config *c) {
    memset(c, 0, sizeof *c);
    cJSON *j = cJSON_Parse(text);
    if (!j) return error_set(PIXEEN_ERROR_FORMAT, "taesd: %s is not valid JSON", path);
    pixeen_status st = PIXEEN_OK;
    c->in_channels = int_or(j, "in_channels", 3);
    c->out_channels = int_or(j, "out_channels", 3);
    c->latent_channels = int_or(j, "latent_channels", 4);
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(j, "act_fn");
    if (act && (!cJSON_IsString(act) || strcmp(act->valuestring, "relu")))
        st = error_set(PIXEEN_ERROR_UNSUPPORTED, "taesd: %s: act_fn must be \"relu\"", path);
    if (st == PIXEEN_OK && int_or(j, "upsampling_scaling_factor", 2) != 2)
        st = error_set(PIXEEN_ERROR_UNSUPPORTED, "taesd: %s: upsampling_scaling_factor must be 2", path);
    int n;
    if (cJSON_GetObjectItemCaseSensitive(j, "encoder_block_out_channels") ||
        cJSON_GetObjectItemCaseSensitive(j, "block_out_channels")) {
        if (st == PIXEEN_OK) st = int_list(j, "encoder_block_out_channels", "block_out_channels", c->enc_channels, &c->enc_levels, path);
        if (st == PIXEEN_OK) st = int_list(j, "decoder_block_out_channels", "block_out_channels", c->dec_channels, &c->dec_levels, path);
    } else {
        c->enc_levels = c->dec_levels = 4;
        for (int i = 0; i < 4; i++) c->enc_channels[i] = c->dec_channels[i] = 64;
    }
    if (cJSON_GetObjectItemCaseSensitive(j, "num_encoder_blocks")) {
        if (st == PIXEEN_OK) st = int_list(j, "num_encoder_blocks", NULL, c->enc_blocks, &n, path);
        if (st == PIXEEN_OK && n != c->enc_levels) st = error_set(PIXEEN_ERROR_FORMAT, "taesd: %s: num_encoder_blocks has %d levels, the channels %d", path, n, c->enc_levels);
    } else {
        static const int def[4] = {1, 3, 3, 3};
        memcpy(c->enc_blocks, def, sizeof def);
    }
    if (cJSON_GetObjectItemCaseSensitive(j, "num_decoder_blocks")) {
        if (st == PIXEEN_OK) st = int_list(j, "num_decoder_blocks", NULL, c->dec_blocks, &n, path);
        if (st == PIXEEN_OK && n != c->dec_levels) st = error_set(PIXEEN_ERROR_FORMAT, "taesd: %s: num_decoder_blocks has %d levels, the channels %d", path, n, c->dec_levels);
    } else {
        static const int def[4] = {3, 3, 3, 1};
        memcpy(c->dec_blocks, def, sizeof def);
    }
    if (st == PIXEEN_OK && (c->in_channels < 1 || c->in_channels > 16 || c->out_channels < 1 || c->out_channels > 16 ||
                            c->latent_channels < 1 || c->latent_channels > 64))
        st = error_set(PIXEEN_ERROR_FORMAT, "taesd: %s: channel counts out of range", path);
    c->downscale = 1 << (c->dec_levels - 1);
    cJSON_Delete(j);
    return st;
}

/* Uploads one tensor as fp16; 4-D kernels wider than 1x1 reordered to [Cout, kh, kw, Cin]. */
static pixeen_status upload_tensor(gpu_context *ctx, const safetensors_file *f, const safetensors_tensor *t, nn_weight *dst) {
    size_t n = (size_t)t->n_elements;
    uint16_t *h = malloc(n * 2), *r = malloc(n * 2);
    pixeen_status st = h && r ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "taesd: out of host memory");
    if (st == PIXEEN_OK) st = safetensors_read_f16(f, t, 0, n, h);
    const uint16_t *src = h;
    if (st == PIXEEN_OK && t->ndim == 4 && (t->shape[2] > 1 || t->shape[3] > 1)) {
        int64_t co = t->shape[0], ci = t->shape[1], khw = t->shape[2] * t->shape[3];
        for (int64_t o = 0; o < co; o++)
            for (int64_t c = 0; c < ci; c++)
                for (int64_t k = 0; k < khw; k++) r[(o * khw + k) * ci + c] = h[(o * ci + c) * khw + k];
        src = r;
    }
    dst->t.dtype = DTYPE_F16;
    dst->t.rank = (uint32_t)(t->ndim ? t->ndim : 1);
    for (int d = 0; d < t->ndim; d++) dst->t.shape[d] = t->shape[d];
    if (t->ndim == 0) dst->t.shape[0] = 1;
    if (st == PIXEEN_OK) st = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, n * 2, t->name, &dst->t.buffer);
    if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, dst->t.buffer, 0, src, n * 2);
    free(h);
    free(r);
    return st;
}

pixeen_status taesd_load(gpu_context *ctx, const char *path, taesd **out) {
    *out = NULL;
    char p[4096];
    snprintf(p, sizeof p, "%s/config.json", path);
    char *text = read_text(p, 1 << 16);
    if (!text) return error_set(PIXEEN_ERROR_IO, "taesd: cannot read %s", p);
    taesd *t = calloc(1, sizeof *t);
    pixeen_status st = t ? parse_config(p, text, &t->cfg) : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "taesd: out of host memory");
    free(text);
    safetensors_file *f = NULL;
    snprintf(p, sizeof p, "%s/diffusion_pytorch_model.safetensors", path);
    if (st == PIXEEN_OK) st = safetensors_open(p, &f);
    size_t count = f ? safetensors_count(f) : 0;
    if (st == PIXEEN_OK && !(t->weights.items = calloc(count ? count : 1, sizeof *t->weights.items)))
        st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "taesd: out of host memory");
    for (size_t i = 0; st == PIXEEN_OK && i < count; i++) { /* safetensors_at is sorted by name, as nn wants */
        const safetensors_tensor *ten = safetensors_at(f, i);
        if (!safetensors_dtype_is_weight(ten->dtype)) continue;
        nn_weight *w = &t->weights.items[t->weights.count];
        if (!(w->name = strdup(ten->name))) {
            st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "taesd: out of host memory");
            break;
        }
        t->weights.count++;
        st = upload_tensor(ctx, f, ten, w);
        t->weights.bytes += ten->n_elements * 2;
        if (st != PIXEEN_OK) error_wrap(st, "taesd: uploading '%s': ", ten->name);
    }
    safetensors_close(f);
    if (st != PIXEEN_OK) {
        taesd_free(t);
        return st;
    }
    *out = t;
    return PIXEEN_OK;
}

void taesd_free(taesd *t) {
    if (!t) return;
    nn_weights_free(&t->weights);
    free(t);
}

/* ---- graphs ---- */

static bool recording(const nn_graph *g) { return g->rec != NULL && g->status == PIXEEN_OK; }

/* A 3x3 (or 1x1) convolution whose bias is optional (TAESD's inner convs have none). */
static tensor conv(nn_graph *g, const tensor *x, const char *prefix, int stride, const tensor *residual) {
    int64_t B = x->shape[0], H = x->shape[1], W = x->shape[2], Cin = x->shape[3];
    tensor w = nn_weight_get(g, prefix, "weight", 4, (const int64_t[]){-1, Cin, -1, -1});
    tensor empty = {0};
    if (g->status != PIXEEN_OK) return empty;
    int64_t Cout = w.shape[0], kh = w.shape[2], kw = w.shape[3], pad = (kh - 1) / 2;
    const tensor *bias = nn_weight_find(g, prefix, "bias");
    if (bias && tensor_count(bias) != Cout) {
        nn_fail(g, error_set(PIXEEN_ERROR_FORMAT, "taesd: '%s.bias' has %lld values, expected %lld", prefix,
                             (long long)tensor_count(bias), (long long)Cout));
        return empty;
    }
    tensor out = nn_alloc4(g, B, (H + 2 * pad - kh) / stride + 1, (W + 2 * pad - kw) / stride + 1, Cout);
    if (recording(g)) {
        tensor wk = nn_view(w, 4, (const int64_t[]){Cout, kh, kw, Cin}); /* reordered at upload */
        op_conv2d_record(g->rec, x, &wk, bias, residual, &out, (uint32_t)stride, (uint32_t)pad, NULL);
    }
    return out;
}

static void pointwise(nn_graph *g, op_taesd_mode mode, float a, float b, const tensor *x, const tensor *out) {
    if (recording(g)) op_taesd_pointwise_record(g->rec, mode, a, b, x, out);
}

/* AutoencoderTinyBlock `<p>`: ReLU(conv.4(ReLU(conv.2(ReLU(conv.0(x))))) + skip(x)). */
static tensor block(nn_graph *g, const char *p, const tensor *x) {
    char q[160];
    snprintf(q, sizeof q, "%s.conv.0", p);
    tensor h = conv(g, x, q, 1, NULL);
    pointwise(g, OP_TAESD_RELU, 0, 0, &h, &h);
    snprintf(q, sizeof q, "%s.conv.2", p);
    tensor h2 = conv(g, &h, q, 1, NULL);
    nn_release(g, &h);
    pointwise(g, OP_TAESD_RELU, 0, 0, &h2, &h2);
    tensor skip = *x;
    bool own = false;
    snprintf(q, sizeof q, "%s.skip", p);
    if (nn_weight_has(g, q, "weight")) {
        skip = conv(g, x, q, 1, NULL);
        own = true;
    }
    snprintf(q, sizeof q, "%s.conv.4", p);
    tensor out = conv(g, &h2, q, 1, &skip);
    nn_release(g, &h2);
    if (own) nn_release(g, &skip);
    pointwise(g, OP_TAESD_RELU, 0, 0, &out, &out);
    return out;
}

tensor taesd_decode_forward(nn_graph *g, const taesd_config *c, const tensor *latents) {
    char p[96];
    int layer = 0;
    tensor x = nn_alloc(g, 4, latents->shape);
    pointwise(g, OP_TAESD_CLAMP, 0, 0, latents, &x);
    snprintf(p, sizeof p, "decoder.layers.%d", layer);
    tensor y = conv(g, &x, p, 1, NULL);
    nn_release(g, &x);
    pointwise(g, OP_TAESD_RELU, 0, 0, &y, &y);
    layer += 2; /* conv, ReLU */
    x = y;
    for (int i = 0; i < c->dec_levels && g->status == PIXEEN_OK; i++) {
        bool last = i == c->dec_levels - 1;
        for (int b = 0; b < c->dec_blocks[i]; b++) {
            snprintf(p, sizeof p, "decoder.layers.%d", layer++);
            y = block(g, p, &x);
            nn_release(g, &x);
            x = y;
        }
        if (!last) {
            y = nn_upsample2x(g, &x);
            nn_release(g, &x);
            x = y;
            layer++;
        }
        snprintf(p, sizeof p, "decoder.layers.%d", layer++);
        y = conv(g, &x, p, 1, NULL);
        nn_release(g, &x);
        x = y;
    }
    pointwise(g, OP_TAESD_AFFINE, 2.0f, -1.0f, &x, &x);
    return x;
}

tensor taesd_encode_forward(nn_graph *g, const taesd_config *c, const tensor *image) {
    char p[96];
    int layer = 0;
    tensor x = nn_alloc(g, 4, image->shape), y;
    pointwise(g, OP_TAESD_AFFINE, 0.5f, 0.5f, image, &x);
    for (int i = 0; i < c->enc_levels && g->status == PIXEEN_OK; i++) {
        snprintf(p, sizeof p, "encoder.layers.%d", layer++);
        y = conv(g, &x, p, i == 0 ? 1 : 2, NULL);
        nn_release(g, &x);
        x = y;
        for (int b = 0; b < c->enc_blocks[i]; b++) {
            snprintf(p, sizeof p, "encoder.layers.%d", layer++);
            y = block(g, p, &x);
            nn_release(g, &x);
            x = y;
        }
    }
    snprintf(p, sizeof p, "encoder.layers.%d", layer);
    y = conv(g, &x, p, 1, NULL);
    nn_release(g, &x);
    return y;
}
