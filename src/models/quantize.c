/* quantize.c — `pixeen quantize`: a checkpoint into stable-diffusion.cpp-compatible GGUF (quantize.h). */
#include "models/quantize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/f16.h"
#include "models/ggml_quant.h"
#include "models/gguf.h"
#include "models/gguf_write.h"
#include "models/model.h"

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* stable-diffusion.cpp's tensor_should_be_converted for UNet-family models (ne0: the row length). */
static bool should_convert(const char *name, int64_t ne0, uint32_t type) {
    if (ggml_type_is_quantized(type) && ne0 % ggml_block_elems(type)) return false;
    if (ends_with(name, ".bias") || ends_with(name, ".scale") || ends_with(name, ".weight_scale")) return false;
    return !strstr(name, "time_embed.") && !strstr(name, "label_emb.") && !strstr(name, "embedding");
}

typedef struct plan {
    const safetensors_file *in;
    const safetensors_tensor **src;
    const model_weight **weights; /* diffusers names: the weight each output is (else NULL) */
    gguf_out_tensor *out;
} plan;

/* Byte offset of element `first` in tensor t when a raw copy can start there (a whole block). */
static bool raw_offset(const safetensors_tensor *t, uint64_t first, uint64_t *offset) {
    uint32_t type = 0;
    if (!gguf_dtype_to_ggml(t->dtype, &type) || first % ggml_block_elems(type)) return false;
    *offset = first / ggml_block_elems(type) * ggml_block_bytes(type);
    return true;
}

static pixeen_status fill_tensor(size_t index, uint8_t *dst, uint64_t bytes, void *user) {
    plan *p = user;
    const safetensors_tensor *t = p->src[index];
    const model_weight *w = p->weights ? p->weights[index] : NULL;
    const safetensors_file *file = w ? w->file : p->in;
    uint32_t type = p->out[index].type;
    uint32_t src_type = 0;
    uint64_t first = w ? w->first_element : 0, n = w ? w->n_elements : t->n_elements, offset = 0;
    /* kept as stored: copy the bytes (a slice of a fused tensor from its first block) */
    if (gguf_dtype_to_ggml(t->dtype, &src_type) && src_type == type && !(w && w->transpose) &&
        raw_offset(t, first, &offset))
        return safetensors_read_raw(file, t, offset, bytes, dst);
    float *values = malloc((size_t)(n ? n : 1) * sizeof *values);
    if (!values) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "quantize: tensor '%s'", t->name);
    pixeen_status st = w ? model_weight_read_f32(w, 0, n, values) : safetensors_read_f32(p->in, t, 0, n, values);
    if (!st) ggml_quantize(type, values, (size_t)(n / ggml_block_elems(type)), dst);
    free(values);
    return st;
}

static void print_bytes(FILE *f, uint64_t n) {
    if (n >= (1ull << 30)) fprintf(f, "%.2f GiB", (double)n / (double)(1ull << 30));
    else if (n >= (1ull << 20)) fprintf(f, "%.1f MiB", (double)n / (double)(1ull << 20));
    else fprintf(f, "%.1f KiB", (double)n / 1024.0);
}

/* The output of one source tensor (or one weight, in diffusers names): its type by the rules. */
static void plan_add(plan *p, size_t k, const safetensors_tensor *t, const model_weight *w, const char *name,
                     ggml_type type, uint64_t *bytes_in, uint64_t *bytes_out, size_t *quantized) {
    uint32_t stored = 0;
    gguf_dtype_to_ggml(t->dtype, &stored);
    gguf_out_tensor *o = &p->out[k];
    o->name = name;
    o->ndim = w ? w->ndim : t->ndim ? t->ndim : 1;
    o->shape[0] = 1;
    for (int d = 0; d < (w ? w->ndim : t->ndim); d++) o->shape[d] = w ? w->shape[d] : t->shape[d];
    /* rows as stored decide (a 1x1 convolution stays a row of 1, as the converter sees it) */
    int64_t ne0 = w && w->transpose ? w->shape[w->ndim - 1] : t->ndim ? t->shape[t->ndim - 1] : 1;
    uint64_t offset;
    if (should_convert(name, ne0, type)) o->type = type;
    else if (!w || (!w->transpose && raw_offset(t, w->first_element, &offset))) o->type = stored;
    else o->type = GGML_F16; /* a transposed or sliced tensor is rewritten: exactly, in fp16 */
    if (o->type != stored && ggml_type_is_quantized(o->type)) (*quantized)++;
    p->src[k] = t;
    if (p->weights) p->weights[k] = w;
    uint64_t n = w ? w->n_elements : t->n_elements;
    *bytes_in += w ? n * (t->nbytes / (t->n_elements ? t->n_elements : 1)) : t->nbytes;
    *bytes_out += n / ggml_block_elems(o->type) * ggml_block_bytes(o->type);
}

/* stable-diffusion.cpp's prefixes for a diffusers folder's components (init_from_diffusers_file). */
static const char *diffusers_prefix(model_component c) {
    static const char *const prefixes[MODEL_COMPONENT_COUNT] = {"te.", "te.1.", "unet.", "vae."};
    return prefixes[c];
}

pixeen_status model_quantize(const char *in_path, const char *out_path, const char *type_name, FILE *log) {
    return model_quantize_names(in_path, out_path, type_name, QUANTIZE_NAMES_AUTO, log);
}

pixeen_status model_quantize_names(const char *in_path, const char *out_path, const char *type_name,
                                   quantize_names names, FILE *log) {
    if (!in_path || !out_path || !type_name)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "quantize: null argument");
    ggml_type type;
    if (!ggml_type_parse(type_name, &type) || !ggml_type_can_quantize(type))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "quantize: type '%s' is not one Pixeen writes (q8_0, q5_1, q5_0, q4_1, q4_0, q6_K, q5_K, "
                         "q4_K, f16, f32)",
                         type_name);
    /* The input must be a model Pixeen can run (a clear error otherwise). */
    model *m = NULL;
    PX_TRY(model_open(in_path, &m));
    bool diffusers = names == QUANTIZE_NAMES_DIFFUSERS || (names == QUANTIZE_NAMES_AUTO && model_has_diffusers_names(m));
    if (!diffusers && model_has_diffusers_names(m)) {
        model_close(m);
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "quantize: '%s' holds diffusers names; quantize writes them as they are (unet., vae., te., "
                         "te.1.), not the original layout's",
                         in_path);
    }
    const safetensors_file *in = model_component_file(m, MODEL_UNET);
    size_t n = 0, kept = 0, quantized = 0;
    if (diffusers)
        for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) n += model_weight_count(m, (model_component)c);
    else
        n = safetensors_count(in);
    plan p = {.in = in, .src = calloc(n ? n : 1, sizeof *p.src), .out = calloc(n ? n : 1, sizeof *p.out),
              .weights = diffusers ? calloc(n ? n : 1, sizeof *p.weights) : NULL};
    char **owned = diffusers ? calloc(n ? n : 1, sizeof *owned) : NULL;
    pixeen_status st = p.src && p.out && (!diffusers || (p.weights && owned))
                           ? PIXEEN_OK
                           : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "quantize: tensor table");
    uint64_t bytes_in = 0, bytes_out = 0;
    for (int c = 0; c < MODEL_COMPONENT_COUNT && diffusers && !st; c++) {
        /* every weight the networks use, under stable-diffusion.cpp's prefix, in its diffusers shape */
        for (size_t i = 0; i < model_weight_count(m, (model_component)c) && !st; i++) {
            const model_weight *w = model_weight_at(m, (model_component)c, i);
            size_t len = strlen(diffusers_prefix((model_component)c)) + strlen(w->name) + 1;
            if (!(owned[kept] = malloc(len))) {
                st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "quantize: names");
                break;
            }
            snprintf(owned[kept], len, "%s%s", diffusers_prefix((model_component)c), w->name);
            plan_add(&p, kept, w->tensor, w, owned[kept], type, &bytes_in, &bytes_out, &quantized);
            kept++;
        }
    }
    for (size_t i = 0; i < n && !diffusers && !st; i++) {
        const safetensors_tensor *t = safetensors_at(in, i);
        uint32_t stored;
        if (!safetensors_dtype_is_weight(t->dtype) || !gguf_dtype_to_ggml(t->dtype, &stored) ||
            !strncmp(t->name, "model_ema.", 10) || t->ndim > 4)
            continue;
        plan_add(&p, kept++, t, NULL, t->name, type, &bytes_in, &bytes_out, &quantized);
    }
    if (!st) st = gguf_write_file(out_path, p.out, kept, NULL, 0, 32, fill_tensor, &p);
    if (!st && log) {
        fprintf(log, "quantized %zu of %zu tensors to %s%s: ", quantized, kept, ggml_type_name(type),
                diffusers ? " (diffusers names)" : "");
        print_bytes(log, bytes_in);
        fprintf(log, " -> ");
        print_bytes(log, bytes_out);
        fprintf(log, " (%s)\n", out_path);
    }
    for (size_t i = 0; owned && i < kept; i++) free(owned[i]);
    free(owned);
    free(p.src);
    free(p.out);
    free(p.weights);
    model_close(m);
    if (st) return st;
    /* The result must open as the same kind of model. */
    st = model_open(out_path, &m);
    model_close(m);
    return st ? error_wrap(st, "quantize: the written file does not open: ") : PIXEEN_OK;
}
