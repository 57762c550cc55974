/* model_tokenizer.c — where a single-file checkpoint's tokenizer is: a diffusers folder beside the
 * file (a diffusers folder already names its own tokenizer/ and tokenizer_2/). */
#include "models/model_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"

/* `<dir>/<sub>/vocab.json` exists: returns "<dir>/<sub>" (malloc'ed), else NULL. */
static char *tokenizer_in(const char *dir, const char *sub) {
    char *t = model_path_join(dir, sub);
    char *v = t ? model_path_join(t, "vocab.json") : NULL;
    bool ok = model_is_file(v);
    free(v);
    if (!ok) {
        free(t);
        return NULL;
    }
    return t;
}

/* The tokenizer of a single file, from a diffusers folder beside it: <dir>/<sub> (the file sits in
 * a diffusers folder), <dir>/<stem>/<sub> (a folder named like the file), else the first sibling
 * folder, in name order, that is a diffusers folder (model_index.json) with <sub>/. SD models of
 * one family share their CLIP vocabulary, so any such folder serves. */
char *model_find_tokenizer_beside(const char *dir, const char *file, const char *sub) {
    char *t = tokenizer_in(dir, sub);
    if (t) return t;
    const char *base = strrchr(file, '/');
    char stem[1024];
    snprintf(stem, sizeof stem, "%s", base ? base + 1 : file);
    char *dot = strstr(stem, ".safetensors");
    if (!dot) dot = strstr(stem, ".gguf");
    if (dot) *dot = 0;
    if ((dot = strstr(stem, ".fp16"))) *dot = 0;
    char *sd = model_path_join(dir, stem);
    t = sd ? tokenizer_in(sd, sub) : NULL;
    free(sd);
    if (t) return t;
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        if (!t && names[i]->d_name[0] != '.') {
            char *candidate = model_path_join(dir, names[i]->d_name);
            char *index = candidate ? model_path_join(candidate, "model_index.json") : NULL;
            if (model_is_file(index)) t = tokenizer_in(candidate, sub);
            free(index);
            free(candidate);
        }
        free(names[i]);
    }
    free(names);
    return t;
}
