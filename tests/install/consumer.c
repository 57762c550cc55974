/* consumer.c — a program built against an INSTALLED Pixeen (tests/install_test.sh): compiled as
 * C99 and as C++ from this one file, through pkg-config, the static archive and find_package. It
 * prints the run-time version and a status name, checks them against the header's macros, and
 * makes one call that reaches the library's argument checks (no GPU needed). */
#include <pixeen/pixeen.h>
#include <stdio.h>
#include <string.h>

#if defined(VULKAN_H_) || defined(VULKAN_CORE_H_) || defined(sodium_H)
#error "pixeen.h must include neither vulkan.h nor sodium.h"
#endif

int main(void) {
    char macros[32];
    snprintf(macros, sizeof macros, "%d.%d.%d", PIXEEN_VERSION_MAJOR, PIXEEN_VERSION_MINOR, PIXEEN_VERSION_PATCH);
    pixeen_context_desc desc;
    memset(&desc, 0, sizeof desc); /* {0} in C, {} in C++ */
    desc.reserved[0] = 1;
    pixeen_context *ctx = NULL;
    pixeen_status status = pixeen_context_create(&desc, &ctx);
#ifdef __cplusplus
    const char *language = "C++";
#else
    const char *language = "C";
#endif
    printf("%s: pixeen %s, %s\n", language, pixeen_version(), pixeen_status_string(status));
    return strcmp(pixeen_version(), macros) == 0 && status == PIXEEN_ERROR_UNSUPPORTED && ctx == NULL ? 0 : 1;
}
