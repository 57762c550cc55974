/* npy.h — NumPy .npy files: read and write the few dtypes Pixeen exchanges with Python tools
 * (tensor dumps for `pixeen probe`, parity checks). Format: "\x93NUMPY", version byte pair,
 * header length (uint16 LE in v1.0, uint32 LE in v2.0/3.0), an ASCII Python dict literal
 * {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces and '\n', then
 * the raw C-order data.
 *
 * Supported: dtypes '<f4', '<f2', '<i4', '<i8' (and '|'/'=' byte-order marks numpy may write
 * for the same little-endian data on this host), C order, up to NPY_MAX_DIMS dimensions, 0-d
 * arrays. Rejected with a clear message: Fortran order, big-endian, any other dtype (object
 * arrays included), malformed or oversized headers (numpy's own limit, 10000 bytes), shapes whose
 * byte size overflows, and files whose size is not exactly header + shape x item size.
 * Entry points: npy_parse_header, npy_read, npy_write, npy_encode_header, npy_dtype_size,
 * npy_dtype_name.
 */
#ifndef PIXEEN_CORE_NPY_H
#define PIXEEN_CORE_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum npy_dtype {
    NPY_DTYPE_F32 = 0,
    NPY_DTYPE_F16 = 1,
    NPY_DTYPE_I32 = 2,
    NPY_DTYPE_I64 = 3,
} npy_dtype;

/* Dimensions accepted (Pixeen's tensors have at most 5; numpy allows 64). */
#define NPY_MAX_DIMS 8
/* numpy's np.load refuses headers above 10000 bytes by default (max_header_size); so do we. */
#define NPY_MAX_HEADER_BYTES 10000

typedef struct npy_header {
    npy_dtype dtype;
    int ndim;                       /* 0 for a scalar array */
    uint64_t shape[NPY_MAX_DIMS];   /* [ndim] */
    size_t count;                   /* product of shape (1 for ndim 0) */
    size_t data_offset;             /* bytes before the data */
    size_t data_bytes;              /* count * item size */
} npy_header;

/* Item size in bytes (4, 2, 4, 8), 0 for an unknown value. */
size_t npy_dtype_size(npy_dtype dtype);
/* numpy's descr string ("<f4", ...), "?" for an unknown value. */
const char *npy_dtype_name(npy_dtype dtype);

/* Parses and validates the header at the start of `buf`, where `file_size` is the size of the
 * whole file (`len` <= file_size bytes are available in buf: at least the header). On success the
 * data lies at [data_offset, data_offset + data_bytes) == [.., file_size). PIXEEN_ERROR_FORMAT
 * (with the reason) for anything malformed or unsupported. Reads nothing beyond buf[len - 1]. */
pixeen_status npy_parse_header(const uint8_t *buf, size_t len, size_t file_size, npy_header *out);

/* Reads a whole file: `*data` is malloc'ed (free() it; NULL for 0 elements). */
pixeen_status npy_read(const char *path, npy_header *header, void **data);

/* Writes the header for an array to `buf` (capacity `cap`): v1.0, or v2.0 when the header does
 * not fit 65535 bytes, padded with spaces to a multiple of 64 bytes and ended by '\n'. */
pixeen_status npy_encode_header(npy_dtype dtype, int ndim, const uint64_t *shape, uint8_t *buf,
                                size_t cap, size_t *len);

/* Writes header + data (count * item size bytes, C order) to `path`, replacing it. The caller is
 * responsible for what it writes: this is a debugging/export format, never used for secrets. */
pixeen_status npy_write(const char *path, npy_dtype dtype, int ndim, const uint64_t *shape,
                        const void *data);

#endif
