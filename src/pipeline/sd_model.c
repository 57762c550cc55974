/* sd_model.c — see sd_model.h. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "models/lora.h"
#include "pipeline/sd_model.h"
#include "text/tokenizer_locate.h"

/* A diffusers folder's scheduler/scheduler_config.json, or NULL for a single file. */
static pixeen_status load_schedule(const model *files, schedule_config *cfg) {
    schedule_config_default(cfg);
    if (model_get_layout(files) != MODEL_LAYOUT_DIFFUSERS) return PIXEEN_OK;
    char path[4096];
    snprintf(path, sizeof path, "%s/scheduler/scheduler_config.json", model_path(files));
    FILE *f = fopen(path, "rb");
    if (!f) return PIXEEN_OK; /* absent: SD defaults, as diffusers' loaders assume */
    char text[16384];
    size_t len = fread(text, 1, sizeof text, f);
    bool whole = feof(f);
    fclose(f);
    if (!whole) return error_set(PIXEEN_ERROR_FORMAT, "model: %s is larger than 16 KiB (not a scheduler config)", path);
    pixeen_status status = schedule_config_parse(text, len, cfg);
    if (status != PIXEEN_OK) error_wrap(status, "model: %s: ", path);
    return status;
}

pixeen_status sd_model_load(gpu_context *ctx, const char *path, const char *tokenizer_dir, tensor_dtype act,
                            sd_model **out) {
    *out = NULL;
    sd_model *m = calloc(1, sizeof *m);
    if (!m) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: out of host memory");
    m->ctx = ctx;
    m->act = act;
    pixeen_status status = model_open(path, &m->files);
    if (status == PIXEEN_OK && model_get_family(m->files) != MODEL_FAMILY_SD1)
        status = error_set(PIXEEN_ERROR_UNSUPPORTED, "model: %s is %s; this version generates with SD 1.x models only",
                           path, model_family_name(model_get_family(m->files)));
    if (status == PIXEEN_OK && model_is_inpainting(m->files))
        status = error_set(PIXEEN_ERROR_UNSUPPORTED, "model: %s is an inpainting model; text to image needs a regular one", path);
    /* Before the tokenizer: a missing text encoder would otherwise read as a missing tokenizer. */
    static const model_component used[] = {MODEL_TEXT_ENCODER, MODEL_UNET, MODEL_VAE};
    for (size_t i = 0; i < 3 && status == PIXEEN_OK; i++) status = model_require(m->files, used[i], "text to image");
    char dir[4096];
    if (status == PIXEEN_OK)
        status = tokenizer_locate(tokenizer_dir, model_tokenizer_dir(m->files, MODEL_TEXT_ENCODER), false, path, dir,
                                  sizeof dir);
    if (status == PIXEEN_OK) status = tokenizer_load(dir, &m->tok);
    if (status == PIXEEN_OK) status = load_schedule(m->files, &m->schedule);
    for (size_t i = 0; i < 3 && status == PIXEEN_OK; i++) {
        status = nn_weights_upload(ctx, m->files, used[i], &m->weights[used[i]]);
        m->weight_bytes += m->weights[used[i]].bytes;
    }
    if (status != PIXEEN_OK) {
        sd_model_free(m);
        return status;
    }
    log_info("model %s: %.1f MiB of weights on the GPU", path, (double)m->weight_bytes / (1 << 20));
    *out = m;
    return PIXEEN_OK;
}

void sd_model_free(sd_model *m) {
    if (!m) return;
    lora_state_free(m->lora); /* the copies only: the weights go too */
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) nn_weights_free(&m->weights[c]);
    if (m->tok) tokenizer_free(m->tok);
    schedule_config_clear(&m->schedule);
    model_close(m->files);
    free(m);
}
