/* model.c — the model object: opening (model_open dispatches to model_open_single.c or
 * model_open_diffusers.c), binding every tensor the networks need (model_spec.c) to its stored
 * tensor, through the name map for single files, and the accessors. Entry points: see model.h. */
#include "models/model_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/platform.h"
#include "models/layout_names.h"

/* How many problems one error message lists before "and N more". */
#define PROBLEMS_LISTED 4

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

/* ComfyUI-GGUF's convert.py stores SD UNet tensors whose rows are not whole 256-value blocks as
 * [n / 256, 256] and records the shape in a `comfy.gguf.orig_shape.<name>` array. */
static bool has_comfy_reshape(const safetensors_file *f, const char *name) {
    char key[LAYOUT_KEY_MAX + 32];
    snprintf(key, sizeof key, "comfy.gguf.orig_shape.%s", name);
    return safetensors_metadata_get(f, key) != NULL;
}

/* True when `name` is under another component's prefix that is longer than c's ("te.1." inside
 * "te.", or anything inside a bare UNet's ""): that component's tensor, not an extra of c. */
static bool under_longer_prefix(const model *m, model_component c, const char *name) {
    size_t plen = strlen(m->parts[c].prefix);
    for (int o = 0; o < MODEL_COMPONENT_COUNT; o++) {
        const char *q = m->parts[o].prefix;
        if (o != (int)c && m->parts[o].present && q && m->parts[o].file == m->parts[c].file && strlen(q) > plen &&
            !strncmp(name, q, strlen(q)))
            return true;
    }
    return false;
}

/* Binds part->spec to the tensors of part->file (see model_internal.h). */
pixeen_status model_bind_part(model *m, model_component c, bool original) {
    const char *prefix = m->parts[c].prefix;
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
        if (original) {
            PX_TRY(layout_original_ref(&ctx, c, s, &ref));
        } else {
            memset(&ref, 0, sizeof ref);
            snprintf(ref.key, sizeof ref.key, "%s%s", prefix, s->name);
            ref.ndim = s->ndim;
            memcpy(ref.shape, s->shape, sizeof ref.shape);
        }
        const safetensors_tensor *t = safetensors_find(f, ref.key);
        char want[96], found[96];
        format_shape(want, sizeof want, ref.ndim, ref.shape);
        if (!t) {
            if (prefix[0]) problem(&pr, "tensor '%s' (key '%s') %s missing", s->name, ref.key, want);
            else problem(&pr, "tensor '%s' %s missing", s->name, want);
            continue;
        }
        used[t - base] = true;
        if (!shape_matches(ref.ndim, ref.shape, t)) {
            format_shape(found, sizeof found, t->ndim, t->shape);
            const char *hint = "";
            if (c == MODEL_UNET && !strcmp(s->name, "conv_in.weight") && t->ndim == 4 && t->shape[1] == 9)
                hint = " (an inpainting checkpoint?)";
            if (has_comfy_reshape(f, t->name))
                hint = " (ComfyUI-GGUF stored it reshaped to rows of 256, comfy.gguf.orig_shape: not supported; "
                       "convert the original checkpoint with pixeen quantize)";
            problem(&pr, "tensor '%s' has shape %s, expected %s%s", ref.key, found, want, hint);
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
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < n_file && !pr.count; i++) {
        const safetensors_tensor *t = safetensors_at(f, i);
        if (used[i] || strncmp(t->name, prefix, plen) || under_longer_prefix(m, c, t->name)) continue;
        char **grown = realloc(part->extras, (part->extra_count + 1) * sizeof *grown);
        if (!grown) {
            free(used);
            return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: extras");
        }
        part->extras = grown;
        part->extras[part->extra_count] = model_str_dup(t->name);
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

pixeen_status model_build_spec(model *m, model_component c) {
    model_part *p = &m->parts[c];
    switch (c) {
    case MODEL_TEXT_ENCODER: return spec_clip(&m->clip[0], &p->spec);
    case MODEL_TEXT_ENCODER_2: return spec_clip(&m->clip[1], &p->spec);
    case MODEL_UNET: return spec_unet(&m->unet, &p->spec);
    case MODEL_VAE: return spec_vae(&m->vae, &p->spec);
    default: return error_set(PIXEEN_ERROR_INTERNAL, "model: component %d", (int)c);
    }
}

pixeen_status model_open(const char *path, model **out) {
    if (!path || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "model: null argument");
    *out = NULL;
    model *m = calloc(1, sizeof *m);
    if (!m || !(m->path = model_str_dup(path))) {
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
        st = model_open_diffusers(m);
    } else if (S_ISREG(sb.st_mode)) {
        st = model_open_single(m);
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
bool model_has_diffusers_names(const model *m) { return m->layout == MODEL_LAYOUT_DIFFUSERS || m->diffusers_names; }
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
    else if (m->diffusers_names)
        snprintf(buf, size, "no %s in diffusers names (prefixes %s)", model_component_name(c),
                 c == MODEL_VAE ? "'vae.', 'first_stage_model.'" : c == MODEL_TEXT_ENCODER ? "'te.', 'text_encoder.'" :
                 c == MODEL_TEXT_ENCODER_2 ? "'te.1.', 'text_encoder_2.'" : "'unet.', none");
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

/* Both element types through one path (dst: uint16_t fp16 when half, else float). Transposed
 * storage (OpenCLIP's text_projection, a few MB): element (r, c) of the diffusers [R, C] tensor is
 * stored at c * R + r, so it is read one stored element at a time: slow but rare. */
static pixeen_status read_elements(const model_weight *w, uint64_t first, uint64_t count, void *dst, bool half) {
    PX_TRY(check_range(w, first, count, dst));
    uint64_t runs = w->transpose ? count : 1, run = w->transpose ? 1 : count;
    uint64_t rows = (uint64_t)w->shape[0], cols = w->transpose ? (uint64_t)w->shape[1] : 1;
    for (uint64_t i = 0; i < runs; i++) {
        uint64_t e = first + i, at = w->transpose ? (e % cols) * rows + e / cols : first;
        PX_TRY(half ? safetensors_read_f16(w->file, w->tensor, w->first_element + at, run, (uint16_t *)dst + i)
                    : safetensors_read_f32(w->file, w->tensor, w->first_element + at, run, (float *)dst + i));
    }
    return PIXEEN_OK;
}

pixeen_status model_weight_read_f32(const model_weight *w, uint64_t first, uint64_t count, float *dst) {
    return read_elements(w, first, count, dst, false);
}

pixeen_status model_weight_read_f16(const model_weight *w, uint64_t first, uint64_t count, uint16_t *dst) {
    return read_elements(w, first, count, dst, true);
}
