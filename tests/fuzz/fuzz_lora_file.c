/* fuzz_lora_file.c — a LoRA file's modules (models/lora_file.h) from arbitrary bytes: the strict
 * safetensors reader first, then the grouping into modules, the rank and shape checks and the
 * alpha read. Any input must give a file or an error, never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>

#include "models/lora_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lora_file *f = NULL;
    if (lora_file_open_memory(data, size, "fuzz", &f) != PIXEEN_OK) return 0;
    for (size_t i = 0; i < f->count; i++)
        if (!f->modules[i].down || !f->modules[i].up || f->modules[i].rank <= 0) abort();
    lora_file_close(f);
    return 0;
}
