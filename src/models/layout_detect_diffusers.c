/* layout_detect_diffusers.c — family and configuration of a single file (GGUF or safetensors) whose
 * tensors carry diffusers names, from its keys and shapes alone.
 *
 * The names people ship in one file:
 *   - stable-diffusion.cpp's converter run on a diffusers folder (`sd -M convert`, names not
 *     converted, its default) writes each component's file under a prefix: unet., vae., te. and
 *     te.1. (SDXL's second encoder); its loader also reads text_encoder., text_encoder.2., te2.;
 *   - UNet-only files (ComfyUI-GGUF's convert.py, diffusers' own single-file exports) keep the
 *     UNet's diffusers names with no prefix, or under model.diffusion_model.
 * The prefixes tried per component are the lists below, first match wins; a component none of
 * them holds is absent (model_require refuses it where it is needed).
 * Configuration as layout_detect.c derives it from original keys: levels, channels, layers per
 * block, attention placement and depth, context width, projections from shapes; the rest from the
 * family (layout_detect_finish). Family: SDXL when a second text encoder or the UNet's
 * add_embedding is present; SD 2.x when the context is 1024 wide or the transformers use linear
 * projections (SD 1.x uses 1x1 convolutions); SD 1.x otherwise. Diffusers' text encoders are the
 * Hugging Face CLIP layout for every family (SD 2.x's has its 23 used layers, gelu), so no
 * OpenCLIP unfusing is needed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "models/model.h"

static const char *const unet_prefixes[] = {"unet.", "model.diffusion_model.", ""};
static const char *const vae_prefixes[] = {"vae.", "first_stage_model."};
static const char *const te_prefixes[] = {"te.", "text_encoder.", "cond_stage_model.transformer."};
static const char *const te2_prefixes[] = {"te.1.", "text_encoder_2.", "text_encoder.2.", "te2."};

static const safetensors_tensor *get(const safetensors_file *f, const char *prefix, const char *fmt, ...)
    PX_PRINTF(3, 4);
static const safetensors_tensor *get(const safetensors_file *f, const char *prefix, const char *fmt, ...) {
    char key[LAYOUT_KEY_MAX];
    int n = snprintf(key, sizeof key, "%s", prefix);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key + n, sizeof key - (size_t)n, fmt, ap);
    va_end(ap);
    return safetensors_find(f, key);
}

/* Dimension d of a tensor, or -1 (absent, or fewer dimensions). Clamped to int range. */
static int dim(const safetensors_tensor *t, int d) {
    if (!t || d >= t->ndim || t->shape[d] > 1 << 30) return -1;
    return (int)t->shape[d];
}

/* The first prefix of `list` under which `probe` exists, or NULL. */
static const char *find_prefix(const safetensors_file *f, const char *const *list, size_t n, const char *probe) {
    for (size_t i = 0; i < n; i++)
        if (get(f, list[i], "%s", probe)) return list[i];
    return NULL;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define UNET_PROBE "down_blocks.0.resnets.0.conv1.weight"

bool layout_has_diffusers_names(const safetensors_file *f) {
    const char *p = find_prefix(f, unet_prefixes, COUNT(unet_prefixes), UNET_PROBE);
    return p && get(f, p, "conv_in.weight");
}

/* How many of head<0>tail, head<1>tail, ... exist under P, counting upwards from 0. */
static int count_indices(const safetensors_file *f, const char *P, const char *head, const char *tail, int max) {
    int n = 0;
    while (n < max && get(f, P, "%s%d%s", head, n, tail)) n++;
    return n;
}

static pixeen_status detect_unet(const safetensors_file *f, const char *P, int pooled, layout_detected *d) {
    unet_config *u = &d->unet;
    const char *path = safetensors_path(f);
    const safetensors_tensor *in = get(f, P, "conv_in.weight");
    if (dim(in, 3) < 0)
        return error_set(PIXEEN_ERROR_MODEL, "model: '%s': tensor '%sconv_in.weight' is not a 4-D convolution kernel",
                         path, P);
    u->in_channels = dim(in, 1);
    d->inpainting = u->in_channels == 9;
    int n = count_indices(f, P, "down_blocks.", ".resnets.0.conv1.weight", MODEL_MAX_LEVELS + 1);
    int L = count_indices(f, P, "down_blocks.0.resnets.", ".conv1.weight", 64);
    if (n < 1 || n > MODEL_MAX_LEVELS || L < 1)
        return error_set(PIXEEN_ERROR_MODEL, "model: '%s': UNet in diffusers names with %d down blocks of %d resnets "
                         "(expected 1..%d blocks)", path, n, L, MODEL_MAX_LEVELS);
    u->n_levels = n;
    u->layers_per_block = L;
    u->cross_attention_dim = -1;
    for (int i = 0; i < n; i++) {
        char head[LAYOUT_KEY_MAX];
        u->block_out_channels[i] = dim(get(f, P, "down_blocks.%d.resnets.0.conv2.weight", i), 0);
        u->down_cross_attn[i] = get(f, P, "down_blocks.%d.attentions.0.norm.weight", i) != NULL;
        u->transformer_depth[i] = 1;
        if (u->down_cross_attn[i]) {
            snprintf(head, sizeof head, "down_blocks.%d.attentions.0.transformer_blocks.", i);
            u->transformer_depth[i] = count_indices(f, P, head, ".norm1.weight", 64);
            const safetensors_tensor *k = get(f, P, "down_blocks.%d.attentions.0.transformer_blocks.0.attn2.to_k.weight", i);
            if (k && u->cross_attention_dim < 0) u->cross_attention_dim = dim(k, 1);
            const safetensors_tensor *p = get(f, P, "down_blocks.%d.attentions.0.proj_in.weight", i);
            u->use_linear_projection = p && p->ndim == 2;
        }
        u->up_cross_attn[i] = get(f, P, "up_blocks.%d.attentions.0.norm.weight", i) != NULL;
    }
    u->mid_attention = get(f, P, "mid_block.attentions.0.norm.weight") != NULL;
    u->mid_transformer_depth = 1;
    if (u->mid_attention) {
        u->mid_transformer_depth = count_indices(f, P, "mid_block.attentions.0.transformer_blocks.", ".norm1.weight", 64);
        const safetensors_tensor *k = get(f, P, "mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight");
        if (k && u->cross_attention_dim < 0) u->cross_attention_dim = dim(k, 1);
    }
    u->out_channels = dim(get(f, P, "conv_out.weight"), 0);
    u->time_embed_dim = dim(get(f, P, "time_embedding.linear_1.weight"), 0);
    const safetensors_tensor *label = get(f, P, "add_embedding.linear_1.weight");
    if (label) {
        /* SDXL: pooled text then six size/crop numbers of addition_time_embed_dim each (as
         * layout_detect.c: 2816 = 1280 + 6 x 256). */
        u->projection_class_embeddings_input_dim = dim(label, 1);
        if (pooled <= 0) pooled = 1280;
        int rest = u->projection_class_embeddings_input_dim - pooled;
        u->addition_time_embed_dim = rest > 0 && rest % 6 == 0 ? rest / 6 : 256;
    }
    return PIXEEN_OK;
}

static void detect_vae(const safetensors_file *f, const char *P, layout_detected *d) {
    vae_config *v = &d->vae;
    v->n_levels = count_indices(f, P, "encoder.down_blocks.", ".resnets.0.conv1.weight", MODEL_MAX_LEVELS);
    v->layers_per_block = count_indices(f, P, "encoder.down_blocks.0.resnets.", ".conv1.weight", 16);
    for (int i = 0; i < v->n_levels; i++)
        v->block_out_channels[i] = dim(get(f, P, "encoder.down_blocks.%d.resnets.0.conv2.weight", i), 0);
    v->in_channels = dim(get(f, P, "encoder.conv_in.weight"), 1);
    v->out_channels = dim(get(f, P, "decoder.conv_out.weight"), 0);
    v->latent_channels = dim(get(f, P, "decoder.conv_in.weight"), 1);
}

pixeen_status layout_detect_diffusers(const safetensors_file *f, layout_detected *d) {
    memset(d, 0, sizeof *d);
    d->diffusers_names = true;
    const char *te_probe = "text_model.embeddings.token_embedding.weight";
    d->prefix[MODEL_UNET] = find_prefix(f, unet_prefixes, COUNT(unet_prefixes), UNET_PROBE);
    d->prefix[MODEL_VAE] = find_prefix(f, vae_prefixes, COUNT(vae_prefixes), "encoder.conv_in.weight");
    d->prefix[MODEL_TEXT_ENCODER] = find_prefix(f, te_prefixes, COUNT(te_prefixes), te_probe);
    d->prefix[MODEL_TEXT_ENCODER_2] = find_prefix(f, te2_prefixes, COUNT(te2_prefixes), te_probe);
    if (!d->prefix[MODEL_UNET])
        return error_set(PIXEEN_ERROR_INTERNAL, "model: '%s': no UNet in diffusers names", safetensors_path(f));
    const char *T2 = d->prefix[MODEL_TEXT_ENCODER_2];
    /* [projection, hidden]: nn.Linear's weight (the original layout stores its transpose) */
    const safetensors_tensor *proj = T2 ? get(f, T2, "text_projection.weight") : NULL;
    PX_TRY(detect_unet(f, d->prefix[MODEL_UNET], dim(proj, 0), d));
    d->present[MODEL_UNET] = true;
    const unet_config *u = &d->unet;
    if (T2 || u->projection_class_embeddings_input_dim > 0 || u->cross_attention_dim == 2048)
        d->family = MODEL_FAMILY_SDXL;
    else if (u->cross_attention_dim == 1024 || u->use_linear_projection)
        d->family = MODEL_FAMILY_SD2;
    else
        d->family = MODEL_FAMILY_SD1;
    if (d->prefix[MODEL_VAE]) {
        d->present[MODEL_VAE] = true;
        detect_vae(f, d->prefix[MODEL_VAE], d);
    }
    if (d->prefix[MODEL_TEXT_ENCODER]) {
        clip_config *c = &d->clip[0];
        d->present[MODEL_TEXT_ENCODER] = layout_detect_clip_hf(f, d->prefix[MODEL_TEXT_ENCODER], c);
        if (d->family == MODEL_FAMILY_SD2) c->hidden_act = MODEL_ACT_GELU; /* OpenCLIP ViT-H in HF names */
    }
    if (T2 && d->family == MODEL_FAMILY_SDXL) {
        clip_config *c = &d->clip[1];
        d->present[MODEL_TEXT_ENCODER_2] = layout_detect_clip_hf(f, T2, c);
        c->hidden_act = MODEL_ACT_GELU; /* OpenCLIP bigG */
        c->has_projection = proj != NULL;
        if (proj) c->projection_dim = dim(proj, 0);
    }
    return layout_detect_finish(safetensors_path(f), d);
}
