/* unet.c — see unet.h. Weight names follow diffusers (down_blocks.i.resnets.j.conv1, ...). */
#include <stdio.h>

#include "models/resnet.h"
#include "models/unet.h"

/* conv_in, then per down level its resnets and (but the last) a downsampler: bounded by the
 * config's limits (model_config.c checks levels and layers_per_block against these). */
#define MAX_SKIPS (1 + MODEL_MAX_LEVELS * (MODEL_MAX_LAYERS_PER_BLOCK + 1))

static tensor resnet(nn_graph *g, const unet_config *c, const char *p, const tensor *x, const tensor *emb_silu) {
    return resnet_block(g, p, x, emb_silu, c->norm_num_groups, c->norm_eps);
}

/* Attention with `to_q` from x and `to_k`/`to_v` from ctx (ctx = x for self-attention); the
 * residual add is fused into `to_out.0`. */
static tensor attention_block(nn_graph *g, const char *p, const tensor *x, const tensor *ctx, int heads,
                              const tensor *residual) {
    char q[192];
    snprintf(q, sizeof q, "%s.to_q", p);
    tensor qt = nn_linear(g, x, q, NULL);
    snprintf(q, sizeof q, "%s.to_k", p);
    tensor kt = nn_linear(g, ctx, q, NULL);
    snprintf(q, sizeof q, "%s.to_v", p);
    tensor vt = nn_linear(g, ctx, q, NULL);
    tensor a = nn_attention(g, &qt, &kt, &vt, heads, false);
    nn_release(g, &qt);
    nn_release(g, &kt);
    nn_release(g, &vt);
    snprintf(q, sizeof q, "%s.to_out.0", p);
    tensor out = nn_linear(g, &a, q, residual);
    nn_release(g, &a);
    return out;
}

/* Transformer2DModel: norm (GroupNorm, eps 1e-6), proj_in, BasicTransformerBlocks
 * (self-attention, cross-attention, GEGLU feed-forward; LayerNorm before each, residual after),
 * proj_out with the input added back. proj_in/out are 1x1 convolutions or linear layers: in NHWC
 * both are the same product over channels. */
static tensor transformer(nn_graph *g, const unet_config *c, const char *p, const tensor *x, const tensor *context,
                          int heads, int depth) {
    char q[160], r[192];
    int64_t B = x->shape[0], H = x->shape[1], W = x->shape[2], C = x->shape[3];
    snprintf(q, sizeof q, "%s.norm", p);
    /* diffusers' Transformer2DModel builds its GroupNorm with eps=1e-6, whatever the UNet's norm_eps. */
    tensor n = nn_group_norm(g, x, q, c->norm_num_groups, 1e-6f, false);
    tensor n3 = nn_view(n, 3, (const int64_t[]){B, H * W, C});
    snprintf(q, sizeof q, "%s.proj_in", p);
    tensor h = nn_linear(g, &n3, q, NULL);
    nn_release(g, &n);
    for (int d = 0; d < depth && g->status == PIXEEN_OK; d++) {
        snprintf(q, sizeof q, "%s.transformer_blocks.%d", p, d);
        snprintf(r, sizeof r, "%s.norm1", q);
        tensor t = nn_layer_norm(g, &h, r, 1e-5f);
        snprintf(r, sizeof r, "%s.attn1", q);
        tensor h1 = attention_block(g, r, &t, &t, heads, &h);
        nn_release(g, &t);
        nn_release(g, &h);
        snprintf(r, sizeof r, "%s.norm2", q);
        t = nn_layer_norm(g, &h1, r, 1e-5f);
        snprintf(r, sizeof r, "%s.attn2", q);
        tensor h2 = attention_block(g, r, &t, context, heads, &h1);
        nn_release(g, &t);
        nn_release(g, &h1);
        snprintf(r, sizeof r, "%s.norm3", q);
        t = nn_layer_norm(g, &h2, r, 1e-5f);
        snprintf(r, sizeof r, "%s.ff.net.0.proj", q);
        tensor f = nn_linear(g, &t, r, NULL); /* [B, T, 8C]: value and gate halves */
        nn_release(g, &t);
        tensor gg = nn_geglu(g, &f);
        nn_release(g, &f);
        snprintf(r, sizeof r, "%s.ff.net.2", q);
        h = nn_linear(g, &gg, r, &h2);
        nn_release(g, &gg);
        nn_release(g, &h2);
    }
    snprintf(q, sizeof q, "%s.proj_out", p);
    tensor x3 = nn_view(*x, 3, (const int64_t[]){B, H * W, C});
    tensor out = nn_linear(g, &h, q, &x3);
    nn_release(g, &h);
    return nn_view(out, 4, (const int64_t[]){B, H, W, C});
}

tensor unet_forward(nn_graph *g, const unet_config *c, const tensor *sample, const tensor *timesteps,
                    const tensor *context) {
    return unet_forward_added(g, c, sample, timesteps, context, NULL);
}

/* SDXL: add_embedding(concat(text_embeds [B, P], sinusoid(time_ids) [B, 6 * A])) -> [B, temb]. */
static tensor added_embedding(nn_graph *g, const unet_config *c, const unet_added_inputs *added) {
    const tensor *text = added->text_embeds;
    int64_t B = text->shape[0], P = text->shape[1], A = c->addition_time_embed_dim;
    tensor tt = nn_timestep_embedding(g, added->time_ids, (int)A, c->flip_sin_to_cos, (float)c->freq_shift);
    tensor t4 = nn_view(tt, 4, (const int64_t[]){B, 1, 1, 6 * A});
    tensor p4 = nn_view(*text, 4, (const int64_t[]){B, 1, 1, P});
    tensor cat = nn_concat_channels(g, &p4, &t4);
    nn_release(g, &tt);
    tensor cat2 = nn_view(cat, 2, (const int64_t[]){B, P + 6 * A});
    tensor a1 = nn_linear(g, &cat2, "add_embedding.linear_1", NULL);
    nn_release(g, &cat);
    tensor a1s = nn_silu(g, &a1);
    nn_release(g, &a1);
    tensor out = nn_linear(g, &a1s, "add_embedding.linear_2", NULL);
    nn_release(g, &a1s);
    return out;
}

tensor unet_forward_added(nn_graph *g, const unet_config *c, const tensor *sample, const tensor *timesteps,
                          const tensor *context, const unet_added_inputs *added) {
    if (c->addition_time_embed_dim && (!added || !added->text_embeds || !added->time_ids)) {
        nn_fail(g, error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "unet: this UNet (SDXL) needs text_embeds and time_ids"));
        return (tensor){0};
    }
    char p[128];
    const int n = c->n_levels, L = c->layers_per_block;
    /* The validator bounds levels and layers; a config that skipped it must still not overrun the list. */
    if (n < 1 || n > MODEL_MAX_LEVELS || L < 1 || 1 + n * (L + 1) > MAX_SKIPS) {
        nn_fail(g, error_set(PIXEEN_ERROR_MODEL, "unet: %d levels of %d resnets make more skip connections than the %d "
                                                 "a UNet may have (at most %d levels of %d)",
                             n, L, MAX_SKIPS, MODEL_MAX_LEVELS, MODEL_MAX_LAYERS_PER_BLOCK));
        return (tensor){0};
    }
    tensor skips[MAX_SKIPS];
    int nskips = 0;

    /* time embedding: linear_2(silu(linear_1(sinusoid(t)))); every ResNet block uses silu(emb). */
    tensor temb = nn_timestep_embedding(g, timesteps, c->block_out_channels[0], c->flip_sin_to_cos, (float)c->freq_shift);
    tensor t1 = nn_linear(g, &temb, "time_embedding.linear_1", NULL);
    nn_release(g, &temb);
    tensor t1s = nn_silu(g, &t1);
    nn_release(g, &t1);
    tensor emb = nn_linear(g, &t1s, "time_embedding.linear_2", NULL);
    nn_release(g, &t1s);
    if (c->addition_time_embed_dim) {
        tensor aug = added_embedding(g, c, added);
        tensor sum = nn_add(g, &emb, &aug); /* [B, temb]: emb + aug_emb */
        nn_release(g, &aug);
        nn_release(g, &emb);
        emb = sum;
    }
    tensor emb_silu = nn_silu(g, &emb);
    nn_release(g, &emb);

    tensor x = nn_conv2d(g, sample, "conv_in", 1, NULL);
    skips[nskips++] = x;
    for (int i = 0; i < n && g->status == PIXEEN_OK; i++) {
        for (int j = 0; j < L; j++) {
            snprintf(p, sizeof p, "down_blocks.%d.resnets.%d", i, j);
            tensor y = resnet(g, c, p, &x, &emb_silu);
            if (c->down_cross_attn[i]) {
                snprintf(p, sizeof p, "down_blocks.%d.attentions.%d", i, j);
                tensor z = transformer(g, c, p, &y, context, c->attention_heads[i], c->transformer_depth[i]);
                nn_release(g, &y);
                y = z;
            }
            x = y;
            skips[nskips++] = x; /* x stays alive as a skip; released when consumed */
        }
        if (i < n - 1) {
            snprintf(p, sizeof p, "down_blocks.%d.downsamplers.0.conv", i);
            x = nn_conv2d(g, &x, p, 2, NULL);
            skips[nskips++] = x;
        }
    }

    tensor m = resnet(g, c, "mid_block.resnets.0", &x, &emb_silu);
    if (c->mid_attention) {
        tensor z = transformer(g, c, "mid_block.attentions.0", &m, context, c->attention_heads[n - 1], c->mid_transformer_depth);
        nn_release(g, &m);
        m = z;
    }
    x = resnet(g, c, "mid_block.resnets.1", &m, &emb_silu);
    nn_release(g, &m);

    for (int i = 0; i < n && g->status == PIXEEN_OK; i++) {
        int level = n - 1 - i; /* the down level this up level mirrors */
        for (int j = 0; j < L + 1; j++) {
            tensor skip = skips[--nskips];
            tensor cat = nn_concat_channels(g, &x, &skip);
            nn_release(g, &x);
            nn_release(g, &skip);
            snprintf(p, sizeof p, "up_blocks.%d.resnets.%d", i, j);
            x = resnet(g, c, p, &cat, &emb_silu);
            nn_release(g, &cat);
            if (c->up_cross_attn[i]) {
                snprintf(p, sizeof p, "up_blocks.%d.attentions.%d", i, j);
                tensor z = transformer(g, c, p, &x, context, c->attention_heads[level], c->transformer_depth[level]);
                nn_release(g, &x);
                x = z;
            }
        }
        if (i < n - 1) {
            /* To the next skip's size, as diffusers passes upsample_size when the latent is not a
             * multiple of 2^(levels-1): the stride-2 convolutions rounded odd sizes up. */
            const tensor *next = &skips[nskips - 1];
            tensor u = nn_upsample_to(g, &x, next->shape[1], next->shape[2]);
            nn_release(g, &x);
            snprintf(p, sizeof p, "up_blocks.%d.upsamplers.0.conv", i);
            x = nn_conv2d(g, &u, p, 1, NULL);
            nn_release(g, &u);
        }
    }
    nn_release(g, &emb_silu);
    tensor h = nn_group_norm(g, &x, "conv_norm_out", c->norm_num_groups, c->norm_eps, true);
    nn_release(g, &x);
    tensor out = nn_conv2d(g, &h, "conv_out", 1, NULL);
    nn_release(g, &h);
    return out;
}
