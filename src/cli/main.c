/* main.c — `pixeen <command> [options]`: dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command commands[] = {
    {"generate", "text to image: pixeen generate -m MODEL -p PROMPT [--save OUT.png.age]", cmd_generate},
    {"devices", "list Vulkan devices, their capabilities, and which one Pixeen would use", cmd_devices},
    {"probe", "run one network (text encoder, UNet, VAE decoder) on .npy inputs, write its output as .npy", cmd_probe},
    {"quantize", "write a checkpoint as GGUF with quantized weights (q8_0, q4_0, q4_K, ...)", cmd_quantize},
    {"inspect", "show a model's family, layout, networks, parameters and metadata (no GPU)", cmd_inspect},
    {"tokenize", "show how a prompt is tokenized: pieces, weights and ids per 77-token chunk", cmd_tokenize},
    {"keygen", "create an age identity (private key) and print its recipient", cmd_keygen},
    {"open", "decrypt an age file (an image saved by Pixeen, or any age file)", cmd_open},
    {"history", "list, export or delete the encrypted history of generations", cmd_history},
    {"bench", "measure the device's ceilings and time every operator against them", cmd_bench},
};

int cli_fail(pixeen_status status, const char *what) {
    const char *detail = pixeen_last_error();
    fprintf(stderr, "pixeen: %s: %s%s%s\n", what, pixeen_status_string(status), detail[0] ? "\n  " : "",
            detail);
    return 1;
}

static void usage(FILE *out) {
    fprintf(out, "pixeen %s — Stable Diffusion on any Vulkan GPU, private by construction\n\n", pixeen_version());
    fprintf(out, "usage: pixeen <command> [options]   (pixeen <command> --help for its options)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv) {
    /* Before anything holds a prompt or a key: no core file can hold them, and Ctrl-C, SIGTERM,
     * SIGHUP or SIGQUIT during a save leave no temporary file behind (see pixeen.h). */
    if (pixeen_process_protect(1) != PIXEEN_OK) fprintf(stderr, "pixeen: warning: %s\n", pixeen_last_error());
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("pixeen %s\n", pixeen_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "pixeen: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
