/* gguf_write.h — writing GGUF v3 files (pixeen quantize; tests and the fuzz corpus build theirs).
 *
 * Tensors are written in the order given, each at an offset aligned to `alignment` (32 unless the
 * caller asks otherwise; then general.alignment is written), shapes given in C order (outermost
 * first) and stored innermost first as GGUF wants. String key/value pairs only. Tensor bytes come
 * from a callback, one tensor at a time, so a checkpoint is converted with one tensor in memory.
 * gguf_write_file writes a temporary file beside `path`, fsyncs it and renames it over `path`:
 * a failure or an interruption leaves no half-written file. The temporary is the vault's
 * (vault_file_temporary_create): a signal handler that calls vault_file_abort_temporaries (the
 * CLI's) removes it, and after SIGKILL the next save into that folder does.
 * Entry points: gguf_write_file, gguf_write_memory.
 */
#ifndef PIXEEN_MODELS_GGUF_WRITE_H
#define PIXEEN_MODELS_GGUF_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct gguf_out_tensor {
    const char *name;
    uint32_t type; /* ggml type (ggml_quant.h) */
    int ndim;      /* 1..4 */
    int64_t shape[4];
} gguf_out_tensor;

typedef struct gguf_out_kv {
    const char *key, *value;
} gguf_out_kv;

/* Fills `bytes` bytes of tensor `index` (its size for its type and shape) into dst. */
typedef pixeen_status (*gguf_fill_fn)(size_t index, uint8_t *dst, uint64_t bytes, void *user);

pixeen_status gguf_write_file(const char *path, const gguf_out_tensor *tensors, size_t count, const gguf_out_kv *kv,
                              size_t kv_count, uint32_t alignment, gguf_fill_fn fill, void *user);
/* The same into a malloc'ed buffer (*out, *size; free with free()). */
pixeen_status gguf_write_memory(const gguf_out_tensor *tensors, size_t count, const gguf_out_kv *kv, size_t kv_count,
                                uint32_t alignment, gguf_fill_fn fill, void *user, uint8_t **out, size_t *size);

#endif
