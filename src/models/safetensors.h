/* safetensors.h — reading .safetensors files (https://github.com/huggingface/safetensors) safely.
 *
 * A file is an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
 * {dtype, shape, data_offsets:[begin,end]} (offsets relative to the data section that follows the
 * header) plus an optional "__metadata__" object of string pairs, then the data section.
 *
 * safetensors_open() memory-maps the file and validates everything before anything is used: the
 * header length (within the file, at most SAFETENSORS_MAX_HEADER), the JSON, every dtype (known
 * names only), every shape (product x dtype size == byte range, with overflow-checked arithmetic),
 * every range (inside the data section, no two overlapping, no duplicate names). Integer and 0-d
 * tensors are accepted in the file (real checkpoints carry int64 position_ids and scalar buffers);
 * only the read functions insist on F32/F16/BF16.
 *
 * safetensors_read_f16()/_f32() copy a range of a tensor's elements into a caller buffer,
 * converted, reading through the mapping in windows and dropping each window's pages afterwards
 * (madvise MADV_DONTNEED) so a 7 GB checkpoint streams with a resident set of a few MB.
 *
 * A GGUF file (magic "GGUF") opened through safetensors_open/_open_memory is validated by gguf.c
 * and presented as the same table (C-order shapes; quantized tensors with block dtypes that the
 * read functions dequantize block by block), so the model layer reads both formats alike.
 *
 * Entry points: safetensors_open, safetensors_open_memory (bytes owned by the caller; fuzzing and
 * tests), safetensors_close, safetensors_find, safetensors_read_f16, safetensors_read_f32,
 * safetensors_dtype_name, safetensors_metadata_get.
 * Left out: writing (tools/make_test_model.c writes its own), big-endian hosts.
 */
#ifndef PIXEEN_MODELS_SAFETENSORS_H
#define PIXEEN_MODELS_SAFETENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* The largest header accepted: 100 MB, the same bound as the reference Rust implementation
 * (MAX_HEADER_SIZE). Real headers are far smaller (SDXL's single file: ~230 KB for ~2500 tensors),
 * and the bound keeps a hostile length from making us parse or allocate gigabytes. */
#define SAFETENSORS_MAX_HEADER (100u * 1000u * 1000u)
/* The most dimensions a tensor may have: safetensors itself has no limit, PyTorch allows 64 and
 * real weights use at most 4 (conv kernels). 8 leaves room without letting a header blow up. */
#define SAFETENSORS_MAX_DIMS 8

typedef enum safetensors_dtype {
    SAFETENSORS_F32 = 0,
    SAFETENSORS_F16,
    SAFETENSORS_BF16,
    SAFETENSORS_F64,
    SAFETENSORS_I64,
    SAFETENSORS_I32,
    SAFETENSORS_I16,
    SAFETENSORS_I8,
    SAFETENSORS_U64,
    SAFETENSORS_U32,
    SAFETENSORS_U16,
    SAFETENSORS_U8,
    SAFETENSORS_BOOL,
    SAFETENSORS_F8_E4M3,
    SAFETENSORS_F8_E5M2,
    /* ggml block types, only in GGUF files (gguf.h); never accepted from a safetensors header.
     * Their "size" is 0: n_elements and nbytes are related by the block (ggml_quant.h). */
    SAFETENSORS_Q4_0,
    SAFETENSORS_Q4_1,
    SAFETENSORS_Q5_0,
    SAFETENSORS_Q5_1,
    SAFETENSORS_Q8_0,
    SAFETENSORS_Q2_K,
    SAFETENSORS_Q3_K,
    SAFETENSORS_Q4_K,
    SAFETENSORS_Q5_K,
    SAFETENSORS_Q6_K,
    SAFETENSORS_DTYPE_COUNT
} safetensors_dtype;

typedef struct safetensors_tensor {
    const char *name;         /* owned by the file object */
    safetensors_dtype dtype;
    int ndim;                 /* 0 for a scalar */
    int64_t shape[SAFETENSORS_MAX_DIMS];
    uint64_t n_elements;      /* product of shape (1 for a scalar) */
    uint64_t offset;          /* absolute byte offset in the file */
    uint64_t nbytes;
} safetensors_tensor;

typedef struct safetensors_file safetensors_file;

/* Opens and validates `path`. On success *out owns the mapping; close with safetensors_close. */
pixeen_status safetensors_open(const char *path, safetensors_file **out);
/* Same validation over bytes the caller keeps alive until close; `name` is used in messages. */
pixeen_status safetensors_open_memory(const void *data, size_t size, const char *name,
                                      safetensors_file **out);
void safetensors_close(safetensors_file *file); /* NULL is a no-op */

const char *safetensors_path(const safetensors_file *file);
uint64_t safetensors_file_size(const safetensors_file *file);
size_t safetensors_count(const safetensors_file *file);
/* Tensors sorted by name, 0 <= index < safetensors_count. */
const safetensors_tensor *safetensors_at(const safetensors_file *file, size_t index);
/* Binary search by exact name; NULL when absent. */
const safetensors_tensor *safetensors_find(const safetensors_file *file, const char *name);

/* "__metadata__" entries (string values only, as the format says). NULL when absent. */
size_t safetensors_metadata_count(const safetensors_file *file);
void safetensors_metadata_at(const safetensors_file *file, size_t index, const char **key,
                             const char **value);
const char *safetensors_metadata_get(const safetensors_file *file, const char *key);

/* "F16", "BF16", ... as written in headers. */
const char *safetensors_dtype_name(safetensors_dtype dtype);
size_t safetensors_dtype_size(safetensors_dtype dtype);
/* True for the dtypes the read functions convert (F32, F16, BF16 and the GGUF block types). */
bool safetensors_dtype_is_weight(safetensors_dtype dtype);
/* True for the GGUF block types (SAFETENSORS_Q4_0 ... SAFETENSORS_Q6_K). */
bool safetensors_dtype_is_block(safetensors_dtype dtype);
/* The ggml type (ggml_quant.h) of a block dtype; 0 (GGML_F32) for others. */
uint32_t safetensors_dtype_ggml(safetensors_dtype dtype);

/* Copies elements [first_element, first_element + count) of `tensor` (C order) into dst,
 * converted to fp16 (round to nearest even; fp32 values beyond fp16 range become inf) or fp32.
 * Fails with PIXEEN_ERROR_UNSUPPORTED naming the tensor and dtype when it is not F32/F16/BF16,
 * and with PIXEEN_ERROR_INVALID_ARGUMENT when the range is outside the tensor. Reads at most a
 * 16 MiB window of the mapping at a time and releases those pages afterwards. */
pixeen_status safetensors_read_f16(const safetensors_file *file, const safetensors_tensor *tensor,
                                   uint64_t first_element, uint64_t count, uint16_t *dst);
/* Copies bytes [byte_offset, byte_offset + bytes) of the tensor's stored data as they are (GGUF
 * blocks the GPU keeps quantized), releasing the pages afterwards like the converting reads. */
pixeen_status safetensors_read_raw(const safetensors_file *file, const safetensors_tensor *tensor,
                                   uint64_t byte_offset, uint64_t bytes, void *dst);
pixeen_status safetensors_read_f32(const safetensors_file *file, const safetensors_tensor *tensor,
                                   uint64_t first_element, uint64_t count, float *dst);

#endif
