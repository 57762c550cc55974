/* quantize.c — `pixeen quantize`: a checkpoint into stable-diffusion.cpp-compatible GGUF (quantize.h). */
#include "models/quantize.h"

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

/* stable-diffusion.cpp's tensor_should_be_converted for UNet-family models. */
static bool should_convert(const safetensors_tensor *t, uint32_t type) {
    int64_t ne0 = t->ndim ? t->shape[t->ndim - 1] : 1;
    if (ggml_type_is_quantized(type) && ne0 % ggml_block_elems(type)) return false;
    if (ends_with(t->name, ".bias") || ends_with(t->name, ".scale") || ends_with(t->name, ".weight_scale"))
        return false;
    return !strstr(t->name, "time_embed.") && !strstr(t->name, "label_emb.") && !strstr(t->name, "embedding");
}

typedef struct plan {
    const safetensors_file *in;
    const safetensors_tensor **src;
    gguf_out_tensor *out;
} plan;

static pixeen_status fill_tensor(size_t index, uint8_t *dst, uint64_t bytes, void *user) {
    plan *p = user;
    const safetensors_tensor *t = p->src[index];
    uint32_t type = p->out[index].type;
    uint32_t src_type = 0;
    if (gguf_dtype_to_ggml(t->dtype, &src_type) && src_type == type) /* kept as stored: copy the bytes */
        return safetensors_read_raw(p->in, t, 0, bytes, dst);
    float *values = malloc((size_t)(t->n_elements ? t->n_elements : 1) * sizeof *values);
    if (!values) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "quantize: tensor '%s'", t->name);
    pixeen_status st = safetensors_read_f32(p->in, t, 0, t->n_elements, values);
    if (!st) ggml_quantize(type, values, (size_t)(t->n_elements / ggml_block_elems(type)), dst);
    free(values);
    return st;
}

static void print_bytes(FILE *f, uint64_t n) {
    if (n >= (1ull << 30)) fprintf(f, "%.2f GiB", (double)n / (double)(1ull << 30));
    else if (n >= (1ull << 20)) fprintf(f, "%.1f MiB", (double)n / (double)(1ull << 20));
    else fprintf(f, "%.1f KiB", (double)n / 1024.0);
}

pixeen_status model_quantize(const char *in_path, const char *out_path, const char *type_name, FILE *log) {
    if (!in_path || !out_path || !type_name)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "quantize: null argument");
    ggml_type type;
    if (!ggml_type_parse(type_name, &type) || !ggml_type_can_quantize(type))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "quantize: type '%s' is not one Pixeen writes (q8_0, q5_1, q5_0, q4_1, q4_0, q6_K, q5_K, "
                         "q4_K, f16, f32)",
                         type_name);
    /* The input must be a model Pixeen can run (a clear error otherwise), in one file. */
    model *m = NULL;
    PX_TRY(model_open(in_path, &m));
    bool single = model_get_layout(m) == MODEL_LAYOUT_SINGLE_FILE;
    model_close(m);
    if (!single)
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "quantize: '%s' is a diffusers folder; quantize reads a single-file checkpoint "
                         "(original layout .safetensors or .gguf), as stable-diffusion.cpp's converter does",
                         in_path);
    safetensors_file *in = NULL;
    PX_TRY(safetensors_open(in_path, &in));
    size_t n = safetensors_count(in), kept = 0, quantized = 0;
    plan p = {.in = in, .src = calloc(n ? n : 1, sizeof *p.src), .out = calloc(n ? n : 1, sizeof *p.out)};
    pixeen_status st = p.src && p.out ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "quantize: tensor table");
    uint64_t bytes_in = 0, bytes_out = 0;
    for (size_t i = 0; i < n && !st; i++) {
        const safetensors_tensor *t = safetensors_at(in, i);
        uint32_t stored;
        if (!safetensors_dtype_is_weight(t->dtype) || !gguf_dtype_to_ggml(t->dtype, &stored) ||
            !strncmp(t->name, "model_ema.", 10) || t->ndim > 4)
            continue;
        gguf_out_tensor *o = &p.out[kept];
        o->name = t->name;
        o->ndim = t->ndim ? t->ndim : 1;
        o->shape[0] = 1;
        for (int d = 0; d < t->ndim; d++) o->shape[d] = t->shape[d];
        /* a stored block type that is not converted stays as it is; F32 and F16 targets convert any */
        o->type = should_convert(t, type) ? (uint32_t)type : stored;
        if (o->type != stored && ggml_type_is_quantized(o->type)) quantized++;
        p.src[kept++] = t;
        bytes_in += t->nbytes;
        bytes_out += t->n_elements / ggml_block_elems(o->type) * ggml_block_bytes(o->type);
    }
    if (!st) st = gguf_write_file(out_path, p.out, kept, NULL, 0, 32, fill_tensor, &p);
    if (!st && log) {
        fprintf(log, "quantized %zu of %zu tensors to %s: ", quantized, kept, ggml_type_name(type));
        print_bytes(log, bytes_in);
        fprintf(log, " -> ");
        print_bytes(log, bytes_out);
        fprintf(log, " (%s)\n", out_path);
    }
    free(p.src);
    free(p.out);
    safetensors_close(in);
    if (st) return st;
    /* The result must open as the same kind of model. */
    st = model_open(out_path, &m);
    model_close(m);
    return st ? error_wrap(st, "quantize: the written file does not open: ") : PIXEEN_OK;
}
