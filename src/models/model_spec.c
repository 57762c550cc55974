/* model_spec.c — expected tensors of CLIPTextModel, UNet2DConditionModel and AutoencoderKL, in
 * diffusers naming, computed from the configuration exactly as diffusers/transformers build the
 * modules (channel arithmetic of the up blocks included). Entry points: see model_spec.h. */
#include "models/model_spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct builder {
    spec_list *list;
    pixeen_status status;
} builder;

static void add(builder *b, int kind, int ndim, const int64_t *shape, const char *fmt, ...) PX_PRINTF(5, 6);
static void add(builder *b, int kind, int ndim, const int64_t *shape, const char *fmt, ...) {
    if (b->status) return;
    spec_list *l = b->list;
    if (l->count == l->capacity) {
        size_t cap = l->capacity ? l->capacity * 2 : 256;
        tensor_spec *items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            b->status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "spec: %zu tensors", cap);
            return;
        }
        l->items = items;
        l->capacity = cap;
    }
    tensor_spec *t = &l->items[l->count++];
    memset(t, 0, sizeof *t);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->name, sizeof t->name, fmt, ap);
    va_end(ap);
    t->ndim = ndim;
    t->kind = kind;
    t->fan_in = ndim >= 2 ? 1 : 0;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = shape[i];
        if (i > 0) t->fan_in *= shape[i];
    }
}

#define SHAPE(...) (const int64_t[]){__VA_ARGS__}
#define NDIM(...) ((int)(sizeof(SHAPE(__VA_ARGS__)) / sizeof(int64_t)))

/* Linear (weight [out, in] + optional bias [out]) */
static void linear(builder *b, const char *prefix, int64_t out, int64_t in, int bias) {
    add(b, SPEC_WEIGHT, 2, SHAPE(out, in), "%s.weight", prefix);
    if (bias) add(b, SPEC_BIAS, 1, SHAPE(out), "%s.bias", prefix);
}

static void conv(builder *b, const char *prefix, int64_t out, int64_t in, int64_t k) {
    add(b, SPEC_WEIGHT, 4, SHAPE(out, in, k, k), "%s.weight", prefix);
    add(b, SPEC_BIAS, 1, SHAPE(out), "%s.bias", prefix);
}

static void norm(builder *b, const char *prefix, int64_t ch) {
    add(b, SPEC_NORM_WEIGHT, 1, SHAPE(ch), "%s.weight", prefix);
    add(b, SPEC_NORM_BIAS, 1, SHAPE(ch), "%s.bias", prefix);
}

static void spec_list_reset(spec_list *l) {
    l->count = 0;
}

pixeen_status spec_clip(const clip_config *c, spec_list *out) {
    builder b = {out, PIXEEN_OK};
    spec_list_reset(out);
    int64_t h = c->hidden_size, in = c->intermediate_size;
    add(&b, SPEC_EMBEDDING, 2, SHAPE(c->vocab_size, h), "text_model.embeddings.token_embedding.weight");
    add(&b, SPEC_EMBEDDING, 2, SHAPE(c->max_positions, h), "text_model.embeddings.position_embedding.weight");
    char p[SPEC_NAME_MAX];
    for (int l = 0; l < c->num_layers; l++) {
        static const char *proj[] = {"q_proj", "k_proj", "v_proj", "out_proj"};
        for (int i = 0; i < 4; i++) {
            snprintf(p, sizeof p, "text_model.encoder.layers.%d.self_attn.%s", l, proj[i]);
            linear(&b, p, h, h, 1);
        }
        snprintf(p, sizeof p, "text_model.encoder.layers.%d.layer_norm1", l);
        norm(&b, p, h);
        snprintf(p, sizeof p, "text_model.encoder.layers.%d.mlp.fc1", l);
        linear(&b, p, in, h, 1);
        snprintf(p, sizeof p, "text_model.encoder.layers.%d.mlp.fc2", l);
        linear(&b, p, h, in, 1);
        snprintf(p, sizeof p, "text_model.encoder.layers.%d.layer_norm2", l);
        norm(&b, p, h);
    }
    norm(&b, "text_model.final_layer_norm", h);
    if (c->has_projection) linear(&b, "text_projection", c->projection_dim, h, 0);
    return b.status;
}

/* ResnetBlock2D: norm1, conv1, [time_emb_proj], norm2, conv2, [conv_shortcut when in != out]. */
static void resnet(builder *b, const char *prefix, int64_t in, int64_t out, int64_t temb) {
    char p[SPEC_NAME_MAX];
    snprintf(p, sizeof p, "%s.norm1", prefix);
    norm(b, p, in);
    snprintf(p, sizeof p, "%s.conv1", prefix);
    conv(b, p, out, in, 3);
    if (temb) {
        snprintf(p, sizeof p, "%s.time_emb_proj", prefix);
        linear(b, p, out, temb, 1);
    }
    snprintf(p, sizeof p, "%s.norm2", prefix);
    norm(b, p, out);
    snprintf(p, sizeof p, "%s.conv2", prefix);
    conv(b, p, out, out, 3);
    if (in != out) {
        snprintf(p, sizeof p, "%s.conv_shortcut", prefix);
        conv(b, p, out, in, 1);
    }
}

/* Transformer2DModel (continuous input): GroupNorm, proj_in, `depth` BasicTransformerBlocks
 * (self-attention, cross-attention, GEGLU feed-forward of inner width 4C), proj_out. */
static void transformer(builder *b, const char *prefix, int64_t ch, int depth, int64_t xdim, bool linear_proj) {
    char p[SPEC_NAME_MAX];
    snprintf(p, sizeof p, "%s.norm", prefix);
    norm(b, p, ch);
    snprintf(p, sizeof p, "%s.proj_in", prefix);
    if (linear_proj) linear(b, p, ch, ch, 1);
    else conv(b, p, ch, ch, 1);
    for (int d = 0; d < depth; d++) {
        char t[SPEC_NAME_MAX];
        for (int a = 1; a <= 2; a++) {
            int64_t kv = a == 1 ? ch : xdim;
            snprintf(t, sizeof t, "%s.transformer_blocks.%d.attn%d.to_q", prefix, d, a);
            linear(b, t, ch, ch, 0);
            snprintf(t, sizeof t, "%s.transformer_blocks.%d.attn%d.to_k", prefix, d, a);
            linear(b, t, ch, kv, 0);
            snprintf(t, sizeof t, "%s.transformer_blocks.%d.attn%d.to_v", prefix, d, a);
            linear(b, t, ch, kv, 0);
            snprintf(t, sizeof t, "%s.transformer_blocks.%d.attn%d.to_out.0", prefix, d, a);
            linear(b, t, ch, ch, 1);
        }
        snprintf(t, sizeof t, "%s.transformer_blocks.%d.ff.net.0.proj", prefix, d);
        linear(b, t, 8 * ch, ch, 1); /* GEGLU: value and gate, 4C each */
        snprintf(t, sizeof t, "%s.transformer_blocks.%d.ff.net.2", prefix, d);
        linear(b, t, ch, 4 * ch, 1);
        for (int n = 1; n <= 3; n++) {
            snprintf(t, sizeof t, "%s.transformer_blocks.%d.norm%d", prefix, d, n);
            norm(b, t, ch);
        }
    }
    snprintf(p, sizeof p, "%s.proj_out", prefix);
    if (linear_proj) linear(b, p, ch, ch, 1);
    else conv(b, p, ch, ch, 1);
}

pixeen_status spec_unet(const unet_config *c, spec_list *out) {
    builder b = {out, PIXEEN_OK};
    spec_list_reset(out);
    const int n = c->n_levels, L = c->layers_per_block;
    const int *boc = c->block_out_channels;
    const int64_t temb = c->time_embed_dim, x = c->cross_attention_dim;
    char p[SPEC_NAME_MAX];
    conv(&b, "conv_in", boc[0], c->in_channels, 3);
    linear(&b, "time_embedding.linear_1", temb, boc[0], 1);
    linear(&b, "time_embedding.linear_2", temb, temb, 1);
    if (c->addition_time_embed_dim) {
        linear(&b, "add_embedding.linear_1", temb, c->projection_class_embeddings_input_dim, 1);
        linear(&b, "add_embedding.linear_2", temb, temb, 1);
    }
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < L; j++) {
            int64_t in = j == 0 ? (i == 0 ? boc[0] : boc[i - 1]) : boc[i];
            snprintf(p, sizeof p, "down_blocks.%d.resnets.%d", i, j);
            resnet(&b, p, in, boc[i], temb);
            if (c->down_cross_attn[i]) {
                snprintf(p, sizeof p, "down_blocks.%d.attentions.%d", i, j);
                transformer(&b, p, boc[i], c->transformer_depth[i], x, c->use_linear_projection);
            }
        }
        if (i < n - 1) {
            snprintf(p, sizeof p, "down_blocks.%d.downsamplers.0.conv", i);
            conv(&b, p, boc[i], boc[i], 3);
        }
    }
    resnet(&b, "mid_block.resnets.0", boc[n - 1], boc[n - 1], temb);
    if (c->mid_attention)
        transformer(&b, "mid_block.attentions.0", boc[n - 1], c->mid_transformer_depth, x, c->use_linear_projection);
    resnet(&b, "mid_block.resnets.1", boc[n - 1], boc[n - 1], temb);
    for (int i = 0; i < n; i++) {
        int level = n - 1 - i; /* the down level this up block mirrors */
        int64_t prev_out = i == 0 ? boc[n - 1] : boc[n - i];
        int64_t out_ch = boc[level];
        int64_t in_ch = boc[level > 0 ? level - 1 : 0];
        for (int j = 0; j <= L; j++) {
            int64_t skip = j == L ? in_ch : out_ch;
            int64_t res_in = (j == 0 ? prev_out : out_ch) + skip;
            snprintf(p, sizeof p, "up_blocks.%d.resnets.%d", i, j);
            resnet(&b, p, res_in, out_ch, temb);
            if (c->up_cross_attn[i]) {
                snprintf(p, sizeof p, "up_blocks.%d.attentions.%d", i, j);
                transformer(&b, p, out_ch, c->transformer_depth[level], x, c->use_linear_projection);
            }
        }
        if (i < n - 1) {
            snprintf(p, sizeof p, "up_blocks.%d.upsamplers.0.conv", i);
            conv(&b, p, out_ch, out_ch, 3);
        }
    }
    norm(&b, "conv_norm_out", boc[0]);
    conv(&b, "conv_out", c->out_channels, boc[0], 3);
    return b.status;
}

/* AutoencoderKL's mid-block attention (diffusers >= 0.14 names): group_norm, to_q/k/v, to_out.0. */
static void vae_attention(builder *b, const char *prefix, int64_t ch) {
    char p[SPEC_NAME_MAX];
    snprintf(p, sizeof p, "%s.group_norm", prefix);
    norm(b, p, ch);
    static const char *names[] = {"to_q", "to_k", "to_v", "to_out.0"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s.%s", prefix, names[i]);
        linear(b, p, ch, ch, 1);
    }
}

pixeen_status spec_vae(const vae_config *c, spec_list *out) {
    builder b = {out, PIXEEN_OK};
    spec_list_reset(out);
    const int n = c->n_levels, L = c->layers_per_block;
    const int *boc = c->block_out_channels;
    const int64_t lat = c->latent_channels, top = boc[n - 1];
    char p[SPEC_NAME_MAX];
    conv(&b, "encoder.conv_in", boc[0], c->in_channels, 3);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < L; j++) {
            int64_t in = j == 0 ? (i == 0 ? boc[0] : boc[i - 1]) : boc[i];
            snprintf(p, sizeof p, "encoder.down_blocks.%d.resnets.%d", i, j);
            resnet(&b, p, in, boc[i], 0);
        }
        if (i < n - 1) {
            snprintf(p, sizeof p, "encoder.down_blocks.%d.downsamplers.0.conv", i);
            conv(&b, p, boc[i], boc[i], 3);
        }
    }
    resnet(&b, "encoder.mid_block.resnets.0", top, top, 0);
    vae_attention(&b, "encoder.mid_block.attentions.0", top);
    resnet(&b, "encoder.mid_block.resnets.1", top, top, 0);
    norm(&b, "encoder.conv_norm_out", top);
    conv(&b, "encoder.conv_out", 2 * lat, top, 3);
    conv(&b, "quant_conv", 2 * lat, 2 * lat, 1);
    conv(&b, "post_quant_conv", lat, lat, 1);
    conv(&b, "decoder.conv_in", top, lat, 3);
    resnet(&b, "decoder.mid_block.resnets.0", top, top, 0);
    vae_attention(&b, "decoder.mid_block.attentions.0", top);
    resnet(&b, "decoder.mid_block.resnets.1", top, top, 0);
    for (int i = 0; i < n; i++) {
        int64_t prev_out = i == 0 ? top : boc[n - i];
        int64_t out_ch = boc[n - 1 - i];
        for (int j = 0; j <= L; j++) {
            snprintf(p, sizeof p, "decoder.up_blocks.%d.resnets.%d", i, j);
            resnet(&b, p, j == 0 ? prev_out : out_ch, out_ch, 0);
        }
        if (i < n - 1) {
            snprintf(p, sizeof p, "decoder.up_blocks.%d.upsamplers.0.conv", i);
            conv(&b, p, out_ch, out_ch, 3);
        }
    }
    norm(&b, "decoder.conv_norm_out", boc[0]);
    conv(&b, "decoder.conv_out", c->out_channels, boc[0], 3);
    return b.status;
}

void spec_list_free(spec_list *list) {
    if (!list) return;
    free(list->items);
    memset(list, 0, sizeof *list);
}

uint64_t spec_list_parameters(const spec_list *list) {
    uint64_t total = 0;
    for (size_t i = 0; i < list->count; i++) {
        uint64_t n = 1;
        for (int d = 0; d < list->items[i].ndim; d++) n *= (uint64_t)list->items[i].shape[d];
        total += n;
    }
    return total;
}
