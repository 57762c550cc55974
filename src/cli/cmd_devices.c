/* cmd_devices.c — `pixeen devices [--device SELECTOR]`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_devices(int argc, char **argv) {
    const char *selector = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc) {
            selector = argv[++i];
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: pixeen devices [--device INDEX|NAME]\n"
                   "Lists every Vulkan device and marks the one Pixeen would use\n"
                   "(--device, else $PIXEEN_DEVICE, else discrete > integrated > virtual > CPU).\n");
            return 0;
        } else {
            fprintf(stderr, "pixeen devices: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    pixeen_status status = pixeen_devices_print(stdout, selector);
    if (status != PIXEEN_OK) return cli_fail(status, "devices");
    return 0;
}
