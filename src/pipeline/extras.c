/* extras.c — see extras.h. */
#include "pipeline/extras.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "pipeline/extra_files.h"

void extras_free(extras *e) {
    prompt_extra_free(&e->pos);
    prompt_extra_free(&e->neg);
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
    if (st == PIXEEN_OK) st = lora_apply(m->ctx, m->files, m->weights, &m->lora, list, count);
    free(list);
    free(paths);
    if (st != PIXEEN_OK) extras_free(out);
    return st;
}
