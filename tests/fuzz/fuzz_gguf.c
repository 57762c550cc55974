/* fuzz_gguf.c — the GGUF reader on arbitrary bytes: gguf_parse directly, then the same bytes
 * through safetensors_open_memory (the path model_open takes); when accepted, the first and last
 * values of every tensor are read (block types dequantized, reads starting and ending inside
 * blocks) and the family detection runs over the names. Nothing may crash, leak or read outside
 * the buffer. Seeds: tests/data/corpus/gguf (every block type, every key/value type, v2, a
 * truncated file, a big-endian header). */
#include <stdint.h>
#include <stdlib.h>

#include "models/gguf.h"
#include "models/model.h"
#include "models/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gguf_table t;
    if (gguf_parse(data, size, "fuzz", &t) == PIXEEN_OK) gguf_table_free(&t);
    safetensors_file *f = NULL;
    if (!gguf_has_magic(data, size) || safetensors_open_memory(data, size, "fuzz", &f) != PIXEEN_OK) return 0;
    uint16_t h[300];
    float v[300];
    for (size_t i = 0; i < safetensors_count(f); i++) {
        const safetensors_tensor *ti = safetensors_at(f, i);
        uint64_t n = ti->n_elements < 300 ? ti->n_elements : 300;
        uint64_t skew = ti->n_elements > n ? 1 : 0; /* start inside a block */
        (void)safetensors_read_f16(f, ti, skew, n - skew, h);
        (void)safetensors_read_f32(f, ti, ti->n_elements - n, n, v);
    }
    layout_detected d;
    (void)layout_detect(f, &d);
    safetensors_close(f);
    return 0;
}
