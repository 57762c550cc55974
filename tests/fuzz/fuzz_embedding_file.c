/* fuzz_embedding_file.c — a textual-inversion embedding (models/embedding_file.h) from arbitrary
 * bytes: the strict safetensors reader, then the layout rules (emb_params, clip_l/clip_g, a single
 * tensor) for both text encoders at the widths of SD 1.x (768) and of the fuzz seeds (8).
 * Any input must give vectors or an error, never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>

#include "models/embedding_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    safetensors_file *f = NULL;
    if (safetensors_open_memory(data, size, "fuzz", &f) != PIXEEN_OK) return 0;
    static const int64_t dims[2] = {8, 768};
    for (int c = 0; c < 2; c++)
        for (int d = 0; d < 2; d++) {
            float *v = NULL;
            int64_t n = 0;
            if (embedding_file_vectors(f, c ? MODEL_TEXT_ENCODER_2 : MODEL_TEXT_ENCODER, dims[d], &v, &n) == PIXEEN_OK) {
                if (!v || n < 1 || n > 75) abort();
                free(v);
            }
        }
    safetensors_close(f);
    return 0;
}
