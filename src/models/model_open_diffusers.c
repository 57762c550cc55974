/* model_open_diffusers.c — opening a diffusers folder: model_index.json names the pipeline (and so
 * the family), each component folder holds config.json and safetensors weights, tokenizer/ and
 * tokenizer_2/ the vocabularies. */
#include "models/model_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Weights of a diffusers component folder: the plain file, else the .fp16 variant. */
static char *find_weights(const char *dir) {
    static const char *names[] = {"diffusion_pytorch_model.safetensors", "model.safetensors",
                                  "diffusion_pytorch_model.fp16.safetensors", "model.fp16.safetensors"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *p = model_path_join(dir, names[i]);
        if (model_is_file(p)) return p;
        free(p);
    }
    return NULL;
}

static pixeen_status open_component(model *m, model_component c) {
    char *dir = model_path_join(m->path, model_component_name(c));
    char *cfg = dir ? model_path_join(dir, "config.json") : NULL;
    char *weights = dir ? find_weights(dir) : NULL;
    pixeen_status st = PIXEEN_OK;
    char *json = NULL;
    size_t len = 0;
    if (!dir || !cfg) {
        st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: path");
        goto done;
    }
    if (!model_is_dir(dir)) goto done; /* absent component */
    if (!model_is_file(cfg)) {
        st = error_set(PIXEEN_ERROR_MODEL, "model: '%s' has no config.json", dir);
        goto done;
    }
    if (!weights) {
        st = error_set(PIXEEN_ERROR_MODEL,
                       "model: '%s' has no weights (expected diffusion_pytorch_model.safetensors, "
                       "model.safetensors or a .fp16.safetensors variant; .bin pickles are not read)",
                       dir);
        goto done;
    }
    if ((st = model_read_text(cfg, &json, &len))) goto done;
    switch (c) {
    case MODEL_TEXT_ENCODER: st = clip_config_from_json(json, len, cfg, &m->clip[0]); break;
    case MODEL_TEXT_ENCODER_2: st = clip_config_from_json(json, len, cfg, &m->clip[1]); break;
    case MODEL_UNET: st = unet_config_from_json(json, len, cfg, &m->unet); break;
    default: st = vae_config_from_json(json, len, cfg, &m->vae); break;
    }
    if (st) goto done;
    model_part *p = &m->parts[c];
    if ((st = safetensors_open(weights, &p->file))) goto done;
    p->present = true;
    if ((st = model_build_spec(m, c))) goto done;
    p->prefix = "";
    st = model_bind_part(m, c, false);
done:
    free(json);
    free(weights);
    free(cfg);
    free(dir);
    return st;
}

/* The family a diffusers pipeline class implies (SD 1.x and 2.x share their classes: told apart
 * by the text encoder afterwards). Pipelines of other families are refused by name. */
static pixeen_status family_from_class(const char *path, const char *cls, model_family *out) {
    static const char *const others[] = {"StableDiffusion3", "Flux", "PixArt", "Kandinsky", "StableCascade",
                                         "Wuerstchen", "Sana", "AuraFlow", "HunyuanDiT", "Lumina", "Kolors",
                                         "StableVideo", "Upscale", "IFPipeline", "StableUnCLIP", "DiT", "Latte"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (strstr(cls, others[i]))
            return error_set(PIXEEN_ERROR_UNSUPPORTED,
                             "model: '%s' is a %s (model_index.json); Pixeen runs SD 1.x, SD 2.x and SDXL", path, cls);
    if (strstr(cls, "StableDiffusionXL")) {
        *out = MODEL_FAMILY_SDXL;
        return PIXEEN_OK;
    }
    if (strstr(cls, "StableDiffusion") || strstr(cls, "LatentConsistencyModel") || !cls[0]) {
        *out = MODEL_FAMILY_SD1; /* SD 2.x is recognised by its text encoder below */
        return PIXEEN_OK;
    }
    return error_set(PIXEEN_ERROR_UNSUPPORTED,
                     "model: '%s' is a %s (model_index.json), not a pipeline Pixeen knows (SD 1.x, SD 2.x, SDXL)", path,
                     cls);
}

pixeen_status model_open_diffusers(model *m) {
    m->layout = MODEL_LAYOUT_DIFFUSERS;
    char *index = model_path_join(m->path, "model_index.json");
    if (!index) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: path");
    char *json = NULL;
    size_t len = 0;
    pixeen_status st = model_is_file(index) ? model_read_text(index, &json, &len)
                                      : error_set(PIXEEN_ERROR_MODEL,
                                                  "model: '%s' is a folder without model_index.json (expected a "
                                                  "diffusers folder or a .safetensors file)",
                                                  m->path);
    const char *cls = "";
    cJSON *root = NULL;
    if (!st) {
        root = cJSON_ParseWithLength(json, len);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "_class_name");
        if (!cJSON_IsObject(root))
            st = error_set(PIXEEN_ERROR_FORMAT, "model: '%s' is not a JSON object", index);
        else if (cJSON_IsString(name))
            cls = name->valuestring;
    }
    if (!st) st = family_from_class(m->path, cls, &m->family);
    if (!st) {
        m->inpainting = strstr(cls, "Inpaint") != NULL;
        for (int c = 0; c < MODEL_COMPONENT_COUNT && !st; c++) st = open_component(m, (model_component)c);
    }
    if (!st && !m->parts[MODEL_UNET].present)
        st = error_set(PIXEEN_ERROR_MODEL, "model: '%s' has no unet/ folder", m->path);
    if (!st && m->family == MODEL_FAMILY_SDXL && !m->parts[MODEL_TEXT_ENCODER].present &&
        m->parts[MODEL_TEXT_ENCODER_2].present)
        st = error_set(PIXEEN_ERROR_UNSUPPORTED,
                       "model: '%s' is an SDXL refiner (only text_encoder_2, aesthetic-score conditioning); Pixeen runs "
                       "SDXL base models, not the refiner",
                       m->path);
    if (!st) {
        /* SD 2.x: OpenCLIP's text encoder (gelu; SD 1.x's OpenAI CLIP uses quick_gelu), 1024 wide */
        if (m->family != MODEL_FAMILY_SDXL &&
            (m->unet.cross_attention_dim == 1024 ||
             (m->parts[MODEL_TEXT_ENCODER].present && m->clip[0].hidden_act == MODEL_ACT_GELU)))
            m->family = MODEL_FAMILY_SD2;
        if (m->unet.in_channels == 9) m->inpainting = true;
        for (int c = 0; c < 2; c++) {
            char *tok = model_path_join(m->path, c ? "tokenizer_2" : "tokenizer");
            char *vocab = tok ? model_path_join(tok, "vocab.json") : NULL;
            if (model_is_file(vocab)) {
                m->parts[c ? MODEL_TEXT_ENCODER_2 : MODEL_TEXT_ENCODER].tokenizer_dir = tok;
                tok = NULL;
            }
            free(tok);
            free(vocab);
        }
    }
    cJSON_Delete(root);
    free(json);
    free(index);
    return st;
}
