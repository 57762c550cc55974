/* gpu_internal.h — what the files of src/gpu/ share: the Vulkan objects behind the opaque handles
 * of gpu.h and the VkResult-to-status conversion. The only header that includes volk.h. */
#ifndef PIXEEN_GPU_INTERNAL_H
#define PIXEEN_GPU_INTERNAL_H

#include <volk.h>

#include "gpu/gpu.h"

/* Turns a failed VkResult into a status whose message names the call and its place. Device loss
 * and memory exhaustion get their own statuses so callers can handle them. */
pixeen_status gpu_vk_status(VkResult result, const char *call, const char *file, int line);
#define VK_TRY(call)                                                                   \
    do {                                                                               \
        VkResult vk_try_result_ = (call);                                              \
        if (vk_try_result_ < 0) return gpu_vk_status(vk_try_result_, #call, __FILE__, __LINE__); \
    } while (0)

/* The descriptor type of a binding kind (gpu.h). */
static inline VkDescriptorType gpu_descriptor_type(gpu_binding_kind kind) {
    return kind == GPU_BIND_STORAGE      ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
           : gpu_binding_is_image(kind) ? VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER
                                        : VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
}

/* ---- memory blocks ---- */
typedef struct gpu_range {
    uint64_t offset, size;
} gpu_range;

typedef struct gpu_block {
    VkDeviceMemory memory;
    VkBuffer buffer; /* one buffer covers the whole block; tensors are ranges of it */
    uint64_t size;
    void *mapped;        /* host pointer if the memory is host-visible */
    gpu_memory kind;
    uint32_t id;         /* stable identity for hazard tracking */
    gpu_range *free;     /* free ranges, sorted by offset, coalesced */
    uint32_t free_count, free_capacity;
    uint32_t live;       /* buffers carved from this block */
    struct gpu_block *next;
    bool borrowed;       /* an application's VkBuffer (gpu_buffer_wrap): never destroyed, not listed */
    void *host;          /* our own memory the driver imported (memory.c's import_host_memory), freed after it */
    uint64_t host_size;
    struct platform_prefault *prefault; /* faulting `host` in meanwhile (platform_memory_prefault_start) */
} gpu_block;

struct gpu_buffer {
    gpu_context *ctx;
    gpu_block *block;
    uint64_t offset; /* within the block */
    uint64_t size;   /* as requested */
    uint64_t reserved; /* as carved (aligned) */
};

/* ---- pipelines ---- */
struct gpu_pipeline {
    gpu_pipeline_desc desc;
    VkDescriptorSetLayout set_layout;
    VkPipelineLayout layout;
    VkPipeline pipeline;
    VkShaderModule module;
    bool compiled; /* dispatched once by gpu_pipelines_compile or a real recording's submit */
    struct gpu_pipeline *next;
};

/* ---- profiling ---- */
typedef struct gpu_profile_entry {
    char label[48];
    uint64_t count;
    double total_ns;
} gpu_profile_entry;

struct gpu_context {
    gpu_caps caps;
    gpu_tuning tuning; /* read from the environment at creation */
    bool borrowed; /* instance, device and queue belong to the application: never destroyed */
    void (*lock_queue)(void *user);
    void (*unlock_queue)(void *user);
    void *queue_user;
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    bool validation;
    VkPhysicalDevice physical;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    bool push_descriptors;

    /* memory */
    VkPhysicalDeviceMemoryProperties memory_props;
    uint32_t memory_type[2]; /* per gpu_memory kind */
    gpu_block *blocks;
    uint32_t next_block_id;
    uint64_t block_size;
    uint64_t alignment;
    uint64_t allocated, peak;
    /* A CPU driver's device memory taken from our own huge-page memory (VK_EXT_external_memory_host):
     * see memory.c's import_host_memory. */
    bool import_host_memory;
    uint64_t import_alignment; /* minImportedHostPointerAlignment */
    bool expect_fill;          /* gpu_memory_expect_fill: new imported blocks are faulted in ahead */

    /* transfers: one command buffer + fence + a staging buffer for uploads and downloads */
    VkCommandPool command_pool;
    VkCommandBuffer transfer_cmd;
    VkFence transfer_fence;
    gpu_buffer *staging;
    bool force_staging;

    /* pipelines */
    VkPipelineCache pipeline_cache;
    bool pipeline_cache_loaded;
    bool pipeline_cache_dirty;
    bool no_pipeline_cache;
    gpu_pipeline *pipelines;
    uint32_t pipeline_count;
    gpu_buffer *compile_dummy; /* what gpu_pipelines_compile binds */

    /* profiling totals by label */
    gpu_profile_entry *profile;
    uint32_t profile_count, profile_capacity;
    bool profile_all; /* gpu_context_set_profiling: every new recorder times its dispatches */
};

/* memory.c */
pixeen_status gpu_memory_init(gpu_context *ctx);
void gpu_memory_shutdown(gpu_context *ctx);
/* pipeline_cache.c */
void gpu_pipeline_cache_load(gpu_context *ctx);
void gpu_pipeline_cache_save(gpu_context *ctx);
/* pipeline.c */
void gpu_pipelines_destroy(gpu_context *ctx);
/* profile.c */
void gpu_profile_add(gpu_context *ctx, const char *label, double ns);
/* device.c */
pixeen_status gpu_instance_create(bool validation, VkInstance *instance, VkDebugUtilsMessengerEXT *messenger,
                                  bool *validation_enabled);
void gpu_caps_query(VkPhysicalDevice physical, gpu_caps *caps);
/* vkQueueSubmit / vkQueueWaitIdle on the context's queue, inside the application's queue lock
 * when it shares its queue. */
VkResult gpu_queue_submit(gpu_context *ctx, const VkSubmitInfo *submit, VkFence fence);
VkResult gpu_queue_wait_idle(gpu_context *ctx);
/* Index of the device `selector` picks among `count`, or -1 with the error set. */
int gpu_device_choose(const gpu_caps *caps, uint32_t count, const char *selector);

#endif
