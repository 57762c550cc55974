/* test_shader_abi.c — what C and the shaders must agree on: every embedded module's push-constant
 * block is readable by spirv_push_constant_size (so gpu_pipeline_get's size check is never
 * silently off), the blocks declared once in src/ops/abi/ headers have the sizes C sees, a truncated or
 * corrupted module is refused without a crash, and a pipeline asked for with the wrong push size
 * fails naming both sizes. */
#include <string.h>

#include "gpu/shader_table.h"
#include "gpu/spirv_reflect.h"
#include "gpu_test.h"
#include "ops/abi/sampler_input_push.h"
#include "ops/abi/sampler_step.h"
#include "ops/abi/sampler_update_push.h"

static const struct shader_module *find(const char *name) {
    for (size_t i = 0; i < shader_module_count; i++)
        if (strcmp(shader_modules[i].name, name) == 0) return &shader_modules[i];
    return NULL;
}

static uint32_t push_size_of(const char *name) {
    const struct shader_module *m = find(name);
    uint32_t size = 12345;
    CHECK(m != NULL);
    if (m) CHECK(spirv_push_constant_size(m->code, m->size, &size));
    return size;
}

int main(void) {
    CHECK(shader_module_count > 40);
    uint32_t with_push = 0;
    for (size_t i = 0; i < shader_module_count; i++) {
        uint32_t size = 0;
        bool ok = spirv_push_constant_size(shader_modules[i].code, shader_modules[i].size, &size);
        if (!ok) printf("unreadable push constants: %s\n", shader_modules[i].name);
        CHECK(ok);
        CHECK(size % 4 == 0 && size <= 128);
        with_push += size > 0;
    }
    CHECK(with_push > 30);
    CHECK(push_size_of("sampler_input_f32") == SAMPLER_INPUT_PUSH_SIZE);
    CHECK(push_size_of("sampler_input_f16") == SAMPLER_INPUT_PUSH_SIZE);
    CHECK(push_size_of("sampler_update_f16") == SAMPLER_UPDATE_PUSH_SIZE);
    CHECK(sizeof(sampler_step) == SAMPLER_STEP_SIZE);

    /* Truncated and corrupted modules: refused, never read past the end. */
    const struct shader_module *m = find("sampler_update_f32");
    CHECK(m != NULL);
    if (m) {
        uint32_t size = 1;
        for (size_t cut = 0; cut < m->size; cut += m->size / 97 + 1) {
            uint32_t *copy = malloc(cut ? cut : 1);
            memcpy(copy, m->code, cut);
            bool ok = spirv_push_constant_size(copy, cut, &size);
            CHECK(!ok || size <= 128);
            free(copy);
        }
        uint32_t *copy = malloc(m->size);
        for (size_t word = 5; word < m->size / 4; word += 3) {
            memcpy(copy, m->code, m->size);
            copy[word] ^= 0x00FF00FFu;
            bool ok = spirv_push_constant_size(copy, m->size, &size);
            CHECK(!ok || size <= (1u << 24));
        }
        memcpy(copy, m->code, m->size);
        copy[0] = 0;
        CHECK(!spirv_push_constant_size(copy, m->size, &size)); /* not SPIR-V */
        free(copy);
    }

    /* A pipeline with the wrong push size fails at creation, naming both. */
    gpu_context *ctx = gpu_test_context();
    gpu_pipeline *pipeline = NULL;
    gpu_pipeline_desc desc = {.shader = "sampler_input_f32", .binding_count = 5, .push_size = SAMPLER_INPUT_PUSH_SIZE + 4};
    CHECK_STATUS(gpu_pipeline_get(ctx, &desc, &pipeline), PIXEEN_ERROR_INTERNAL);
    CHECK(strstr(error_message(), "12 bytes") != NULL);
    desc.push_size = SAMPLER_INPUT_PUSH_SIZE;
    CHECK_OK(gpu_pipeline_get(ctx, &desc, &pipeline));
    return gpu_test_finish(ctx);
}
