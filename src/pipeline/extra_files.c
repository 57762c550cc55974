/* extra_files.c — see extra_files.h. */
#include "pipeline/extra_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"

#define SEARCH_DEPTH 4

pixeen_status extra_dir_default(const char *kind, char *out, size_t size) {
    const char *xdg = getenv("XDG_DATA_HOME"), *home = platform_home_dir();
    int n;
    if (xdg && xdg[0] == '/') n = snprintf(out, size, "%s/pixeen/%s", xdg, kind);
    else if (home && home[0]) n = snprintf(out, size, "%s/.local/share/pixeen/%s", home, kind);
    else return error_set(PIXEEN_ERROR_IO, "%s: neither XDG_DATA_HOME nor HOME is set: give the folder explicitly", kind);
    if (n < 0 || (size_t)n >= size) return error_set(PIXEEN_ERROR_IO, "%s: the default folder's path is too long", kind);
    return PIXEEN_OK;
}

static bool is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* DIR/NAME<ext> directly, then in sub-folders (depth-first, sorted for a stable answer). */
static bool search(const char *dir, const char *name, const char *ext, int depth, char *out, size_t size) {
    int n = snprintf(out, size, "%s/%s%s", dir, name, ext);
    if (n > 0 && (size_t)n < size && is_file(out)) return true;
    if (depth >= SEARCH_DEPTH) return false;
    struct dirent **entries = NULL;
    int count = scandir(dir, &entries, NULL, alphasort);
    bool found = false;
    for (int i = 0; i < count; i++) {
        const char *e = entries[i]->d_name;
        if (!found && e[0] != '.') {
            char sub[4096];
            struct stat st;
            n = snprintf(sub, sizeof sub, "%s/%s", dir, e);
            if (n > 0 && (size_t)n < sizeof sub && stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                found = search(sub, name, ext, depth + 1, out, size);
        }
        free(entries[i]);
    }
    free(entries);
    return found;
}

pixeen_status extra_file_find(const char *dir, const char *name, const char *what, bool required, char *out,
                              size_t size, bool *found) {
    *found = false;
    if (!name[0] || name[0] == '/' || !strcmp(name, "..") || !strncmp(name, "../", 3) || strstr(name, "/../") ||
        (strlen(name) >= 3 && !strcmp(name + strlen(name) - 3, "/..")))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "%s name '%s' is not a name inside %s", what, name, dir);
    size_t len = strlen(name);
    static const char *const pickles[] = {".pt", ".ckpt", ".bin", ".pth"};
    for (size_t i = 0; i < 4; i++) {
        size_t e = strlen(pickles[i]);
        if (len > e && !strcmp(name + len - e, pickles[i]))
            return error_set(PIXEEN_ERROR_UNSUPPORTED,
                             "%s '%s' is a pickle file, which can run code when loaded: Pixeen reads only .safetensors "
                             "(convert it with a trusted tool first)",
                             what, name);
    }
    const char *ext = len > 12 && !strcmp(name + len - 12, ".safetensors") ? "" : ".safetensors";
    if (search(dir, name, ext, 0, out, size)) {
        *found = true;
        return PIXEEN_OK;
    }
    char pickle[4096];
    for (size_t i = 0; i < 4; i++)
        if (search(dir, name, pickles[i], 0, pickle, sizeof pickle))
            return error_set(PIXEEN_ERROR_UNSUPPORTED,
                             "%s '%s' is %s, a pickle file, which can run code when loaded: Pixeen reads only "
                             ".safetensors (convert it with a trusted tool first)",
                             what, name, pickle);
    if (!required) return PIXEEN_OK;
    return error_set(PIXEEN_ERROR_IO, "no %s named '%s' in %s (looked for %s%s and in its sub-folders)", what, name, dir,
                     name, ext);
}
