/* fuzz_safetensors.c — safetensors_open_memory on arbitrary bytes; when it accepts them, every
 * weight tensor is read (first elements, both conversions) and the single-file family detection
 * runs over the keys. Nothing may crash, leak or read outside the buffer. */
#include <stdint.h>
#include <stdlib.h>

#include "models/model.h"
#include "models/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    safetensors_file *f = NULL;
    if (safetensors_open_memory(data, size, "fuzz", &f) != PIXEEN_OK) return 0;
    uint16_t h[64];
    float v[64];
    for (size_t i = 0; i < safetensors_count(f); i++) {
        const safetensors_tensor *t = safetensors_at(f, i);
        uint64_t n = t->n_elements < 64 ? t->n_elements : 64;
        (void)safetensors_read_f16(f, t, 0, n, h);
        (void)safetensors_read_f32(f, t, t->n_elements - n, n, v);
        (void)safetensors_find(f, t->name);
    }
    layout_detected d;
    (void)layout_detect(f, &d);
    safetensors_close(f);
    return 0;
}
