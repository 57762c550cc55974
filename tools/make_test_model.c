/* make_test_model.c — writes a random-weight Stable Diffusion model with the real tensor names
 * and shapes (see tools/support/testmodel.h).
 *
 *   make_test_model [--config sd15-tiny|sd15|sd2-tiny|sdxl-tiny|sd21|sdxl] [--layout diffusers|single] [--dtype f32|f16]
 *                   [--seed N] OUT
 *
 * OUT is a folder for --layout diffusers (the default) or a .safetensors file for single (a
 * tokenizer/ folder is written beside it). Same seed, same values, in either layout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testmodel.h"

static int usage(void) {
    fprintf(stderr, "usage: make_test_model [--config sd15-tiny|sd15|sd2-tiny|sdxl-tiny|sd21|sdxl] [--layout diffusers|single] "
                    "[--dtype f32|f16] [--seed N] OUT\n");
    return 2;
}

int main(int argc, char **argv) {
    testmodel_options o = {.config = "sd15-tiny"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--config") && v) o.config = argv[++i];
        else if (!strcmp(a, "--layout") && v) {
            if (!strcmp(v, "single")) o.single_file = true;
            else if (strcmp(v, "diffusers")) return usage();
            i++;
        } else if (!strcmp(a, "--dtype") && v) {
            if (!strcmp(v, "f16")) o.fp16 = true;
            else if (strcmp(v, "f32")) return usage();
            i++;
        } else if (!strcmp(a, "--seed") && v) {
            o.seed = strtoull(argv[++i], NULL, 10);
        } else if (a[0] == '-' || o.out) {
            return usage();
        } else {
            o.out = a;
        }
    }
    if (!o.out) return usage();
    pixeen_status st = testmodel_write(&o);
    if (st) {
        fprintf(stderr, "make_test_model: %s\n", error_message());
        return 1;
    }
    printf("wrote %s (%s, %s, %s, seed %llu)\n", o.out, o.config, o.single_file ? "single file" : "diffusers folder",
           o.fp16 ? "f16" : "f32", (unsigned long long)o.seed);
    return 0;
}
