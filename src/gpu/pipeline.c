/* pipeline.c — compute pipelines from the embedded SPIR-V modules (gpu/shader_table.h).
 *
 * A pipeline is identified by its whole gpu_pipeline_desc (shader, binding kinds, push-constant
 * size, specialization constants) and created once per context; later requests return the same
 * object. Descriptors are pushed (VK_KHR_push_descriptor) where the driver supports it, so no
 * descriptor pools exist on that path; recorder.c falls back to per-recording descriptor sets.
 */
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu_internal.h"
#include "gpu/shader_table.h"
#include "gpu/spirv_reflect.h"

static const struct shader_module *shader_find(const char *name) {
    for (size_t i = 0; i < shader_module_count; i++)
        if (strcmp(shader_modules[i].name, name) == 0) return &shader_modules[i];
    return NULL;
}

static bool desc_equal(const gpu_pipeline_desc *a, const gpu_pipeline_desc *b) {
    return strcmp(a->shader, b->shader) == 0 && a->binding_count == b->binding_count &&
           memcmp(a->bindings, b->bindings, sizeof a->bindings[0] * a->binding_count) == 0 &&
           a->push_size == b->push_size && a->spec_count == b->spec_count &&
           memcmp(a->spec, b->spec, sizeof a->spec[0] * a->spec_count) == 0;
}

static void pipeline_free(gpu_context *ctx, gpu_pipeline *p) {
    if (p->pipeline) vkDestroyPipeline(ctx->device, p->pipeline, NULL);
    if (p->layout) vkDestroyPipelineLayout(ctx->device, p->layout, NULL);
    if (p->set_layout) vkDestroyDescriptorSetLayout(ctx->device, p->set_layout, NULL);
    if (p->module) vkDestroyShaderModule(ctx->device, p->module, NULL);
    free((void *)(uintptr_t)p->desc.shader);
    free(p);
}

static pixeen_status pipeline_build(gpu_context *ctx, gpu_pipeline *p, const struct shader_module *shader) {
    const gpu_pipeline_desc *d = &p->desc;
    VkDescriptorSetLayoutBinding bindings[GPU_MAX_BINDINGS];
    for (uint32_t i = 0; i < d->binding_count; i++)
        bindings[i] = (VkDescriptorSetLayoutBinding){
            .binding = i,
            .descriptorType = gpu_descriptor_type(d->bindings[i]),
            .descriptorCount = 1,
            .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        };
    VkDescriptorSetLayoutCreateInfo set_info = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
        .flags = ctx->push_descriptors ? VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR : 0,
        .bindingCount = d->binding_count,
        .pBindings = bindings,
    };
    VK_TRY(vkCreateDescriptorSetLayout(ctx->device, &set_info, NULL, &p->set_layout));
    VkPushConstantRange push = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .size = d->push_size};
    VkPipelineLayoutCreateInfo layout_info = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .setLayoutCount = 1,
        .pSetLayouts = &p->set_layout,
        .pushConstantRangeCount = d->push_size ? 1 : 0,
        .pPushConstantRanges = &push,
    };
    VK_TRY(vkCreatePipelineLayout(ctx->device, &layout_info, NULL, &p->layout));
    VkShaderModuleCreateInfo module_info = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
        .codeSize = shader->size,
        .pCode = shader->code,
    };
    VK_TRY(vkCreateShaderModule(ctx->device, &module_info, NULL, &p->module));
    VkSpecializationMapEntry entries[GPU_MAX_SPEC_CONSTANTS];
    for (uint32_t i = 0; i < d->spec_count; i++)
        entries[i] = (VkSpecializationMapEntry){.constantID = i, .offset = i * 4, .size = 4};
    VkSpecializationInfo spec = {
        .mapEntryCount = d->spec_count,
        .pMapEntries = entries,
        .dataSize = d->spec_count * 4,
        .pData = d->spec,
    };
    VkComputePipelineCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage =
            {
                .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                .module = p->module,
                .pName = "main",
                .pSpecializationInfo = d->spec_count ? &spec : NULL,
            },
        .layout = p->layout,
    };
    VK_TRY(vkCreateComputePipelines(ctx->device, ctx->pipeline_cache, 1, &info, NULL, &p->pipeline));
    ctx->pipeline_cache_dirty = true;
    return PIXEEN_OK;
}

pixeen_status gpu_pipeline_get(gpu_context *ctx, const gpu_pipeline_desc *desc, gpu_pipeline **out) {
    *out = NULL;
    for (gpu_pipeline *p = ctx->pipelines; p; p = p->next)
        if (desc_equal(&p->desc, desc)) {
            *out = p;
            return PIXEEN_OK;
        }
    if (desc->binding_count > GPU_MAX_BINDINGS || desc->spec_count > GPU_MAX_SPEC_CONSTANTS ||
        desc->push_size > GPU_MAX_PUSH_BYTES || desc->push_size > ctx->caps.max_push_constants)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "gpu: pipeline '%s': %u bindings, %u specialization constants, %u push bytes exceed the limits",
                         desc->shader, desc->binding_count, desc->spec_count, desc->push_size);
    const struct shader_module *shader = shader_find(desc->shader);
    if (!shader)
        return error_set(PIXEEN_ERROR_INTERNAL, "gpu: no embedded shader named '%s' (is shaders/%s.comp built?)",
                         desc->shader, desc->shader);
    uint32_t shader_push = 0; /* the shader's own block: an operator passing another size is a bug */
    if (spirv_push_constant_size(shader->code, shader->size, &shader_push) && shader_push != desc->push_size)
        return error_set(PIXEEN_ERROR_INTERNAL,
                         "gpu: pipeline '%s': the shader's push constants are %u bytes, the operator's %u",
                         desc->shader, shader_push, desc->push_size);
    gpu_pipeline *p = calloc(1, sizeof *p);
    char *name = p ? strdup(desc->shader) : NULL;
    if (!p || !name) {
        free(p);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory");
    }
    p->desc = *desc;
    p->desc.shader = name;
    pixeen_status status = pipeline_build(ctx, p, shader);
    if (status != PIXEEN_OK) {
        pipeline_free(ctx, p);
        return error_wrap(status, "gpu: building pipeline '%s': ", desc->shader);
    }
    p->next = ctx->pipelines;
    ctx->pipelines = p;
    ctx->pipeline_count++;
    *out = p;
    return PIXEEN_OK;
}

void gpu_pipelines_destroy(gpu_context *ctx) {
    for (gpu_pipeline *p = ctx->pipelines, *next; p; p = next) {
        next = p->next;
        pipeline_free(ctx, p);
    }
    ctx->pipelines = NULL;
    if (ctx->pipeline_cache) vkDestroyPipelineCache(ctx->device, ctx->pipeline_cache, NULL);
    ctx->pipeline_cache = VK_NULL_HANDLE;
}

uint32_t gpu_pipeline_count(const gpu_context *ctx) { return ctx->pipeline_count; }

bool gpu_pipeline_cache_loaded(const gpu_context *ctx) { return ctx->pipeline_cache_loaded; }
