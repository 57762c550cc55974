/* embedding_file.c — see embedding_file.h. */
#include "models/embedding_file.h"

#include <stdlib.h>
#include <string.h>

pixeen_status embedding_file_vectors(const safetensors_file *f, model_component component, int64_t dim, float **vectors,
                                     int64_t *count) {
    *vectors = NULL;
    *count = 0;
    const char *path = safetensors_path(f);
    const safetensors_tensor *t = safetensors_find(f, "emb_params");
    const safetensors_tensor *l = safetensors_find(f, "clip_l"), *g = safetensors_find(f, "clip_g");
    if (!t && (l || g)) {
        t = component == MODEL_TEXT_ENCODER_2 ? g : l;
        if (!t)
            return error_set(PIXEEN_ERROR_MODEL, "embedding %s: no '%s' vectors for this text encoder", path,
                             component == MODEL_TEXT_ENCODER_2 ? "clip_g" : "clip_l");
    }
    if (!t && safetensors_count(f) == 1) t = safetensors_at(f, 0);
    if (!t)
        return error_set(PIXEEN_ERROR_FORMAT,
                         "embedding %s: %zu tensors and none is 'emb_params', 'clip_l' or 'clip_g' (expected one of "
                         "those, or a single tensor named after its token)",
                         path, safetensors_count(f));
    if (!safetensors_dtype_is_weight(t->dtype))
        return error_set(PIXEEN_ERROR_FORMAT, "embedding %s: '%s' is %s (expected F32, F16 or BF16)", path, t->name,
                         safetensors_dtype_name(t->dtype));
    int64_t n = t->ndim == 2 ? t->shape[0] : 1, d = t->ndim == 2 ? t->shape[1] : t->ndim == 1 ? t->shape[0] : -1;
    if (t->ndim < 1 || t->ndim > 2 || n < 1 || d < 1)
        return error_set(PIXEEN_ERROR_FORMAT, "embedding %s: '%s' has %d dimensions (expected [n, D] or [D])", path,
                         t->name, t->ndim);
    if (d != dim)
        return error_set(PIXEEN_ERROR_MODEL,
                         "embedding %s: vectors of %lld values, this model's text encoder takes %lld (an embedding for "
                         "another model family?)",
                         path, (long long)d, (long long)dim);
    if (n > 75)
        return error_set(PIXEEN_ERROR_FORMAT, "embedding %s: %lld vectors (at most 75 fit a prompt chunk)", path,
                         (long long)n);
    *vectors = malloc((size_t)(n * d) * sizeof **vectors);
    if (!*vectors) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "embedding: out of host memory");
    pixeen_status st = safetensors_read_f32(f, t, 0, (uint64_t)(n * d), *vectors);
    if (st != PIXEEN_OK) {
        free(*vectors);
        *vectors = NULL;
        return st;
    }
    *count = n;
    return PIXEEN_OK;
}

pixeen_status embedding_file_read(const char *path, model_component component, int64_t dim, float **vectors,
                                  int64_t *count) {
    *vectors = NULL;
    *count = 0;
    safetensors_file *f = NULL;
    pixeen_status st = safetensors_open(path, &f);
    if (st != PIXEEN_OK) return error_wrap(st, "embedding: ");
    st = embedding_file_vectors(f, component, dim, vectors, count);
    safetensors_close(f);
    return st;
}
