/* cmd_quantize.c — `pixeen quantize IN OUT.gguf --type T`: a checkpoint into GGUF (no GPU). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f) {
    fprintf(f, "usage: pixeen quantize IN OUT.gguf --type q8_0|q5_1|q5_0|q4_1|q4_0|q6_K|q5_K|q4_K|f16\n"
               "Writes the checkpoint IN (a .safetensors or .gguf file, or a diffusers folder) as GGUF with its\n"
               "weights quantized the way stable-diffusion.cpp's converter does (a file's names as stored, a\n"
               "folder's diffusers names under unet./vae./te./te.1.; biases, embeddings, time embeddings and\n"
               "convolution kernels keep their type), readable by both.\n"
               "The output is written atomically. The GPU is not used.\n");
}

int cmd_quantize(int argc, char **argv) {
    const char *in = NULL, *out = NULL, *type = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--type") || !strcmp(argv[i], "-t")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "pixeen quantize: %s needs a value\n", argv[i]);
                return 2;
            }
            type = argv[++i];
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "pixeen quantize: unknown option '%s' (pixeen quantize --help)\n", argv[i]);
            return 2;
        } else if (!in) {
            in = argv[i];
        } else if (!out) {
            out = argv[i];
        } else {
            fprintf(stderr, "pixeen quantize: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!in || !out || !type) {
        usage(stderr);
        return 2;
    }
    pixeen_status status = pixeen_model_quantize(in, out, type, stdout);
    if (status != PIXEEN_OK) return cli_fail(status, "quantize");
    return 0;
}
