/* fuzz_npy.c — libFuzzer target for the .npy header parser: any input must either be rejected
 * with a status or describe a data range that lies exactly within the input. */
#include <stdint.h>
#include <stdlib.h>

#include "core/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    npy_header h;
    /* Pretend the file is `size` bytes long and all of it is in memory... */
    if (npy_parse_header(data, size, size, &h) == PIXEEN_OK) {
        if (h.data_offset + h.data_bytes != size || h.data_bytes != h.count * npy_dtype_size(h.dtype)) abort();
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < h.data_bytes; i++) sink ^= data[h.data_offset + i];
        (void)sink;
    }
    /* ...and that only a prefix was read (as npy_read does for large files). */
    if (size > 16) {
        (void)npy_parse_header(data, size / 2, size, &h);
        (void)npy_parse_header(data, size, size * 2 + 7, &h);
    }
    return 0;
}
