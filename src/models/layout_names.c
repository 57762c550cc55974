/* layout_names.c — diffusers name -> original single-file key, per network (see layout_names.h).
 * The rules are those of diffusers' convert_from_ckpt.py, run in the opposite direction: the
 * UNet's input_blocks/middle_block/output_blocks numbering follows from layers_per_block, the
 * VAE's decoder levels are reversed, OpenCLIP's attention is fused. */
#include "models/layout_names.h"

#include <stdio.h>
#include <string.h>

const char *model_family_name(model_family family) {
    switch (family) {
    case MODEL_FAMILY_SD1: return "SD 1.x";
    case MODEL_FAMILY_SD2: return "SD 2.x";
    case MODEL_FAMILY_SDXL: return "SDXL";
    default: return "unknown";
    }
}

const char *model_component_name(model_component component) {
    static const char *names[MODEL_COMPONENT_COUNT] = {"text_encoder", "text_encoder_2", "unet", "vae"};
    return (unsigned)component < MODEL_COMPONENT_COUNT ? names[component] : "?";
}

const char *layout_component_prefix(model_family family, model_component component) {
    switch (component) {
    case MODEL_UNET: return "model.diffusion_model.";
    case MODEL_VAE: return "first_stage_model.";
    case MODEL_TEXT_ENCODER:
        if (family == MODEL_FAMILY_SD2) return "cond_stage_model.model.";
        if (family == MODEL_FAMILY_SDXL) return "conditioner.embedders.0.transformer.";
        return "cond_stage_model.transformer.";
    case MODEL_TEXT_ENCODER_2: return "conditioner.embedders.1.model.";
    default: return "";
    }
}

/* "<head><n>." at the start of s: returns the index and sets *rest, or -1. */
static int match_index(const char *s, const char *head, const char **rest) {
    size_t len = strlen(head);
    if (strncmp(s, head, len)) return -1;
    s += len;
    if (*s < '0' || *s > '9') return -1;
    int v = 0;
    while (*s >= '0' && *s <= '9' && v < 100000) v = v * 10 + (*s++ - '0');
    if (*s != '.') return -1;
    *rest = s + 1;
    return v;
}

static bool starts(const char *s, const char *head, const char **rest) {
    size_t len = strlen(head);
    if (strncmp(s, head, len)) return false;
    *rest = s + len;
    return true;
}

/* UNet ResnetBlock2D part names. */
static const char *unet_resnet_part(const char *rest, char *buf, size_t size) {
    static const char *map[][2] = {{"norm1.", "in_layers.0."},   {"conv1.", "in_layers.2."},
                                   {"time_emb_proj.", "emb_layers.1."}, {"norm2.", "out_layers.0."},
                                   {"conv2.", "out_layers.3."},  {"conv_shortcut.", "skip_connection."}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const char *tail;
        if (starts(rest, map[i][0], &tail)) {
            snprintf(buf, size, "%s%s", map[i][1], tail);
            return buf;
        }
    }
    return NULL;
}

static bool map_unet(const unet_config *u, const char *name, char *key, size_t size) {
    const int L = u->layers_per_block;
    const char *rest;
    char part[SPEC_NAME_MAX];
    int i, j;
    static const char *simple[][2] = {{"conv_in.", "input_blocks.0.0."},
                                      {"time_embedding.linear_1.", "time_embed.0."},
                                      {"time_embedding.linear_2.", "time_embed.2."},
                                      {"add_embedding.linear_1.", "label_emb.0.0."},
                                      {"add_embedding.linear_2.", "label_emb.0.2."},
                                      {"conv_norm_out.", "out.0."},
                                      {"conv_out.", "out.2."}};
    for (size_t k = 0; k < sizeof simple / sizeof simple[0]; k++)
        if (starts(name, simple[k][0], &rest)) {
            snprintf(key, size, "%s%s", simple[k][1], rest);
            return true;
        }
    if ((i = match_index(name, "down_blocks.", &rest)) >= 0) {
        const char *r2;
        if ((j = match_index(rest, "resnets.", &r2)) >= 0) {
            if (!unet_resnet_part(r2, part, sizeof part)) return false;
            snprintf(key, size, "input_blocks.%d.0.%s", 1 + i * (L + 1) + j, part);
            return true;
        }
        if ((j = match_index(rest, "attentions.", &r2)) >= 0) {
            snprintf(key, size, "input_blocks.%d.1.%s", 1 + i * (L + 1) + j, r2);
            return true;
        }
        if (starts(rest, "downsamplers.0.conv.", &r2)) {
            snprintf(key, size, "input_blocks.%d.0.op.%s", (i + 1) * (L + 1), r2);
            return true;
        }
        return false;
    }
    if ((j = match_index(name, "mid_block.resnets.", &rest)) >= 0) {
        if (!unet_resnet_part(rest, part, sizeof part)) return false;
        snprintf(key, size, "middle_block.%d.%s", j == 0 ? 0 : (u->mid_attention ? 2 : 1), part);
        return true;
    }
    if (starts(name, "mid_block.attentions.0.", &rest)) {
        snprintf(key, size, "middle_block.1.%s", rest);
        return true;
    }
    if ((i = match_index(name, "up_blocks.", &rest)) >= 0 && i < MODEL_MAX_LEVELS) {
        const char *r2;
        if ((j = match_index(rest, "resnets.", &r2)) >= 0) {
            if (!unet_resnet_part(r2, part, sizeof part)) return false;
            snprintf(key, size, "output_blocks.%d.0.%s", i * (L + 1) + j, part);
            return true;
        }
        if ((j = match_index(rest, "attentions.", &r2)) >= 0) {
            snprintf(key, size, "output_blocks.%d.1.%s", i * (L + 1) + j, r2);
            return true;
        }
        if (starts(rest, "upsamplers.0.conv.", &r2)) {
            snprintf(key, size, "output_blocks.%d.%d.conv.%s", i * (L + 1) + L, u->up_cross_attn[i] ? 2 : 1, r2);
            return true;
        }
    }
    return false;
}

static bool map_vae_resnet(const char *rest, char *buf, size_t size) {
    const char *tail;
    if (starts(rest, "conv_shortcut.", &tail)) snprintf(buf, size, "nin_shortcut.%s", tail);
    else snprintf(buf, size, "%s", rest);
    return true;
}

/* Returns true when mapped; *conv1x1 when the original stores a linear as a 1x1 convolution. */
static bool map_vae(const vae_config *v, const char *name, char *key, size_t size, bool *conv1x1) {
    const char *rest, *r2;
    char part[SPEC_NAME_MAX];
    int i, j;
    *conv1x1 = false;
    for (int side = 0; side < 2; side++) {
        const char *coder = side ? "decoder." : "encoder.";
        if (!starts(name, coder, &rest)) continue;
        if ((j = match_index(rest, "mid_block.resnets.", &r2)) >= 0) {
            map_vae_resnet(r2, part, sizeof part);
            snprintf(key, size, "%smid.block_%d.%s", coder, j + 1, part);
            return true;
        }
        if (starts(rest, "mid_block.attentions.0.", &r2)) {
            static const char *attn[][2] = {{"group_norm.", "norm."}, {"to_q.", "q."}, {"to_k.", "k."},
                                            {"to_v.", "v."},          {"to_out.0.", "proj_out."}};
            for (size_t k = 0; k < sizeof attn / sizeof attn[0]; k++) {
                const char *tail;
                if (starts(r2, attn[k][0], &tail)) {
                    snprintf(key, size, "%smid.attn_1.%s%s", coder, attn[k][1], tail);
                    *conv1x1 = k > 0 && !strcmp(tail, "weight");
                    return true;
                }
            }
            return false;
        }
        if (starts(rest, "conv_norm_out.", &r2)) {
            snprintf(key, size, "%snorm_out.%s", coder, r2);
            return true;
        }
        if (starts(rest, "conv_in.", &r2) || starts(rest, "conv_out.", &r2)) {
            snprintf(key, size, "%s", name);
            return true;
        }
        const char *blocks = side ? "up_blocks." : "down_blocks.";
        if ((i = match_index(rest, blocks, &r2)) >= 0 && i < v->n_levels) {
            int level = side ? v->n_levels - 1 - i : i; /* the original decoder counts upwards */
            const char *o = side ? "up" : "down";
            const char *r3;
            if ((j = match_index(r2, "resnets.", &r3)) >= 0) {
                map_vae_resnet(r3, part, sizeof part);
                snprintf(key, size, "%s%s.%d.block.%d.%s", coder, o, level, j, part);
                return true;
            }
            if (starts(r2, side ? "upsamplers.0.conv." : "downsamplers.0.conv.", &r3)) {
                snprintf(key, size, "%s%s.%d.%s.conv.%s", coder, o, level, side ? "upsample" : "downsample", r3);
                return true;
            }
        }
        return false;
    }
    if (starts(name, "quant_conv.", &rest) || starts(name, "post_quant_conv.", &rest)) {
        snprintf(key, size, "%s", name);
        return true;
    }
    return false;
}

/* OpenCLIP text tower (SD 2.x, SDXL's second encoder). */
static bool map_openclip(const clip_config *c, const char *name, original_ref *out) {
    const char *rest, *r2;
    int l;
    char *key = out->key;
    size_t size = sizeof out->key;
    if (!strcmp(name, "text_model.embeddings.token_embedding.weight")) snprintf(key, size, "token_embedding.weight");
    else if (!strcmp(name, "text_model.embeddings.position_embedding.weight"))
        snprintf(key, size, "positional_embedding");
    else if (starts(name, "text_model.final_layer_norm.", &rest)) snprintf(key, size, "ln_final.%s", rest);
    else if (!strcmp(name, "text_projection.weight")) {
        snprintf(key, size, "text_projection");
        out->transpose = true;
        out->shape[0] = c->hidden_size;
        out->shape[1] = c->projection_dim;
    } else if ((l = match_index(name, "text_model.encoder.layers.", &rest)) >= 0) {
        static const char *qkv[] = {"self_attn.q_proj.", "self_attn.k_proj.", "self_attn.v_proj."};
        for (int p = 0; p < 3; p++)
            if (starts(rest, qkv[p], &r2)) {
                bool weight = !strcmp(r2, "weight");
                snprintf(key, size, "transformer.resblocks.%d.attn.in_proj_%s", l, weight ? "weight" : "bias");
                uint64_t h = (uint64_t)c->hidden_size;
                out->element_offset = (uint64_t)p * (weight ? h * h : h);
                out->shape[0] = 3 * (int64_t)h;
                return true;
            }
        static const char *parts[][2] = {{"self_attn.out_proj.", "attn.out_proj."}, {"layer_norm1.", "ln_1."},
                                         {"layer_norm2.", "ln_2."},                  {"mlp.fc1.", "mlp.c_fc."},
                                         {"mlp.fc2.", "mlp.c_proj."}};
        for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
            if (starts(rest, parts[k][0], &r2)) {
                snprintf(key, size, "transformer.resblocks.%d.%s%s", l, parts[k][1], r2);
                return true;
            }
        return false;
    } else
        return false;
    return true;
}

pixeen_status layout_original_ref(const layout_context *ctx, model_component component,
                                  const tensor_spec *spec, original_ref *out) {
    memset(out, 0, sizeof *out);
    out->ndim = spec->ndim;
    for (int d = 0; d < spec->ndim; d++) out->shape[d] = spec->shape[d];
    const char *prefix = layout_component_prefix(ctx->family, component);
    char local[LAYOUT_KEY_MAX] = "";
    bool ok = false, conv1x1 = false;
    bool openclip = (component == MODEL_TEXT_ENCODER && ctx->family == MODEL_FAMILY_SD2) ||
                    component == MODEL_TEXT_ENCODER_2;
    if (component == MODEL_UNET) ok = ctx->unet && map_unet(ctx->unet, spec->name, local, sizeof local);
    else if (component == MODEL_VAE) ok = ctx->vae && map_vae(ctx->vae, spec->name, local, sizeof local, &conv1x1);
    else if (openclip) {
        ok = ctx->clip && map_openclip(ctx->clip, spec->name, out);
        snprintf(local, sizeof local, "%s", out->key);
    } else {
        snprintf(local, sizeof local, "%s", spec->name);
        ok = true;
    }
    if (!ok)
        return error_set(PIXEEN_ERROR_INTERNAL, "layout: no original key for %s tensor '%s'",
                         model_component_name(component), spec->name);
    if (conv1x1) {
        out->ndim = 4;
        out->shape[2] = out->shape[3] = 1;
    }
    int n = snprintf(out->key, sizeof out->key, "%s%s", prefix, local);
    if (n < 0 || (size_t)n >= sizeof out->key)
        return error_set(PIXEEN_ERROR_INTERNAL, "layout: key for '%s' too long", spec->name);
    return PIXEEN_OK;
}
