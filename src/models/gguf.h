/* gguf.h — reading GGUF files (ggml's container, specified in
 * https://github.com/ggerganov/ggml/blob/master/docs/gguf.md)
 * as strictly as safetensors.
 *
 * A file is: magic "GGUF", uint32 version (2 or 3 read; 1 used 32-bit counts and is refused),
 * uint64 tensor count, uint64 key/value count, the key/value pairs (key: uint64 length + bytes;
 * uint32 value type; value — scalars, strings, or one-level arrays of them), the tensor infos (name,
 * uint32 n_dims, n_dims uint64 extents innermost first, uint32 ggml type, uint64 offset relative
 * to the data section), padding to `general.alignment` (default 32), then the data section.
 *
 * gguf_parse() checks everything before anything is used: every read within the file (an
 * overflow-checked cursor), string lengths (keys and names at most GGUF_MAX_NAME bytes, no NUL),
 * value types, bools 0/1, no nested arrays, no duplicate keys or tensor names, general.alignment a
 * uint32 power of two, tensor ranks 1..4, known types (ggml_quant.h), extents whose product fits
 * 63 bits and whose innermost extent is a whole number of the type's blocks, offsets aligned,
 * every tensor inside the data section, no two overlapping. Errors name the file, what was wrong
 * and the byte position.
 *
 * The result is a table of safetensors_tensor entries (shape in C order, outermost first, as
 * safetensors and PyTorch print it: GGUF's [ne0, ne1, ...] reversed; quantized types carry the
 * SAFETENSORS_Q* dtypes) that safetensors.c adopts, so one file object serves both formats and the
 * model layer binds GGUF tensors by name exactly like a single-file checkpoint. Key/value pairs
 * become metadata strings (numbers printed, arrays summarised as "[N x type]").
 * Values are not checked here; the loader checks each kept block's scales (ggml_block_finite) and
 * every converted value, as for safetensors.
 * Left out: big-endian GGUF (refused with a message), writing (gguf_write.h).
 */
#ifndef PIXEEN_MODELS_GGUF_H
#define PIXEEN_MODELS_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/safetensors.h"

/* Names and keys: ggml itself allows 64 bytes (GGML_MAX_NAME, raised to 128 by stable-diffusion.cpp
 * for its long UNet names); 1024 leaves room without letting one string be huge. */
#define GGUF_MAX_NAME 1024
/* String values (a tokenizer's merges are arrays of short strings; a chat template is a few KB). */
#define GGUF_MAX_STRING (16u << 20)
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_DIMS 4

typedef struct gguf_table {
    uint32_t version;
    uint64_t alignment;
    uint64_t data_start;          /* absolute offset of the data section */
    safetensors_tensor *tensors;  /* offsets absolute; names point into `names` */
    size_t count;
    char *names;                  /* all tensor names, NUL-separated */
    char **meta_keys, **meta_values;
    size_t meta_count;
} gguf_table;

/* True when the bytes start with the GGUF magic (either byte order). */
bool gguf_has_magic(const uint8_t *data, uint64_t size);
/* Validates `size` bytes and fills `out` (free with gguf_table_free; on error nothing is left to
 * free). `path` names the file in messages. */
pixeen_status gguf_parse(const uint8_t *data, uint64_t size, const char *path, gguf_table *out);
void gguf_table_free(gguf_table *t);

/* The ggml type behind a safetensors dtype of a GGUF tensor (F32/F16/BF16 and the block types),
 * and back; false when there is none. */
bool gguf_dtype_to_ggml(safetensors_dtype dtype, uint32_t *type);
bool gguf_ggml_to_dtype(uint32_t type, safetensors_dtype *dtype);

#endif
