/* shader_table.h — the SPIR-V modules embedded at build time (see cmake/Shaders.cmake).
 * shaders/<stem>.comp becomes module "<stem>", or "<stem><suffix>" for each `// @variant` line. */
#ifndef PIXEEN_GPU_SHADER_TABLE_H
#define PIXEEN_GPU_SHADER_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct shader_module {
    const char *name;
    const uint32_t *code;
    size_t size; /* bytes */
};

extern const struct shader_module shader_modules[];
extern const size_t shader_module_count;

#endif
