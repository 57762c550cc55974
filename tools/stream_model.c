/* stream_model.c — streams every weight of a model (either layout) through one fixed buffer,
 * converted to fp16, exactly as the GPU upload does through its staging buffer; prints the
 * amount, the time and a checksum. Used to measure that resident memory stays low for big
 * checkpoints: `/usr/bin/time -v stream_model MODEL` (peak RSS) against `--open-only`.
 *
 *   stream_model [--buffer-mib N] [--open-only] MODEL      (N: staging buffer size, default 16) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "models/model.h"

int main(int argc, char **argv) {
    const char *path = NULL;
    size_t mib = 16; /* the GPU layer's staging buffer size the measurement is specified for */
    int open_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--buffer-mib") && i + 1 < argc) mib = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--open-only")) open_only = 1;
        else path = argv[i];
    }
    if (!path || mib == 0) {
        fprintf(stderr, "usage: stream_model [--buffer-mib N] [--open-only] MODEL\n");
        return 2;
    }
    double t0 = clock_wall_seconds();
    model *m = NULL;
    if (model_open(path, &m) != PIXEEN_OK) {
        fprintf(stderr, "stream_model: %s\n", error_message());
        return 1;
    }
    size_t cap = mib << 20 >> 1; /* fp16 elements in the buffer */
    uint16_t *buf = malloc(cap * sizeof *buf);
    uint64_t elements = 0, sum = 0, tensors = 0;
    for (int c = 0; c < MODEL_COMPONENT_COUNT && !open_only; c++)
        for (size_t i = 0; i < model_weight_count(m, c); i++) {
            const model_weight *w = model_weight_at(m, c, i);
            for (uint64_t done = 0; done < w->n_elements;) {
                uint64_t n = w->n_elements - done < cap ? w->n_elements - done : cap;
                if (model_weight_read_f16(w, done, n, buf) != PIXEEN_OK) {
                    fprintf(stderr, "stream_model: %s\n", error_message());
                    return 1;
                }
                for (uint64_t k = 0; k < n; k += 4099) sum += buf[k]; /* touch the data */
                done += n;
            }
            elements += w->n_elements;
            tensors++;
        }
    double s = clock_wall_seconds() - t0;
    printf("%llu tensors, %llu elements streamed through a %zu MiB buffer in %.2f s (%.2f G elements/s), "
           "checksum %llu\n",
           (unsigned long long)tensors, (unsigned long long)elements, mib, s, (double)elements / s / 1e9,
           (unsigned long long)sum);
    free(buf);
    model_close(m);
    return 0;
}
