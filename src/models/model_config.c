/* model_config.c — diffusers config.json -> clip_config / unet_config / vae_config, validation
 * and printing. Defaults are diffusers' (UNet2DConditionModel, AutoencoderKL) and transformers'
 * (CLIPTextConfig) constructor defaults. Entry points: see model_config.h. */
#include "models/model_config.h"

#include <cjson/cJSON.h>
#include <string.h>

/* Upper bounds for validation: far above any real model (SDXL: 1280 channels, 49408 tokens,
 * 32 layers), low enough that products of them cannot overflow 64-bit sizes. */
#define MAX_CHANNELS 65536
#define MAX_VOCAB 1048576
#define MAX_LAYERS 256
#define MAX_POSITIONS 65536

const char *model_act_name(model_act act) {
    switch (act) {
    case MODEL_ACT_SILU: return "silu";
    case MODEL_ACT_GELU: return "gelu";
    case MODEL_ACT_QUICK_GELU: return "quick_gelu";
    }
    return "?";
}

static pixeen_status parse_act(const cJSON *item, model_act fallback, const char *what, model_act *out) {
    *out = fallback;
    if (!item) return PIXEEN_OK;
    if (!cJSON_IsString(item))
        return error_set(PIXEEN_ERROR_FORMAT, "config: %s: activation is not a string", what);
    const char *s = item->valuestring;
    if (!strcmp(s, "silu") || !strcmp(s, "swish")) *out = MODEL_ACT_SILU;
    else if (!strcmp(s, "gelu")) *out = MODEL_ACT_GELU;
    else if (!strcmp(s, "quick_gelu")) *out = MODEL_ACT_QUICK_GELU;
    else
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "config: %s: activation '%.40s' (expected silu, gelu or quick_gelu)", what, s);
    return PIXEEN_OK;
}

/* A JSON number that is an integer within +-1e9 (compared before any cast: casting an
 * out-of-range double to int is undefined). */
static bool is_int(const cJSON *item) {
    if (!cJSON_IsNumber(item)) return false;
    double v = item->valuedouble;
    return v >= -1e9 && v <= 1e9 && v == (double)(long)v;
}

/* An integer field: absent -> fallback; present but not an integer in range -> error. */
static pixeen_status get_int(const cJSON *root, const char *key, int fallback, const char *what, int *out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    *out = fallback;
    if (!item || cJSON_IsNull(item)) return PIXEEN_OK;
    if (!is_int(item))
        return error_set(PIXEEN_ERROR_FORMAT, "config: %s: '%s' is not an integer", what, key);
    *out = (int)item->valuedouble;
    return PIXEEN_OK;
}

static pixeen_status get_float(const cJSON *root, const char *key, float fallback, const char *what,
                               float *out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    *out = fallback;
    if (!item || cJSON_IsNull(item)) return PIXEEN_OK;
    if (!cJSON_IsNumber(item))
        return error_set(PIXEEN_ERROR_FORMAT, "config: %s: '%s' is not a number", what, key);
    *out = (float)item->valuedouble;
    return PIXEEN_OK;
}

static bool get_bool(const cJSON *root, const char *key, bool fallback) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    return cJSON_IsBool(item) ? cJSON_IsTrue(item) : fallback;
}

/* An int or a list of ints with n_levels entries (diffusers allows both for several fields). */
static pixeen_status get_int_per_level(const cJSON *root, const char *key, int fallback, int n_levels,
                                       const char *what, int out[MODEL_MAX_LEVELS]) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    for (int i = 0; i < MODEL_MAX_LEVELS; i++) out[i] = fallback;
    if (!item || cJSON_IsNull(item)) return PIXEEN_OK;
    if (cJSON_IsNumber(item)) {
        int v;
        PX_TRY(get_int(root, key, fallback, what, &v));
        for (int i = 0; i < MODEL_MAX_LEVELS; i++) out[i] = v;
        return PIXEEN_OK;
    }
    if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) != n_levels)
        return error_set(PIXEEN_ERROR_FORMAT, "config: %s: '%s' has %d entries (expected %d)", what,
                         key, cJSON_IsArray(item) ? cJSON_GetArraySize(item) : -1, n_levels);
    for (int i = 0; i < n_levels; i++) {
        const cJSON *e = cJSON_GetArrayItem(item, i);
        if (!is_int(e))
            return error_set(PIXEEN_ERROR_FORMAT, "config: %s: '%s'[%d] is not an integer", what, key, i);
        out[i] = (int)e->valuedouble;
    }
    return PIXEEN_OK;
}

static pixeen_status get_levels(const cJSON *root, const char *what, int *n_levels, int boc[MODEL_MAX_LEVELS]) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "block_out_channels");
    int n = cJSON_IsArray(item) ? cJSON_GetArraySize(item) : 0;
    if (n < 1 || n > MODEL_MAX_LEVELS)
        return error_set(PIXEEN_ERROR_FORMAT,
                         "config: %s: block_out_channels has %d entries (expected a list of 1 to %d)",
                         what, n, MODEL_MAX_LEVELS);
    *n_levels = n;
    for (int i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(item, i);
        if (!is_int(e) || e->valuedouble < 1 || e->valuedouble > MAX_CHANNELS)
            return error_set(PIXEEN_ERROR_FORMAT, "config: %s: block_out_channels[%d] is not a channel count",
                             what, i);
        boc[i] = (int)e->valuedouble;
    }
    return PIXEEN_OK;
}

static cJSON *parse_root(const char *json, size_t len, const char *what, pixeen_status *status) {
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        *status = error_set(PIXEEN_ERROR_FORMAT, "config: %s: not a JSON object", what);
        return NULL;
    }
    *status = PIXEEN_OK;
    return root;
}

pixeen_status clip_config_from_json(const char *json, size_t len, const char *what, clip_config *c) {
    pixeen_status st;
    cJSON *root = parse_root(json, len, what, &st);
    if (!root) return st;
    memset(c, 0, sizeof *c);
    const char *cls = NULL;
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(root, "architectures");
    if (cJSON_IsArray(arch) && cJSON_IsString(cJSON_GetArrayItem(arch, 0)))
        cls = cJSON_GetArrayItem(arch, 0)->valuestring;
    c->has_projection = cls && !strcmp(cls, "CLIPTextModelWithProjection");
    /* transformers' CLIPTextConfig defaults */
    if ((st = get_int(root, "vocab_size", 49408, what, &c->vocab_size)) ||
        (st = get_int(root, "hidden_size", 512, what, &c->hidden_size)) ||
        (st = get_int(root, "intermediate_size", 2048, what, &c->intermediate_size)) ||
        (st = get_int(root, "num_hidden_layers", 12, what, &c->num_layers)) ||
        (st = get_int(root, "num_attention_heads", 8, what, &c->num_heads)) ||
        (st = get_int(root, "max_position_embeddings", 77, what, &c->max_positions)) ||
        (st = get_int(root, "projection_dim", 512, what, &c->projection_dim)) ||
        (st = get_int(root, "bos_token_id", -1, what, &c->bos_token_id)) ||
        (st = get_int(root, "eos_token_id", -1, what, &c->eos_token_id)) ||
        (st = get_int(root, "pad_token_id", -1, what, &c->pad_token_id)) ||
        (st = get_float(root, "layer_norm_eps", 1e-5f, what, &c->layer_norm_eps)) ||
        (st = parse_act(cJSON_GetObjectItemCaseSensitive(root, "hidden_act"), MODEL_ACT_QUICK_GELU, what,
                        &c->hidden_act))) {
        cJSON_Delete(root);
        return st;
    }
    cJSON_Delete(root);
    c->head_dim = c->num_heads > 0 ? c->hidden_size / c->num_heads : 0;
    return clip_config_validate(c, what);
}

static bool block_has_cross_attn(const cJSON *types, int i, const char *what, pixeen_status *st) {
    const cJSON *t = cJSON_GetArrayItem(types, i);
    if (!cJSON_IsString(t)) {
        *st = error_set(PIXEEN_ERROR_FORMAT, "config: %s: block type %d is not a string", what, i);
        return false;
    }
    const char *s = t->valuestring;
    if (!strcmp(s, "CrossAttnDownBlock2D") || !strcmp(s, "CrossAttnUpBlock2D")) return true;
    if (!strcmp(s, "DownBlock2D") || !strcmp(s, "UpBlock2D")) return false;
    *st = error_set(PIXEEN_ERROR_UNSUPPORTED,
                    "config: %s: block type '%.40s' (expected CrossAttnDownBlock2D, DownBlock2D, "
                    "CrossAttnUpBlock2D or UpBlock2D)",
                    what, s);
    return false;
}

pixeen_status unet_config_from_json(const char *json, size_t len, const char *what, unet_config *c) {
    pixeen_status st;
    cJSON *root = parse_root(json, len, what, &st);
    if (!root) return st;
    memset(c, 0, sizeof *c);
    int heads[MODEL_MAX_LEVELS], head_dim_field[MODEL_MAX_LEVELS];
    if ((st = get_levels(root, what, &c->n_levels, c->block_out_channels))) goto fail;
    const cJSON *down = cJSON_GetObjectItemCaseSensitive(root, "down_block_types");
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(root, "up_block_types");
    if (!cJSON_IsArray(down) || !cJSON_IsArray(up) || cJSON_GetArraySize(down) != c->n_levels ||
        cJSON_GetArraySize(up) != c->n_levels) {
        st = error_set(PIXEEN_ERROR_FORMAT,
                       "config: %s: down_block_types/up_block_types must list %d block types", what,
                       c->n_levels);
        goto fail;
    }
    for (int i = 0; i < c->n_levels; i++) {
        c->down_cross_attn[i] = block_has_cross_attn(down, i, what, &st);
        if (st) goto fail;
        c->up_cross_attn[i] = block_has_cross_attn(up, i, what, &st);
        if (st) goto fail;
    }
    const cJSON *mid = cJSON_GetObjectItemCaseSensitive(root, "mid_block_type");
    c->mid_attention = !cJSON_IsString(mid) || !strcmp(mid->valuestring, "UNetMidBlock2DCrossAttn");
    int tlpb[MODEL_MAX_LEVELS];
    if ((st = get_int(root, "in_channels", 4, what, &c->in_channels)) ||
        (st = get_int(root, "out_channels", 4, what, &c->out_channels)) ||
        (st = get_int(root, "sample_size", 64, what, &c->sample_size)) ||
        (st = get_int(root, "layers_per_block", 2, what, &c->layers_per_block)) ||
        (st = get_int_per_level(root, "transformer_layers_per_block", 1, c->n_levels, what, tlpb)) ||
        (st = get_int_per_level(root, "attention_head_dim", 8, c->n_levels, what, head_dim_field)) ||
        (st = get_int_per_level(root, "num_attention_heads", 0, c->n_levels, what, heads)) ||
        (st = get_int(root, "cross_attention_dim", 1280, what, &c->cross_attention_dim)) ||
        (st = get_int(root, "norm_num_groups", 32, what, &c->norm_num_groups)) ||
        (st = get_int(root, "freq_shift", 0, what, &c->freq_shift)) ||
        (st = get_int(root, "addition_time_embed_dim", 0, what, &c->addition_time_embed_dim)) ||
        (st = get_int(root, "projection_class_embeddings_input_dim", 0, what,
                      &c->projection_class_embeddings_input_dim)) ||
        (st = get_float(root, "norm_eps", 1e-5f, what, &c->norm_eps)) ||
        (st = parse_act(cJSON_GetObjectItemCaseSensitive(root, "act_fn"), MODEL_ACT_SILU, what, &c->act_fn)))
        goto fail;
    if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "cross_attention_dim"))) {
        st = error_set(PIXEEN_ERROR_UNSUPPORTED, "config: %s: per-block cross_attention_dim", what);
        goto fail;
    }
    c->use_linear_projection = get_bool(root, "use_linear_projection", false);
    c->upcast_attention = get_bool(root, "upcast_attention", false);
    c->flip_sin_to_cos = get_bool(root, "flip_sin_to_cos", true);
    const cJSON *add = cJSON_GetObjectItemCaseSensitive(root, "addition_embed_type");
    if (cJSON_IsString(add) && strcmp(add->valuestring, "text_time")) {
        st = error_set(PIXEEN_ERROR_UNSUPPORTED, "config: %s: addition_embed_type '%.30s' (expected text_time)",
                       what, add->valuestring);
        goto fail;
    }
    if (!cJSON_IsString(add)) c->addition_time_embed_dim = c->projection_class_embeddings_input_dim = 0;
    cJSON_Delete(root);
    for (int i = 0; i < c->n_levels; i++) {
        c->transformer_depth[i] = tlpb[i];
        /* diffusers: num_attention_heads = num_attention_heads or attention_head_dim (a historical
         * naming mistake: SD 1.x's "attention_head_dim": 8 is the number of heads). */
        c->attention_heads[i] = heads[i] > 0 ? heads[i] : head_dim_field[i];
        c->attention_head_dim[i] =
            c->attention_heads[i] > 0 ? c->block_out_channels[i] / c->attention_heads[i] : 0;
    }
    c->mid_transformer_depth = c->transformer_depth[c->n_levels - 1];
    c->time_embed_dim = 4 * c->block_out_channels[0];
    return unet_config_validate(c, what);
fail:
    cJSON_Delete(root);
    return st;
}

pixeen_status vae_config_from_json(const char *json, size_t len, const char *what, vae_config *c) {
    pixeen_status st;
    cJSON *root = parse_root(json, len, what, &st);
    if (!root) return st;
    memset(c, 0, sizeof *c);
    if ((st = get_levels(root, what, &c->n_levels, c->block_out_channels)) ||
        (st = get_int(root, "in_channels", 3, what, &c->in_channels)) ||
        (st = get_int(root, "out_channels", 3, what, &c->out_channels)) ||
        (st = get_int(root, "latent_channels", 4, what, &c->latent_channels)) ||
        (st = get_int(root, "layers_per_block", 1, what, &c->layers_per_block)) ||
        (st = get_int(root, "norm_num_groups", 32, what, &c->norm_num_groups)) ||
        (st = get_int(root, "sample_size", 32, what, &c->sample_size)) ||
        (st = get_float(root, "scaling_factor", 0.18215f, what, &c->scaling_factor)) ||
        (st = parse_act(cJSON_GetObjectItemCaseSensitive(root, "act_fn"), MODEL_ACT_SILU, what, &c->act_fn))) {
        cJSON_Delete(root);
        return st;
    }
    cJSON_Delete(root);
    c->norm_eps = 1e-6f; /* AutoencoderKL's blocks hard-code eps=1e-6 */
    c->downscale = 1 << (c->n_levels - 1);
    return vae_config_validate(c, what);
}

static pixeen_status range(const char *what, const char *field, long v, long lo, long hi) {
    if (v < lo || v > hi)
        return error_set(PIXEEN_ERROR_MODEL, "config: %s: %s = %ld (expected %ld..%ld)", what, field, v, lo, hi);
    return PIXEEN_OK;
}

pixeen_status clip_config_validate(const clip_config *c, const char *what) {
    PX_TRY(range(what, "vocab_size", c->vocab_size, 1, MAX_VOCAB));
    PX_TRY(range(what, "hidden_size", c->hidden_size, 1, MAX_CHANNELS));
    PX_TRY(range(what, "intermediate_size", c->intermediate_size, 1, 4 * MAX_CHANNELS));
    PX_TRY(range(what, "num_hidden_layers", c->num_layers, 1, MAX_LAYERS));
    PX_TRY(range(what, "num_attention_heads", c->num_heads, 1, c->hidden_size));
    PX_TRY(range(what, "max_position_embeddings", c->max_positions, 1, MAX_POSITIONS));
    PX_TRY(range(what, "projection_dim", c->projection_dim, 1, MAX_CHANNELS));
    if (c->hidden_size % c->num_heads)
        return error_set(PIXEEN_ERROR_MODEL, "config: %s: hidden_size %d is not divisible by %d heads", what,
                         c->hidden_size, c->num_heads);
    if (!(c->layer_norm_eps > 0.0f && c->layer_norm_eps < 1.0f))
        return error_set(PIXEEN_ERROR_MODEL, "config: %s: layer_norm_eps %g (expected 0 < eps < 1)", what,
                         (double)c->layer_norm_eps);
    return PIXEEN_OK;
}

pixeen_status unet_config_validate(const unet_config *c, const char *what) {
    PX_TRY(range(what, "block levels", c->n_levels, 1, MODEL_MAX_LEVELS));
    PX_TRY(range(what, "in_channels", c->in_channels, 1, 64));
    PX_TRY(range(what, "out_channels", c->out_channels, 1, 64));
    PX_TRY(range(what, "sample_size", c->sample_size, 1, 4096));
    PX_TRY(range(what, "layers_per_block", c->layers_per_block, 1, MODEL_MAX_LAYERS_PER_BLOCK));
    PX_TRY(range(what, "cross_attention_dim", c->cross_attention_dim, 1, MAX_CHANNELS));
    PX_TRY(range(what, "norm_num_groups", c->norm_num_groups, 1, MAX_CHANNELS));
    PX_TRY(range(what, "addition_time_embed_dim", c->addition_time_embed_dim, 0, MAX_CHANNELS));
    PX_TRY(range(what, "projection_class_embeddings_input_dim", c->projection_class_embeddings_input_dim, 0,
                 MAX_CHANNELS));
    PX_TRY(range(what, "mid transformer depth", c->mid_transformer_depth, 1, MAX_LAYERS));
    for (int i = 0; i < c->n_levels; i++) {
        int ch = c->block_out_channels[i];
        PX_TRY(range(what, "block_out_channels[i]", ch, 1, MAX_CHANNELS));
        PX_TRY(range(what, "transformer_layers_per_block[i]", c->transformer_depth[i], 1, MAX_LAYERS));
        PX_TRY(range(what, "attention heads[i]", c->attention_heads[i], 1, ch));
        if (ch % c->norm_num_groups || ch % c->attention_heads[i])
            return error_set(PIXEEN_ERROR_MODEL,
                             "config: %s: level %d has %d channels, not divisible by %d norm groups and "
                             "%d heads",
                             what, i, ch, c->norm_num_groups, c->attention_heads[i]);
    }
    if (!(c->norm_eps > 0.0f && c->norm_eps < 1.0f))
        return error_set(PIXEEN_ERROR_MODEL, "config: %s: norm_eps %g (expected 0 < eps < 1)", what,
                         (double)c->norm_eps);
    return PIXEEN_OK;
}

pixeen_status vae_config_validate(const vae_config *c, const char *what) {
    PX_TRY(range(what, "block levels", c->n_levels, 1, MODEL_MAX_LEVELS));
    PX_TRY(range(what, "in_channels", c->in_channels, 1, 64));
    PX_TRY(range(what, "out_channels", c->out_channels, 1, 64));
    PX_TRY(range(what, "latent_channels", c->latent_channels, 1, 64));
    PX_TRY(range(what, "layers_per_block", c->layers_per_block, 1, MODEL_MAX_LAYERS_PER_BLOCK));
    PX_TRY(range(what, "norm_num_groups", c->norm_num_groups, 1, MAX_CHANNELS));
    PX_TRY(range(what, "sample_size", c->sample_size, 1, 16384));
    for (int i = 0; i < c->n_levels; i++) {
        PX_TRY(range(what, "block_out_channels[i]", c->block_out_channels[i], 1, MAX_CHANNELS));
        if (c->block_out_channels[i] % c->norm_num_groups)
            return error_set(PIXEEN_ERROR_MODEL, "config: %s: level %d: %d channels not divisible by %d groups",
                             what, i, c->block_out_channels[i], c->norm_num_groups);
    }
    if (!(c->scaling_factor > 0.0f && c->scaling_factor < 100.0f))
        return error_set(PIXEEN_ERROR_MODEL, "config: %s: scaling_factor %g", what, (double)c->scaling_factor);
    return PIXEEN_OK;
}

static void print_ints(FILE *out, const int *v, int n) {
    fputc('[', out);
    for (int i = 0; i < n; i++) fprintf(out, "%s%d", i ? ", " : "", v[i]);
    fputc(']', out);
}

static void print_bools(FILE *out, const bool *v, int n) {
    fputc('[', out);
    for (int i = 0; i < n; i++) fprintf(out, "%s%s", i ? ", " : "", v[i] ? "attn" : "-");
    fputc(']', out);
}

void clip_config_print(const clip_config *c, FILE *out) {
    fprintf(out, "    vocab %d, hidden %d, intermediate %d, layers %d, heads %d (dim %d), positions %d, "
                 "%s, eps %g",
            c->vocab_size, c->hidden_size, c->intermediate_size, c->num_layers, c->num_heads, c->head_dim,
            c->max_positions, model_act_name(c->hidden_act), (double)c->layer_norm_eps);
    if (c->has_projection) fprintf(out, ", projection %d", c->projection_dim);
    fputc('\n', out);
}

void unet_config_print(const unet_config *c, FILE *out) {
    fprintf(out, "    channels in %d out %d, block_out_channels ", c->in_channels, c->out_channels);
    print_ints(out, c->block_out_channels, c->n_levels);
    fprintf(out, ", layers_per_block %d\n    down ", c->layers_per_block);
    print_bools(out, c->down_cross_attn, c->n_levels);
    fprintf(out, ", up ");
    print_bools(out, c->up_cross_attn, c->n_levels);
    fprintf(out, ", transformer depth ");
    print_ints(out, c->transformer_depth, c->n_levels);
    fprintf(out, " mid %d, heads ", c->mid_attention ? c->mid_transformer_depth : 0);
    print_ints(out, c->attention_heads, c->n_levels);
    fprintf(out, " head dim ");
    print_ints(out, c->attention_head_dim, c->n_levels);
    fprintf(out, "\n    cross_attention_dim %d, %s projection, groups %d, eps %g, %s, time embed %d, "
                 "sample %d",
            c->cross_attention_dim, c->use_linear_projection ? "linear" : "conv", c->norm_num_groups,
            (double)c->norm_eps, model_act_name(c->act_fn), c->time_embed_dim, c->sample_size);
    if (c->addition_time_embed_dim)
        fprintf(out, ", text_time %d/%d", c->addition_time_embed_dim, c->projection_class_embeddings_input_dim);
    fputc('\n', out);
}

void vae_config_print(const vae_config *c, FILE *out) {
    fprintf(out, "    channels in %d out %d latent %d, block_out_channels ", c->in_channels, c->out_channels,
            c->latent_channels);
    print_ints(out, c->block_out_channels, c->n_levels);
    fprintf(out, ", layers_per_block %d, groups %d, eps %g, %s, scaling %g, downscale %d, sample %d\n",
            c->layers_per_block, c->norm_num_groups, (double)c->norm_eps, model_act_name(c->act_fn),
            (double)c->scaling_factor, c->downscale, c->sample_size);
}
