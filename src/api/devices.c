/* devices.c — public entry point for listing devices (pixeen_devices_print). */
#include "gpu/gpu.h"

PIXEEN_API pixeen_status pixeen_devices_print(FILE *out, const char *selector) {
    error_clear();
    if (!out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "devices: the output stream is NULL");
    return gpu_devices_print(out, selector);
}
