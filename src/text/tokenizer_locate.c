/* tokenizer_locate.c — finds the tokenizer folder (order in tokenizer_locate.h). */
#include "text/tokenizer_locate.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/platform.h"

#include "text/tokenizer_builtin.h"

static bool has_files(const char *dir) {
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/vocab.json", dir);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return false;
    snprintf(path, sizeof path, "%s/merges.txt", dir);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

pixeen_status tokenizer_locate(const char *explicit_dir, const char *model_dir, bool openclip, const char *what,
                               char *out, size_t size) {
    if (explicit_dir) {
        if (!has_files(explicit_dir))
            return error_set(PIXEEN_ERROR_TOKENIZER,
                             "tokenizer: '%s' has no vocab.json and merges.txt (expected a CLIP tokenizer folder, "
                             "like a diffusers model's tokenizer/)",
                             explicit_dir);
        snprintf(out, size, "%s", explicit_dir);
        return PIXEEN_OK;
    }
    if (model_dir && has_files(model_dir)) {
        snprintf(out, size, "%s", model_dir);
        return PIXEEN_OK;
    }
    const char *name = openclip ? "openclip" : "clip";
    char data[4096];
    const char *xdg = getenv("XDG_DATA_HOME"), *home = platform_home_dir();
    if (xdg && xdg[0]) snprintf(data, sizeof data, "%s/pixeen/tokenizers/%s", xdg, name);
    else snprintf(data, sizeof data, "%s/.local/share/pixeen/tokenizers/%s", home ? home : ".", name);
    if (has_files(data)) {
        snprintf(out, size, "%s", data);
        return PIXEEN_OK;
    }
    return error_set(PIXEEN_ERROR_TOKENIZER,
                     "tokenizer: no CLIP tokenizer for %s: pass --tokenizer DIR (a folder with vocab.json and "
                     "merges.txt, e.g. the tokenizer/ folder of the model's diffusers version), put the diffusers "
                     "folder (with tokenizer/) beside the checkpoint, or copy vocab.json and merges.txt into %s/",
                     what ? what : "this model", data);
}

pixeen_status tokenizer_open(const char *explicit_dir, const char *model_dir, bool openclip, const char *what,
                             tokenizer **out, char *source, size_t source_size) {
    char dir[4096];
    pixeen_status st = tokenizer_locate(explicit_dir, model_dir, openclip, what, dir, sizeof dir);
    if (st == PIXEEN_OK) {
        if (source) snprintf(source, source_size, "%s", dir);
        return tokenizer_load(dir, out);
    }
    if (explicit_dir) return st; /* the folder the user named is wrong: say so, never substitute */
    error_clear();
    if (source) snprintf(source, source_size, "%s", TOKENIZER_BUILTIN_NAME);
    return tokenizer_load_builtin(openclip, out);
}
