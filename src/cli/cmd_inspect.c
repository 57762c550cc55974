/* cmd_inspect.c — `pixeen inspect MODEL`: what a model file or folder is (no GPU). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_inspect(int argc, char **argv) {
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: pixeen inspect MODEL\n"
                   "Prints the layout (diffusers folder or single .safetensors file), the family (SD 1.x, SD 2.x,\n"
                   "SDXL, inpainting), each network's parameters, dtypes and configuration, and the metadata.\n"
                   "Reads headers only; the GPU is not used.\n");
            return 0;
        }
        if (argv[i][0] == '-' || path) {
            fprintf(stderr, "pixeen inspect: unexpected argument '%s' (pixeen inspect --help)\n", argv[i]);
            return 2;
        }
        path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: pixeen inspect MODEL\n");
        return 2;
    }
    pixeen_status status = pixeen_model_inspect(path, stdout);
    if (status != PIXEEN_OK) return cli_fail(status, "inspect");
    return 0;
}
