/* layout_detect.c — family and network configuration of a single-file original-layout checkpoint,
 * from its keys and shapes alone.
 *
 * Family: SDXL if it has the second text encoder (conditioner.embedders.1) or the UNet's
 * label_emb; SD 2.x if its text encoder is OpenCLIP (cond_stage_model.model); SD 1.x if it is
 * OpenAI CLIP (cond_stage_model.transformer); without a text encoder, by the UNet's context width
 * (768 / 1024 / 2048). Inpainting: a UNet with 9 input channels.
 * Configuration: levels, channels, layers per block, attention placement and transformer depth,
 * context width, linear or conv projections, MLP widths, vocabulary and positions all come from
 * shapes. What shapes cannot tell comes from the family: heads (SD 1.x: 8 per level; SD 2.x/SDXL:
 * 64-wide heads; CLIP: 64-wide heads), eps, activations, the VAE scaling factor, sample sizes.
 * Test models narrower than 64 channels (the fixtures') use 8-wide heads; real ones never are.
 * SD 2.x keeps 23 of OpenCLIP's 24 layers (it conditions on the penultimate layer, as diffusers'
 * conversion does); the 24th is an extra. v-prediction (SD 2.x 768-v) cannot be seen in weights.
 * Entry point: layout_detect. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "models/model.h"

static const safetensors_tensor *get(const safetensors_file *f, const char *fmt, ...) PX_PRINTF(2, 3);
static const safetensors_tensor *get(const safetensors_file *f, const char *fmt, ...) {
    char key[LAYOUT_KEY_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key, sizeof key, fmt, ap);
    va_end(ap);
    return safetensors_find(f, key);
}

/* Dimension d of a tensor, or -1 (absent, or fewer dimensions). Clamped to int range. */
static int dim(const safetensors_tensor *t, int d) {
    if (!t || d >= t->ndim || t->shape[d] > 1 << 30) return -1;
    return (int)t->shape[d];
}

/* 64-wide heads for real models; 8-wide for tiny test models (see the file comment). */
static int heads_for(int channels) {
    int width = channels >= 64 ? 64 : 8;
    return channels >= width ? channels / width : 1;
}

#define U "model.diffusion_model."
#define V "first_stage_model."

static pixeen_status detect_unet(const safetensors_file *f, layout_detected *d) {
    unet_config *u = &d->unet;
    const safetensors_tensor *in = get(f, U "input_blocks.0.0.weight");
    if (!in || in->ndim != 4)
        return error_set(PIXEEN_ERROR_MODEL,
                         "model: '%s' has no UNet (%sinput_blocks.0.0.weight): not a Stable Diffusion "
                         "checkpoint in the original layout (a LoRA, a VAE, or one diffusers component?)",
                         safetensors_path(f), U);
    u->in_channels = dim(in, 1);
    d->inpainting = u->in_channels == 9;
    int last = 0, first_op = -1;
    for (int i = 1; i < 64; i++) {
        bool res = get(f, U "input_blocks.%d.0.in_layers.0.weight", i) != NULL;
        bool op = get(f, U "input_blocks.%d.0.op.weight", i) != NULL;
        if (!res && !op) break;
        last = i;
        if (op && first_op < 0) first_op = i;
    }
    if (last == 0)
        return error_set(PIXEEN_ERROR_MODEL, "model: '%s': UNet has no input blocks after the first",
                         safetensors_path(f));
    int L = first_op > 0 ? first_op - 1 : last;
    int n = (last + 1) / (L + 1);
    if (L < 1 || n < 1 || n > MODEL_MAX_LEVELS || n * (L + 1) != last + 1)
        return error_set(PIXEEN_ERROR_MODEL,
                         "model: '%s': UNet input blocks 1..%d do not form levels of equal size (first "
                         "downsampler at %d)",
                         safetensors_path(f), last, first_op);
    u->n_levels = n;
    u->layers_per_block = L;
    u->cross_attention_dim = -1;
    for (int i = 0; i < n; i++) {
        int b = 1 + i * (L + 1);
        u->block_out_channels[i] = dim(get(f, U "input_blocks.%d.0.out_layers.3.weight", b), 0);
        u->down_cross_attn[i] = get(f, U "input_blocks.%d.1.norm.weight", b) != NULL;
        u->transformer_depth[i] = 1;
        if (u->down_cross_attn[i]) {
            int t = 0;
            while (t < 64 && get(f, U "input_blocks.%d.1.transformer_blocks.%d.norm1.weight", b, t)) t++;
            u->transformer_depth[i] = t;
            const safetensors_tensor *k = get(f, U "input_blocks.%d.1.transformer_blocks.0.attn2.to_k.weight", b);
            if (k && u->cross_attention_dim < 0) u->cross_attention_dim = dim(k, 1);
            const safetensors_tensor *p = get(f, U "input_blocks.%d.1.proj_in.weight", b);
            u->use_linear_projection = p && p->ndim == 2;
        }
        u->up_cross_attn[n - 1 - i] = get(f, U "output_blocks.%d.1.norm.weight", (n - 1 - i) * (L + 1)) != NULL;
    }
    u->mid_attention = get(f, U "middle_block.1.norm.weight") != NULL;
    u->mid_transformer_depth = 1;
    if (u->mid_attention) {
        int t = 0;
        while (t < 64 && get(f, U "middle_block.1.transformer_blocks.%d.norm1.weight", t)) t++;
        u->mid_transformer_depth = t;
        const safetensors_tensor *k = get(f, U "middle_block.1.transformer_blocks.0.attn2.to_k.weight");
        if (k && u->cross_attention_dim < 0) u->cross_attention_dim = dim(k, 1);
    }
    u->out_channels = dim(get(f, U "out.2.weight"), 0);
    u->time_embed_dim = dim(get(f, U "time_embed.0.weight"), 0);
    const safetensors_tensor *label = get(f, U "label_emb.0.0.weight");
    if (label) {
        /* SDXL: the input is the pooled text (the second encoder's projection width) followed by
         * six size/crop numbers of addition_time_embed_dim each: 2816 = 1280 + 6 x 256. */
        u->projection_class_embeddings_input_dim = dim(label, 1);
        int pooled = dim(get(f, "conditioner.embedders.1.model.text_projection"), 1);
        if (pooled <= 0) pooled = 1280;
        int rest = u->projection_class_embeddings_input_dim - pooled;
        u->addition_time_embed_dim = rest > 0 && rest % 6 == 0 ? rest / 6 : 256;
    }
    return PIXEEN_OK;
}

static void detect_vae(const safetensors_file *f, layout_detected *d) {
    vae_config *v = &d->vae;
    d->present[MODEL_VAE] = get(f, V "encoder.conv_in.weight") != NULL;
    if (!d->present[MODEL_VAE]) return;
    int n = 0, L = 0;
    while (n < MODEL_MAX_LEVELS && get(f, V "encoder.down.%d.block.0.conv1.weight", n)) n++;
    while (L < 16 && get(f, V "encoder.down.0.block.%d.conv1.weight", L)) L++;
    v->n_levels = n;
    v->layers_per_block = L;
    for (int i = 0; i < n; i++) v->block_out_channels[i] = dim(get(f, V "encoder.down.%d.block.0.conv2.weight", i), 0);
    v->in_channels = dim(get(f, V "encoder.conv_in.weight"), 1);
    v->out_channels = dim(get(f, V "decoder.conv_out.weight"), 0);
    v->latent_channels = dim(get(f, V "decoder.conv_in.weight"), 1);
}

/* OpenAI CLIP in Hugging Face layout under `prefix` (SD 1.x, SDXL's first encoder; every encoder of
 * a file in diffusers names). */
bool layout_detect_clip_hf(const safetensors_file *f, const char *prefix, clip_config *c) {
    const safetensors_tensor *tok = get(f, "%stext_model.embeddings.token_embedding.weight", prefix);
    if (!tok) return false;
    c->vocab_size = dim(tok, 0);
    c->hidden_size = dim(tok, 1);
    c->max_positions = dim(get(f, "%stext_model.embeddings.position_embedding.weight", prefix), 0);
    while (c->num_layers < 256 && get(f, "%stext_model.encoder.layers.%d.layer_norm1.weight", prefix, c->num_layers))
        c->num_layers++;
    c->intermediate_size = dim(get(f, "%stext_model.encoder.layers.0.mlp.fc1.weight", prefix), 0);
    c->num_heads = heads_for(c->hidden_size);
    c->hidden_act = MODEL_ACT_QUICK_GELU;
    c->projection_dim = c->hidden_size;
    return true;
}

/* OpenCLIP text tower under `prefix` (SD 2.x, SDXL's second encoder). */
static bool detect_openclip(const safetensors_file *f, const char *prefix, bool keep_last, clip_config *c) {
    const safetensors_tensor *tok = get(f, "%stoken_embedding.weight", prefix);
    if (!tok) return false;
    c->vocab_size = dim(tok, 0);
    c->hidden_size = dim(tok, 1);
    c->max_positions = dim(get(f, "%spositional_embedding", prefix), 0);
    while (c->num_layers < 256 && get(f, "%stransformer.resblocks.%d.ln_1.weight", prefix, c->num_layers))
        c->num_layers++;
    if (!keep_last && c->num_layers > 1) c->num_layers--;
    c->intermediate_size = dim(get(f, "%stransformer.resblocks.0.mlp.c_fc.weight", prefix), 0);
    c->num_heads = heads_for(c->hidden_size);
    c->hidden_act = MODEL_ACT_GELU;
    const safetensors_tensor *proj = get(f, "%stext_projection", prefix);
    c->has_projection = keep_last && proj;
    c->projection_dim = proj ? dim(proj, 1) : c->hidden_size;
    return true;
}

/* Checkpoints of families Pixeen does not run, recognised by a key only they have, so the error
 * names what the file is instead of "no UNet". */
static pixeen_status refuse_other_families(const safetensors_file *f) {
    static const struct {
        const char *key, *what;
    } others[] = {
        {U "joint_blocks.0.x_block.attn.qkv.weight", "Stable Diffusion 3 (MMDiT)"},
        {U "double_blocks.0.img_attn.qkv.weight", "Flux"},
        {"double_blocks.0.img_attn.qkv.weight", "Flux"},
        {U "transformer_blocks.0.attn.to_q.weight", "a diffusion transformer (PixArt-like)"},
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (safetensors_find(f, others[i].key))
            return error_set(PIXEEN_ERROR_UNSUPPORTED,
                             "model: '%s' is a %s checkpoint (it has '%s'); Pixeen runs SD 1.x, SD 2.x and SDXL",
                             safetensors_path(f), others[i].what, others[i].key);
    /* the SDXL refiner: the UNet's added embedding, but only OpenCLIP bigG as embedders.0 */
    if (get(f, U "label_emb.0.0.weight") && get(f, "conditioner.embedders.0.model.token_embedding.weight") &&
        !get(f, "conditioner.embedders.1.model.token_embedding.weight"))
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "model: '%s' is an SDXL refiner (one OpenCLIP text encoder, aesthetic-score conditioning); "
                         "Pixeen runs SDXL base models, not the refiner",
                         safetensors_path(f));
    return PIXEEN_OK;
}

pixeen_status layout_detect(const safetensors_file *f, layout_detected *d) {
    memset(d, 0, sizeof *d);
    PX_TRY(refuse_other_families(f));
    if (layout_has_diffusers_names(f)) return layout_detect_diffusers(f, d);
    bool te2 = get(f, "conditioner.embedders.1.model.token_embedding.weight") != NULL;
    if (te2 || get(f, U "label_emb.0.0.weight")) d->family = MODEL_FAMILY_SDXL;
    else if (get(f, "cond_stage_model.model.token_embedding.weight")) d->family = MODEL_FAMILY_SD2;
    else if (get(f, "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"))
        d->family = MODEL_FAMILY_SD1;
    PX_TRY(detect_unet(f, d));
    d->present[MODEL_UNET] = true;
    if (d->family == MODEL_FAMILY_UNKNOWN) {
        int x = d->unet.cross_attention_dim;
        d->family = x == 2048 ? MODEL_FAMILY_SDXL : x == 1024 ? MODEL_FAMILY_SD2 : MODEL_FAMILY_SD1;
    }
    detect_vae(f, d);
    clip_config *c0 = &d->clip[0], *c1 = &d->clip[1];
    switch (d->family) {
    case MODEL_FAMILY_SD2: d->present[MODEL_TEXT_ENCODER] = detect_openclip(f, "cond_stage_model.model.", false, c0); break;
    case MODEL_FAMILY_SDXL:
        d->present[MODEL_TEXT_ENCODER] = layout_detect_clip_hf(f, "conditioner.embedders.0.transformer.", c0);
        d->present[MODEL_TEXT_ENCODER_2] = detect_openclip(f, "conditioner.embedders.1.model.", true, c1);
        break;
    default: d->present[MODEL_TEXT_ENCODER] = layout_detect_clip_hf(f, "cond_stage_model.transformer.", c0); break;
    }
    return layout_detect_finish(safetensors_path(f), d);
}

pixeen_status layout_detect_finish(const char *path, layout_detected *d) {
    unet_config *u = &d->unet;
    u->norm_num_groups = 32;
    u->norm_eps = 1e-5f;
    u->act_fn = MODEL_ACT_SILU;
    u->flip_sin_to_cos = true;
    u->freq_shift = 0;
    /* Test models: a UNet narrower than 320 channels at its first level (no released SD 1.x, 2.x or
     * SDXL checkpoint is) follows the conventions of the fixtures' maker, which uses diffusers' own
     * pipeline-test configurations: 16-wide heads for SD 2.x and SDXL, 8 norm groups in SDXL's UNet.
     * Weights cannot tell heads or groups; released models use 64-wide heads and 32 groups. */
    bool test_model = u->block_out_channels[0] < 320;
    for (int i = 0; i < u->n_levels; i++) {
        int ch = u->block_out_channels[i];
        if (d->family == MODEL_FAMILY_SD1) u->attention_heads[i] = 8;
        else if (test_model) u->attention_heads[i] = ch >= 16 ? ch / 16 : 1;
        else u->attention_heads[i] = heads_for(ch);
        u->attention_head_dim[i] = u->attention_heads[i] > 0 ? ch / u->attention_heads[i] : 0;
    }
    if (test_model && d->family == MODEL_FAMILY_SDXL) u->norm_num_groups = 8;
    u->upcast_attention = d->family == MODEL_FAMILY_SD2;
    u->sample_size = d->family == MODEL_FAMILY_SDXL ? 128 : d->family == MODEL_FAMILY_SD2 ? 96 : 64;
    if (u->cross_attention_dim < 0)
        return error_set(PIXEEN_ERROR_MODEL, "model: '%s': UNet has no cross-attention (not a text-to-image UNet)",
                         path);
    pixeen_status st = unet_config_validate(u, "unet derived from shapes");
    if (st) return error_wrap(st, "model: '%s': ", path);
    if (d->present[MODEL_VAE]) {
        vae_config *v = &d->vae;
        v->norm_num_groups = 32;
        v->norm_eps = 1e-6f;
        v->act_fn = MODEL_ACT_SILU;
        v->scaling_factor = d->family == MODEL_FAMILY_SDXL ? 0.13025f : 0.18215f;
        v->downscale = v->n_levels > 0 ? 1 << (v->n_levels - 1) : 1;
        v->sample_size = u->sample_size * v->downscale;
        st = vae_config_validate(v, "vae derived from shapes");
        if (st) return error_wrap(st, "model: '%s': ", path);
    }
    for (int i = 0; i < 2; i++) {
        clip_config *c = &d->clip[i];
        if (!d->present[i ? MODEL_TEXT_ENCODER_2 : MODEL_TEXT_ENCODER]) continue;
        c->layer_norm_eps = 1e-5f;
        c->head_dim = c->num_heads > 0 ? c->hidden_size / c->num_heads : 0;
        c->bos_token_id = c->eos_token_id = c->pad_token_id = -1;
        st = clip_config_validate(c, i ? "text_encoder_2 derived from shapes" : "text_encoder derived from shapes");
        if (st) return error_wrap(st, "model: '%s': ", path);
    }
    return PIXEEN_OK;
}
