/* extras.c — see extras.h. */
#include "pipeline/extras.h"

#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"
#include "core/log.h"
#include "models/embedding_file.h"
#include "pipeline/extra_files.h"

void extras_free(extras *e) {
    prompt_extra_free(&e->pos);
    prompt_extra_free(&e->neg);
    prompt_embedding_set_free(&e->emb);
    free(e->side[0]);
    free(e->side[1]);
    memset(e, 0, sizeof *e);
}

/* Case-insensitive: does `text` contain `word`? (A cheap filter before tokenizing: a name can
 * only match tokens of text that contains it.) */
static bool contains(const char *text, const char *word) {
    size_t n = strlen(word);
    for (const char *p = text; *p; p++)
        if (!strncasecmp(p, word, n)) return true;
    return false;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && !strcmp(s + a - b, suffix);
}

/* Reads one embedding file's vectors for each text encoder and appends them to the side tables. */
static pixeen_status add_embedding(sd_model *m, extras *e, const char *stem, const char *path) {
    float *v[2] = {NULL, NULL};
    int64_t count[2] = {0, 0};
    static const model_component comps[2] = {MODEL_TEXT_ENCODER, MODEL_TEXT_ENCODER_2};
    pixeen_status st = PIXEEN_OK;
    for (int c = 0; c < 2 && st == PIXEEN_OK; c++) {
        const clip_config *cfg = model_clip_config(m->files, comps[c]);
        if (!cfg || !model_has(m->files, comps[c])) continue;
        e->side_dim[c] = cfg->hidden_size;
        st = embedding_file_read(path, comps[c], cfg->hidden_size, &v[c], &count[c]);
    }
    if (st == PIXEEN_ERROR_MODEL) { /* made for another family: skipped, as A1111 skips it */
        log_warn("embedding '%s' not used: %s", stem, error_message());
        st = PIXEEN_OK;
        count[0] = 0;
    } else if (st == PIXEEN_OK && v[1] && count[1] != count[0]) {
        st = error_set(PIXEEN_ERROR_FORMAT, "embedding %s: %lld clip_l vectors but %lld clip_g vectors", path,
                       (long long)count[0], (long long)count[1]);
    } else if (st == PIXEEN_OK && e->emb.rows + count[0] > EXTRAS_MAX_EMBEDDING_ROWS) {
        st = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "embeddings: more than %d vectors in one prompt",
                       EXTRAS_MAX_EMBEDDING_ROWS);
    }
    for (int c = 0; c < 2 && st == PIXEEN_OK && count[0]; c++) {
        if (!v[c]) continue;
        float *grown = realloc(e->side[c], (size_t)((e->emb.rows + count[0]) * e->side_dim[c]) * sizeof *grown);
        if (!grown) {
            st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "embedding: out of host memory");
            break;
        }
        e->side[c] = grown;
        memcpy(grown + (size_t)(e->emb.rows * e->side_dim[c]), v[c], (size_t)(count[0] * e->side_dim[c]) * sizeof *grown);
    }
    if (st == PIXEEN_OK && count[0]) st = prompt_embedding_set_add(&e->emb, m->tok, stem, (int32_t)count[0]);
    free(v[0]);
    free(v[1]);
    return st;
}

/* Walks the embedding folder (sub-folders too, up to 4 levels, in sorted order) for files whose
 * stem occurs in either prompt. */
static pixeen_status scan_embeddings(sd_model *m, extras *e, const char *dir, int depth) {
    struct dirent **entries = NULL;
    int count = scandir(dir, &entries, NULL, alphasort);
    pixeen_status st = PIXEEN_OK;
    for (int i = 0; i < count; i++) {
        const char *name = entries[i]->d_name;
        char path[4096], stem[256];
        int n = snprintf(path, sizeof path, "%s/%s", dir, name);
        struct stat sb;
        if (st != PIXEEN_OK || name[0] == '.' || n < 0 || (size_t)n >= sizeof path || stat(path, &sb) != 0) {
            free(entries[i]);
            continue;
        }
        if (S_ISDIR(sb.st_mode) && depth < 4) {
            st = scan_embeddings(m, e, path, depth + 1);
        } else if (S_ISREG(sb.st_mode)) {
            static const char *const exts[] = {".safetensors", ".pt", ".bin", ".ckpt", ".pth"};
            for (size_t k = 0; k < sizeof exts / sizeof exts[0]; k++) {
                if (!ends_with(name, exts[k]) || strlen(name) - strlen(exts[k]) >= sizeof stem) continue;
                snprintf(stem, sizeof stem, "%.*s", (int)(strlen(name) - strlen(exts[k])), name);
                if (!contains(e->pos.text, stem) && !contains(e->neg.text, stem)) break;
                if (k == 0) st = add_embedding(m, e, stem, path);
                else
                    log_warn("embedding '%s' not used: %s is a pickle file, which can run code when loaded; Pixeen "
                             "reads only .safetensors embeddings (convert it with a trusted tool first)",
                             stem, path);
                break;
            }
        }
        free(entries[i]);
    }
    free(entries);
    return st;
}

static pixeen_status find_embeddings(sd_model *m, const txt2img_request *req, extras *e) {
    char dir[4096];
    struct stat sb;
    if (req->embedding_dir && req->embedding_dir[0]) {
        snprintf(dir, sizeof dir, "%s", req->embedding_dir);
        if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return error_set(PIXEEN_ERROR_IO, "embeddings: %s is not a folder", dir);
    } else if (extra_dir_default("embeddings", dir, sizeof dir) != PIXEEN_OK || stat(dir, &sb) != 0 ||
               !S_ISDIR(sb.st_mode)) {
        error_clear();
        return PIXEEN_OK; /* no default folder: no embeddings */
    }
    return scan_embeddings(m, e, dir, 0);
}

pixeen_status extras_prepare(sd_model *m, const txt2img_request *req, extras *out) {
    memset(out, 0, sizeof *out);
    const char *negative = req->negative_prompt ? req->negative_prompt : "";
    pixeen_status st = prompt_extra_parse(req->prompt, strlen(req->prompt), &out->pos);
    if (st == PIXEEN_OK) st = prompt_extra_parse(negative, strlen(negative), &out->neg);
    if (st != PIXEEN_OK) {
        extras_free(out);
        return st;
    }
    size_t skipped = out->pos.skipped + out->neg.skipped;
    if (skipped) log_warn("prompt: %zu <type:...> tag(s) of a kind other than lora removed and ignored", skipped);
    size_t tags = out->pos.lora_count + out->neg.lora_count, count = req->lora_count + tags;
    lora_request *list = calloc(count ? count : 1, sizeof *list);
    char (*paths)[4096] = calloc(tags ? tags : 1, sizeof *paths);
    char dir[4096] = "";
    if (!list || !paths) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "txt2img: out of host memory");
    if (st == PIXEEN_OK && tags) {
        if (req->lora_dir && req->lora_dir[0]) snprintf(dir, sizeof dir, "%s", req->lora_dir);
        else st = extra_dir_default("loras", dir, sizeof dir);
    }
    for (size_t i = 0; i < req->lora_count && st == PIXEEN_OK; i++) list[i] = req->loras[i];
    for (size_t i = 0; i < tags && st == PIXEEN_OK; i++) {
        const prompt_lora *t = i < out->pos.lora_count ? &out->pos.loras[i] : &out->neg.loras[i - out->pos.lora_count];
        bool found;
        st = extra_file_find(dir, t->name, "LoRA", true, paths[i], sizeof paths[i], &found);
        list[req->lora_count + i] = (lora_request){paths[i], t->te_weight, t->unet_weight};
    }
    if (st == PIXEEN_OK) st = find_embeddings(m, req, out);
    if (st == PIXEEN_OK) st = lora_apply(m->ctx, m->files, m->weights, &m->lora, list, count);
    free(list);
    if (paths) memset(paths, 0, (tags ? tags : 1) * sizeof *paths); /* names from the prompt */
    free(paths);
    if (st != PIXEEN_OK) extras_free(out);
    return st;
}
