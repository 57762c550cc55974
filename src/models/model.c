/* model.c — opens a diffusers folder or a single-file checkpoint and binds every tensor the
 * networks need (model_spec.c) to its stored tensor, through the name map for single files.
 * Entry points: see model.h. */
#include "models/model.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file_read.h"
#include "core/log.h"
#include "core/platform.h"

/* config.json files are a few KB; 16 MB is a generous bound against reading a wrong huge file. */
#define CONFIG_MAX_BYTES (16u << 20)
/* How many problems one error message lists before "and N more". */
#define PROBLEMS_LISTED 4

typedef struct model_part {
    bool present;
    safetensors_file *file; /* owned (diffusers) or borrowed from model.single */
    spec_list spec;
    model_weight *weights;  /* parallel to spec.items */
    char **extras;
    size_t extra_count;
    char *tokenizer_dir;
} model_part;

struct model {
    char *path;
    model_layout layout;
    model_family family;
    bool inpainting;
    safetensors_file *single;
    model_part parts[MODEL_COMPONENT_COUNT];
    clip_config clip[2];
    unet_config unet;
    vae_config vae;
};

static char *str_dup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static char *path_join(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", a, b);
    return p;
}

static bool is_file(const char *p) {
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *p) {
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Reads a whole small text file (config.json, model_index.json), NUL-terminated. */
static pixeen_status read_text(const char *path, char **out, size_t *len) {
    switch (file_read_bounded(path, CONFIG_MAX_BYTES, out, len)) {
    case FILE_READ_OK: return PIXEEN_OK;
    case FILE_READ_CANNOT_OPEN: return error_set(PIXEEN_ERROR_IO, "model: cannot open '%s': %s", path, strerror(errno));
    case FILE_READ_TOO_LARGE:
        return error_set(PIXEEN_ERROR_FORMAT, "model: '%s' is larger than %u bytes (not a config)", path,
                         CONFIG_MAX_BYTES);
    case FILE_READ_NO_MEMORY: return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: reading '%s'", path);
    case FILE_READ_FAILED: break;
    }
    return error_set(PIXEEN_ERROR_IO, "model: error reading '%s'", path);
}

void model_close(model *m) {
    if (!m) return;
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) {
        model_part *p = &m->parts[c];
        if (p->file != m->single) safetensors_close(p->file);
        spec_list_free(&p->spec);
        free(p->weights);
        for (size_t i = 0; i < p->extra_count; i++) free(p->extras[i]);
        free(p->extras);
        free(p->tokenizer_dir);
    }
    safetensors_close(m->single);
    free(m->path);
    free(m);
}

/* Collects problems found while binding one component. */
typedef struct problems {
    char text[1024];
    size_t count;
} problems;

static void problem(problems *pr, const char *fmt, ...) PX_PRINTF(2, 3);
static void problem(problems *pr, const char *fmt, ...) {
    pr->count++;
    if (pr->count > PROBLEMS_LISTED) return;
    size_t used = strlen(pr->text);
    if (used && used + 2 < sizeof pr->text) {
        memcpy(pr->text + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pr->text + used, sizeof pr->text - used, fmt, ap);
    va_end(ap);
}

static void format_shape(char *buf, size_t size, int ndim, const int64_t *shape) {
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? "," : "", (long long)shape[i]);
    if (used < size) snprintf(buf + used, size - used, "]");
}

/* A Linear stored as a 1x1 convolution or the reverse ([a,b] vs [a,b,1,1]): same data. */
static bool shape_matches(int ndim, const int64_t *want, const safetensors_tensor *t) {
    int n = t->ndim;
    const int64_t *s = t->shape;
    if (n == ndim) {
        for (int i = 0; i < n; i++)
            if (s[i] != want[i]) return false;
        return true;
    }
    if (n == 4 && ndim == 2) return s[0] == want[0] && s[1] == want[1] && s[2] == 1 && s[3] == 1;
    if (n == 2 && ndim == 4) return s[0] == want[0] && s[1] == want[1] && want[2] == 1 && want[3] == 1;
    return false;
}

static int compare_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Binds part->spec to the tensors of part->file. `prefix` selects the component's keys in a
 * single file (NULL for a diffusers component file, whose keys are diffusers names). */
static pixeen_status bind_part(model *m, model_component c, const char *prefix) {
    model_part *part = &m->parts[c];
    const safetensors_file *f = part->file;
    layout_context ctx = {m->family, &m->unet, &m->vae,
                          c == MODEL_TEXT_ENCODER ? &m->clip[0] : c == MODEL_TEXT_ENCODER_2 ? &m->clip[1] : NULL};
    part->weights = calloc(part->spec.count ? part->spec.count : 1, sizeof *part->weights);
    size_t n_file = safetensors_count(f);
    bool *used = calloc(n_file ? n_file : 1, sizeof *used);
    if (!part->weights || !used) {
        free(used);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: binding %s", model_component_name(c));
    }
    const safetensors_tensor *base = safetensors_at(f, 0);
    problems pr = {.text = "", .count = 0};
    for (size_t i = 0; i < part->spec.count; i++) {
        const tensor_spec *s = &part->spec.items[i];
        model_weight *w = &part->weights[i];
        w->name = s->name;
        w->ndim = s->ndim;
        w->n_elements = 1;
        for (int d = 0; d < s->ndim; d++) {
            w->shape[d] = s->shape[d];
            w->n_elements *= (uint64_t)s->shape[d];
        }
        w->file = f;
        original_ref ref;
        if (prefix) {
            PX_TRY(layout_original_ref(&ctx, c, s, &ref));
        } else {
            memset(&ref, 0, sizeof ref);
            snprintf(ref.key, sizeof ref.key, "%s", s->name);
            ref.ndim = s->ndim;
            memcpy(ref.shape, s->shape, sizeof ref.shape);
        }
        const safetensors_tensor *t = safetensors_find(f, ref.key);
        char want[96], found[96];
        format_shape(want, sizeof want, ref.ndim, ref.shape);
        if (!t) {
            if (prefix) problem(&pr, "tensor '%s' (key '%s') %s missing", s->name, ref.key, want);
            else problem(&pr, "tensor '%s' %s missing", s->name, want);
            continue;
        }
        used[t - base] = true;
        if (!shape_matches(ref.ndim, ref.shape, t)) {
            format_shape(found, sizeof found, t->ndim, t->shape);
            const char *hint = "";
            if (c == MODEL_UNET && !strcmp(s->name, "conv_in.weight") && t->ndim == 4 && t->shape[1] == 9)
                hint = " (an inpainting checkpoint?)";
            problem(&pr, "tensor '%s' has shape %s, expected %s%s", prefix ? ref.key : s->name, found, want, hint);
            continue;
        }
        if (!safetensors_dtype_is_weight(t->dtype)) {
            problem(&pr, "tensor '%s' has dtype %s (expected F32, F16 or BF16)", t->name,
                    safetensors_dtype_name(t->dtype));
            continue;
        }
        w->tensor = t;
        w->first_element = ref.element_offset;
        w->transpose = ref.transpose;
    }
    /* Extras: stored under this component but used by no network. */
    size_t plen = prefix ? strlen(prefix) : 0;
    for (size_t i = 0; i < n_file && !pr.count; i++) {
        const safetensors_tensor *t = safetensors_at(f, i);
        if (used[i] || (prefix && strncmp(t->name, prefix, plen))) continue;
        char **grown = realloc(part->extras, (part->extra_count + 1) * sizeof *grown);
        if (!grown) {
            free(used);
            return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: extras");
        }
        part->extras = grown;
        part->extras[part->extra_count] = str_dup(t->name);
        if (!part->extras[part->extra_count]) {
            free(used);
            return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: extras");
        }
        part->extra_count++;
    }
    free(used);
    if (part->extra_count) {
        qsort(part->extras, part->extra_count, sizeof *part->extras, compare_str);
        log_debug("model: %s: %zu stored tensors not used by the network (first: %s)", model_component_name(c),
                  part->extra_count, part->extras[0]);
    }
    if (pr.count) {
        if (pr.count > PROBLEMS_LISTED)
            return error_set(PIXEEN_ERROR_MODEL, "model: '%s': %s: %zu problems: %s; and %zu more",
                             safetensors_path(f), model_component_name(c), pr.count, pr.text,
                             pr.count - PROBLEMS_LISTED);
        return error_set(PIXEEN_ERROR_MODEL, "model: '%s': %s: %s", safetensors_path(f), model_component_name(c),
                         pr.text);
    }
    return PIXEEN_OK;
}

static pixeen_status build_spec(model *m, model_component c) {
    model_part *p = &m->parts[c];
    switch (c) {
    case MODEL_TEXT_ENCODER: return spec_clip(&m->clip[0], &p->spec);
    case MODEL_TEXT_ENCODER_2: return spec_clip(&m->clip[1], &p->spec);
    case MODEL_UNET: return spec_unet(&m->unet, &p->spec);
    case MODEL_VAE: return spec_vae(&m->vae, &p->spec);
    default: return error_set(PIXEEN_ERROR_INTERNAL, "model: component %d", (int)c);
    }
}

/* `<dir>/<sub>/vocab.json` exists: returns "<dir>/<sub>" (malloc'ed), else NULL. */
static char *tokenizer_in(const char *dir, const char *sub) {
    char *t = path_join(dir, sub);
    char *v = t ? path_join(t, "vocab.json") : NULL;
    bool ok = is_file(v);
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
static char *find_tokenizer_beside(const char *dir, const char *file, const char *sub) {
    char *t = tokenizer_in(dir, sub);
    if (t) return t;
    const char *base = strrchr(file, '/');
    char stem[1024];
    snprintf(stem, sizeof stem, "%s", base ? base + 1 : file);
    char *dot = strstr(stem, ".safetensors");
    if (!dot) dot = strstr(stem, ".gguf");
    if (dot) *dot = 0;
    if ((dot = strstr(stem, ".fp16"))) *dot = 0;
    char *sd = path_join(dir, stem);
    t = sd ? tokenizer_in(sd, sub) : NULL;
    free(sd);
    if (t) return t;
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        if (!t && names[i]->d_name[0] != '.') {
            char *candidate = path_join(dir, names[i]->d_name);
            char *index = candidate ? path_join(candidate, "model_index.json") : NULL;
            if (is_file(index)) t = tokenizer_in(candidate, sub);
            free(index);
            free(candidate);
        }
        free(names[i]);
    }
    free(names);
    return t;
}

static pixeen_status open_single(model *m) {
    PX_TRY(safetensors_open(m->path, &m->single));
    layout_detected d;
    PX_TRY(layout_detect(m->single, &d));
    m->layout = MODEL_LAYOUT_SINGLE_FILE;
    m->family = d.family;
    m->inpainting = d.inpainting;
    m->clip[0] = d.clip[0];
    m->clip[1] = d.clip[1];
    m->unet = d.unet;
    m->vae = d.vae;
    /* A diffusers folder beside the file (or the folder holding it) may provide the tokenizer. */
    char *dir = str_dup(m->path);
    if (!dir) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: path");
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, strlen(dir) + 1, ".");
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) {
        if (!d.present[c]) continue;
        model_part *p = &m->parts[c];
        p->present = true;
        p->file = m->single;
        if (c == MODEL_TEXT_ENCODER || c == MODEL_TEXT_ENCODER_2)
            p->tokenizer_dir = find_tokenizer_beside(dir, m->path, c == MODEL_TEXT_ENCODER ? "tokenizer" : "tokenizer_2");
        pixeen_status st = build_spec(m, (model_component)c);
        if (!st) st = bind_part(m, (model_component)c, layout_component_prefix(m->family, (model_component)c));
        if (st) {
            free(dir);
            return st;
        }
    }
    free(dir);
    return PIXEEN_OK;
}

/* Weights of a diffusers component folder: the plain file, else the .fp16 variant. */
static char *find_weights(const char *dir) {
    static const char *names[] = {"diffusion_pytorch_model.safetensors", "model.safetensors",
                                  "diffusion_pytorch_model.fp16.safetensors", "model.fp16.safetensors"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *p = path_join(dir, names[i]);
        if (is_file(p)) return p;
        free(p);
    }
    return NULL;
}

static pixeen_status open_component(model *m, model_component c) {
    char *dir = path_join(m->path, model_component_name(c));
    char *cfg = dir ? path_join(dir, "config.json") : NULL;
    char *weights = dir ? find_weights(dir) : NULL;
    pixeen_status st = PIXEEN_OK;
    char *json = NULL;
    size_t len = 0;
    if (!dir || !cfg) {
        st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: path");
        goto done;
    }
    if (!is_dir(dir)) goto done; /* absent component */
    if (!is_file(cfg)) {
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
    if ((st = read_text(cfg, &json, &len))) goto done;
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
    if ((st = build_spec(m, c))) goto done;
    st = bind_part(m, c, NULL);
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

static pixeen_status open_diffusers(model *m) {
    m->layout = MODEL_LAYOUT_DIFFUSERS;
    char *index = path_join(m->path, "model_index.json");
    if (!index) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: path");
    char *json = NULL;
    size_t len = 0;
    pixeen_status st = is_file(index) ? read_text(index, &json, &len)
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
            char *tok = path_join(m->path, c ? "tokenizer_2" : "tokenizer");
            char *vocab = tok ? path_join(tok, "vocab.json") : NULL;
            if (is_file(vocab)) {
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

pixeen_status model_open(const char *path, model **out) {
    if (!path || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "model: null argument");
    *out = NULL;
    model *m = calloc(1, sizeof *m);
    if (!m || !(m->path = str_dup(path))) {
        free(m);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: object");
    }
    size_t n = strlen(m->path);
    while (n > 1 && m->path[n - 1] == '/') m->path[--n] = 0;
    pixeen_status st;
    struct stat sb;
    if (stat(m->path, &sb) != 0) {
        int e = errno;
        if (e == ENOENT) st = error_set(PIXEEN_ERROR_IO, "model: '%s' does not exist", path);
        else if (e == ELOOP) st = error_set(PIXEEN_ERROR_IO, "model: '%s' is a loop of symbolic links", path);
        else st = error_set(PIXEEN_ERROR_IO, "model: cannot read '%s': %s", path, strerror(e));
    } else if (S_ISDIR(sb.st_mode)) {
        st = open_diffusers(m);
    } else if (S_ISREG(sb.st_mode)) {
        st = open_single(m);
    } else {
        /* A model is memory-mapped and read in place: a device or a pipe cannot be one. */
        st = error_set(PIXEEN_ERROR_IO,
                       "model: '%s' is a %s, not a file or a folder (expected a .safetensors file or a diffusers folder)",
                       path, S_ISFIFO(sb.st_mode) ? "pipe (FIFO)" : S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "device" :
                             S_ISSOCK(sb.st_mode) ? "socket" : "special file");
    }
    if (st) {
        model_close(m);
        return st;
    }
    *out = m;
    return PIXEEN_OK;
}

const char *model_path(const model *m) { return m->path; }
model_layout model_get_layout(const model *m) { return m->layout; }
model_family model_get_family(const model *m) { return m->family; }
bool model_is_inpainting(const model *m) { return m->inpainting; }

bool model_has(const model *m, model_component c) {
    return (unsigned)c < MODEL_COMPONENT_COUNT && m->parts[c].present;
}

/* Human names for messages ("no VAE"), indexed by model_component. */
static const char *component_title(model_component c) {
    static const char *titles[MODEL_COMPONENT_COUNT] = {"text encoder", "second text encoder", "UNet", "VAE"};
    return (unsigned)c < MODEL_COMPONENT_COUNT ? titles[c] : "?";
}

void model_component_where(const model *m, model_component c, char *buf, size_t size) {
    if (m->layout == MODEL_LAYOUT_DIFFUSERS) snprintf(buf, size, "its %s/ folder is missing", model_component_name(c));
    else snprintf(buf, size, "no tensor name starts with '%s'", layout_component_prefix(m->family, c));
}

pixeen_status model_require(const model *m, model_component c, const char *purpose) {
    if (model_has(m, c)) return PIXEEN_OK;
    char where[128];
    model_component_where(m, c, where, sizeof where);
    return error_set(PIXEEN_ERROR_MODEL, "model: '%s' has no %s: %s (%s needs it; a partly downloaded or %s model?)",
                     m->path, component_title(c), where, purpose,
                     m->layout == MODEL_LAYOUT_DIFFUSERS ? "incomplete" : "stripped");
}

const clip_config *model_clip_config(const model *m, model_component c) {
    if (!model_has(m, c)) return NULL;
    if (c == MODEL_TEXT_ENCODER) return &m->clip[0];
    if (c == MODEL_TEXT_ENCODER_2) return &m->clip[1];
    return NULL;
}

const unet_config *model_unet_config(const model *m) { return model_has(m, MODEL_UNET) ? &m->unet : NULL; }
const vae_config *model_vae_config(const model *m) { return model_has(m, MODEL_VAE) ? &m->vae : NULL; }

size_t model_weight_count(const model *m, model_component c) {
    return model_has(m, c) ? m->parts[c].spec.count : 0;
}

const model_weight *model_weight_at(const model *m, model_component c, size_t index) {
    return index < model_weight_count(m, c) ? &m->parts[c].weights[index] : NULL;
}

const model_weight *model_weight_find(const model *m, model_component c, const char *name) {
    size_t n = model_weight_count(m, c);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(m->parts[c].weights[i].name, name)) return &m->parts[c].weights[i];
    return NULL;
}

const safetensors_file *model_component_file(const model *m, model_component c) {
    return model_has(m, c) ? m->parts[c].file : NULL;
}

size_t model_extra_count(const model *m, model_component c) {
    return model_has(m, c) ? m->parts[c].extra_count : 0;
}

const char *model_extra_at(const model *m, model_component c, size_t index) {
    return index < model_extra_count(m, c) ? m->parts[c].extras[index] : NULL;
}

const char *model_tokenizer_dir(const model *m, model_component c) {
    return model_has(m, c) ? m->parts[c].tokenizer_dir : NULL;
}

static pixeen_status check_range(const model_weight *w, uint64_t first, uint64_t count, const void *dst) {
    if (!w || !w->tensor || (!dst && count))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "model: read: null argument");
    if (first > w->n_elements || count > w->n_elements - first)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "model: '%s': elements [%llu, +%llu) of %llu", w->name,
                         (unsigned long long)first, (unsigned long long)count, (unsigned long long)w->n_elements);
    return PIXEEN_OK;
}

/* Transposed storage (OpenCLIP's text_projection, a few MB): element (r, c) of the diffusers
 * [R, C] tensor is stored at c * R + r. Read one stored element at a time: slow but rare. */
pixeen_status model_weight_read_f32(const model_weight *w, uint64_t first, uint64_t count, float *dst) {
    PX_TRY(check_range(w, first, count, dst));
    if (!w->transpose) return safetensors_read_f32(w->file, w->tensor, w->first_element + first, count, dst);
    uint64_t rows = (uint64_t)w->shape[0], cols = (uint64_t)w->shape[1];
    for (uint64_t i = 0; i < count; i++) {
        uint64_t e = first + i, r = e / cols, c = e % cols;
        PX_TRY(safetensors_read_f32(w->file, w->tensor, w->first_element + c * rows + r, 1, dst + i));
    }
    return PIXEEN_OK;
}

pixeen_status model_weight_read_f16(const model_weight *w, uint64_t first, uint64_t count, uint16_t *dst) {
    PX_TRY(check_range(w, first, count, dst));
    if (!w->transpose) return safetensors_read_f16(w->file, w->tensor, w->first_element + first, count, dst);
    uint64_t rows = (uint64_t)w->shape[0], cols = (uint64_t)w->shape[1];
    for (uint64_t i = 0; i < count; i++) {
        uint64_t e = first + i, r = e / cols, c = e % cols;
        PX_TRY(safetensors_read_f16(w->file, w->tensor, w->first_element + c * rows + r, 1, dst + i));
    }
    return PIXEEN_OK;
}
