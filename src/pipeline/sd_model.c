/* sd_model.c — see sd_model.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/platform.h"
#include "core/log.h"
#include "models/lora.h"
#include "pipeline/sd_model.h"
#include "text/tokenizer_locate.h"

/* A diffusers folder's scheduler/scheduler_config.json; a single file (or a folder without one)
 * gets the family's defaults. */
static pixeen_status load_schedule(const model *files, const family_desc *fam, schedule_config *cfg) {
    schedule_config_default(cfg);
    /* every released SD 1.x, 2.x and SDXL scheduler_config.json has steps_offset 1 */
    cfg->steps_offset = 1;
    cfg->prediction = fam->single_file_prediction;
    cfg->timestep_spacing = fam->single_file_spacing;
    if (model_get_layout(files) != MODEL_LAYOUT_DIFFUSERS) return PIXEEN_OK;
    char path[4096];
    snprintf(path, sizeof path, "%s/scheduler/scheduler_config.json", model_path(files));
    FILE *f = fopen(path, "rb");
    if (!f) return PIXEEN_OK; /* absent: the family's defaults, as diffusers' loaders assume */
    char text[16384];
    size_t len = fread(text, 1, sizeof text, f);
    bool whole = feof(f);
    fclose(f);
    if (!whole) return error_set(PIXEEN_ERROR_FORMAT, "model: %s is larger than 16 KiB (not a scheduler config)", path);
    schedule_config_default(cfg);
    pixeen_status status = schedule_config_parse(text, len, cfg);
    if (status != PIXEEN_OK) error_wrap(status, "model: %s: ", path);
    return status;
}

/* The tokenizer of one text encoder, checked against the encoder's embedding rows. */
static pixeen_status load_tokenizer(sd_model *m, int e, const char *explicit_dir, const char *path) {
    const family_text_encoder *enc = &m->family->encoders[e];
    char source[4096];
    PX_TRY(tokenizer_open(explicit_dir, model_tokenizer_dir(m->files, enc->component), enc->openclip_pad, path,
                          &m->tokenizers[e], source, sizeof source));
    const clip_config *c = model_clip_config(m->files, enc->component);
    int32_t vocab = tokenizer_vocab_size(m->tokenizers[e]);
    if (vocab != c->vocab_size)
        return error_set(PIXEEN_ERROR_TOKENIZER,
                         "model: %s: the tokenizer (%s) has %d tokens but %s embeds %d: they belong to different "
                         "models (pass --tokenizer%s DIR with the model's own tokenizer)",
                         path, source, (int)vocab, model_component_name(enc->component), c->vocab_size, e ? "-2" : "");
    log_info("model: %s tokenizer: %s", model_component_name(enc->component), source);
    return PIXEEN_OK;
}

/* What a generation needs of the model, with the reason when something is missing. */
static pixeen_status check_model(const sd_model *m, const char *path) {
    model_family id = model_get_family(m->files);
    if (!m->family)
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "model: %s is a %s checkpoint, which this version cannot run", path,
                         model_family_name(id));
    /* Inpainting models (9 UNet input channels) load; pipeline/edit.c refuses them without an
     * init image and a mask. */
    /* Before the tokenizers: a missing text encoder would otherwise read as a missing tokenizer. */
    PX_TRY(model_require(m->files, MODEL_UNET, "text to image"));
    PX_TRY(model_require(m->files, MODEL_VAE, "text to image"));
    for (int e = 0; e < m->family->encoder_count; e++) {
        model_component c = m->family->encoders[e].component;
        PX_TRY(model_require(m->files, c, "text to image"));
        const clip_config *cc = model_clip_config(m->files, c);
        if (m->family->encoders[e].pooled && !cc->has_projection)
            return error_set(PIXEEN_ERROR_MODEL, "model: %s: %s has no text_projection (needed for the pooled text)",
                             path, model_component_name(c));
    }
    const unet_config *u = model_unet_config(m->files);
    int context = 0;
    for (int e = 0; e < m->family->encoder_count; e++)
        context += model_clip_config(m->files, m->family->encoders[e].component)->hidden_size;
    if (context != u->cross_attention_dim)
        return error_set(PIXEEN_ERROR_MODEL, "model: %s: the text encoders give %d channels but the UNet attends to %d",
                         path, context, u->cross_attention_dim);
    if (m->family->added_time_ids) {
        const clip_config *pooled = model_clip_config(m->files, m->family->encoders[m->family->encoder_count - 1].component);
        if (!u->addition_time_embed_dim ||
            u->projection_class_embeddings_input_dim != pooled->projection_dim + 6 * u->addition_time_embed_dim)
            return error_set(PIXEEN_ERROR_MODEL,
                             "model: %s: the UNet's added embedding takes %d inputs, expected the pooled text (%d) "
                             "and six sizes of %d",
                             path, u->projection_class_embeddings_input_dim, pooled->projection_dim,
                             u->addition_time_embed_dim);
    } else if (u->addition_time_embed_dim) {
        return error_set(PIXEEN_ERROR_MODEL, "model: %s: a %s UNet with an added text_time embedding", path,
                         m->family->name);
    }
    return PIXEEN_OK;
}

/* The Winograd kernel cache (models/nn.h) saves the per-step weight transform (~6% of a 256 px
 * UNet step on lavapipe, less at 512) for up to 16/9 (F(2x2)) or 36/9 (F(4x4)) of the 3x3 kernels'
 * memory again (SD 1.5 fp16: +2.2 GiB at 512 px beside 2 GiB of weights). It is kept only where
 * that cannot crowd out the weights and activations: when the weights plus the cache's worst case
 * (both forms of every kernel, in the activation dtype) stay within 3/4 of the
 * largest device-local heap — for a CPU device, of half the machine's memory if that is more (its
 * device memory is the host's; lavapipe 22.3 reports a nominal 2 GiB heap). Elsewhere every step
 * transforms its kernels, as before the cache existed. */
static void keep_winograd_cache_if_it_fits(sd_model *m) {
    const gpu_caps *caps = gpu_context_caps(m->ctx);
    uint64_t heap = gpu_caps_largest_local_heap(caps), bound = 0;
    uint64_t half_ram = platform_physical_memory() / 2;
    if (caps->type == GPU_DEVICE_CPU && half_ram > heap) heap = half_ram;
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) bound += nn_weights_winograd_bound(&m->weights[c], m->act);
    if (m->weight_bytes + bound <= heap / 4 * 3) return;
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) nn_weights_winograd_disable(&m->weights[c]);
    log_info("model: Winograd kernels transformed in every step (caching them could need %.0f MiB beside "
             "%.0f MiB of weights; the largest device-local heap has %.0f MiB)",
             (double)bound / (1 << 20), (double)m->weight_bytes / (1 << 20), (double)heap / (1 << 20));
}

pixeen_status sd_model_load_with(gpu_context *ctx, const sd_model_options *o, sd_model **out) {
    *out = NULL;
    sd_model *m = calloc(1, sizeof *m);
    if (!m) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: out of host memory");
    m->ctx = ctx;
    m->act = o->act;
    const char *path = o->path;
    double t_open = clock_wall_seconds(), c_open = clock_cpu_seconds();
    pixeen_status status = model_open(path, &m->files);
    if (status == PIXEEN_OK) {
        m->family = family_get(model_get_family(m->files));
        status = check_model(m, path);
    }
    for (int e = 0; status == PIXEEN_OK && e < m->family->encoder_count; e++)
        status = load_tokenizer(m, e, o->tokenizer_dirs[e], path);
    m->tok = m->tokenizers[0];
    if (status == PIXEEN_OK) status = load_schedule(m->files, m->family, &m->schedule);
    if (status == PIXEEN_OK && o->prediction) m->schedule.prediction = (schedule_prediction)(o->prediction - 1);
    if (status == PIXEEN_OK && o->spacing) m->schedule.timestep_spacing = o->spacing;
    double t_upload = clock_wall_seconds();
    nn_load_times times = {0};
    for (int c = 0; c < MODEL_COMPONENT_COUNT && status == PIXEEN_OK; c++) {
        if (!model_has(m->files, (model_component)c)) continue;
        status = nn_weights_upload(ctx, m->files, (model_component)c, &m->weights[c]);
        m->weight_bytes += m->weights[c].bytes;
        times.read += m->weights[c].times.read;
        times.check += m->weights[c].times.check;
        times.reorder += m->weights[c].times.reorder;
        times.upload += m->weights[c].times.upload;
    }
    double t_done = clock_wall_seconds();
    if (status != PIXEEN_OK) {
        sd_model_free(m);
        return status;
    }
    keep_winograd_cache_if_it_fits(m);
    log_info("model %s (%s): %.1f MiB of weights on the GPU", path, m->family->name,
             (double)m->weight_bytes / (1 << 20));
    log_info("model: loaded in %.2f s (%.2f CPU-s): open and tokenizers %.2f s, weights %.2f s (file read and conversion %.2f, "
             "finite check %.2f, reorder %.2f, to the device %.2f)",
             t_done - t_open, clock_cpu_seconds() - c_open, t_upload - t_open, t_done - t_upload, times.read, times.check, times.reorder,
             times.upload);
    *out = m;
    return PIXEEN_OK;
}

pixeen_status sd_model_load(gpu_context *ctx, const char *path, const char *tokenizer_dir, tensor_dtype act,
                            sd_model **out) {
    return sd_model_load_with(ctx, &(sd_model_options){.path = path, .tokenizer_dirs = {tokenizer_dir}, .act = act}, out);
}

void sd_model_free(sd_model *m) {
    if (!m) return;
    lora_state_free(m->lora); /* the copies only: the weights go too */
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) nn_weights_free(&m->weights[c]);
    for (int e = 0; e < FAMILY_MAX_ENCODERS; e++)
        if (m->tokenizers[e]) tokenizer_free(m->tokenizers[e]);
    schedule_config_clear(&m->schedule);
    model_close(m->files);
    free(m);
}
