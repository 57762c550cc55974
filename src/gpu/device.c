/* device.c — Vulkan instance, device discovery and choice, capability query, and the context's
 * lifetime (gpu_context_create/destroy).
 *
 * volk loads the Vulkan loader at run time, so a machine without a Vulkan driver gets a clear
 * PIXEEN_ERROR_NO_DEVICE instead of a failed dynamic link. Device-level functions are called
 * through the loader's dispatch (volkLoadInstance only), which keeps several contexts on
 * different devices in one process correct.
 *
 * A borrowed device (gpu_context_desc.borrowed: an application's instance, device and queue) skips
 * instance and device creation and destruction: volk is loaded from the application's instance,
 * caps are queried from its physical device and then limited to what the application says it
 * enabled, and the required features are checked (borrowed_check).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "gpu/gpu_internal.h"

#define NO_DRIVER_HINT                                                                             \
    "install a Vulkan driver: on Debian/Ubuntu `apt-get install mesa-vulkan-drivers libvulkan1` " \
    "(Mesa: AMD, Intel and the CPU driver lavapipe), or your GPU vendor's driver"

static atomic_uint validation_messages;

uint32_t gpu_validation_message_count(void) { return atomic_load(&validation_messages); }

pixeen_status gpu_vk_status(VkResult result, const char *call, const char *file, int line) {
    const char *where = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    switch (result) {
    case VK_ERROR_DEVICE_LOST:
        return error_set(PIXEEN_ERROR_DEVICE_LOST, "gpu: %s failed at %s:%d: the device was lost (driver reset or removal)",
                         call, where, line);
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
        return error_set(PIXEEN_ERROR_GPU_OUT_OF_MEMORY, "gpu: %s failed at %s:%d: out of device memory", call, where,
                         line);
    case VK_ERROR_OUT_OF_HOST_MEMORY:
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: %s failed at %s:%d: out of host memory", call, where, line);
    default:
        return error_set(PIXEEN_ERROR_VULKAN, "gpu: %s failed at %s:%d: VkResult %d", call, where, line, (int)result);
    }
}

static VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                            VkDebugUtilsMessageTypeFlagsEXT type,
                                                            const VkDebugUtilsMessengerCallbackDataEXT *data,
                                                            void *user) {
    (void)user;
    (void)type;
    if (severity & (VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)) {
        atomic_fetch_add(&validation_messages, 1);
        log_error("vulkan validation: %s", data->pMessage);
    }
    return VK_FALSE;
}

static bool env_flag(const char *name) {
    const char *v = getenv(name);
    return v && v[0] && strcmp(v, "0") != 0;
}

static bool layer_available(const char *name) {
    uint32_t count = 0;
    if (vkEnumerateInstanceLayerProperties(&count, NULL) != VK_SUCCESS || count == 0) return false;
    VkLayerProperties *layers = calloc(count, sizeof *layers);
    bool found = false;
    if (layers && vkEnumerateInstanceLayerProperties(&count, layers) == VK_SUCCESS)
        for (uint32_t i = 0; i < count && !found; i++) found = strcmp(layers[i].layerName, name) == 0;
    free(layers);
    return found;
}

static bool instance_extension_available(const char *name) {
    uint32_t count = 0;
    if (vkEnumerateInstanceExtensionProperties(NULL, &count, NULL) != VK_SUCCESS || count == 0) return false;
    VkExtensionProperties *props = calloc(count, sizeof *props);
    bool found = false;
    if (props && vkEnumerateInstanceExtensionProperties(NULL, &count, props) == VK_SUCCESS)
        for (uint32_t i = 0; i < count && !found; i++) found = strcmp(props[i].extensionName, name) == 0;
    free(props);
    return found;
}

pixeen_status gpu_instance_create(bool validation, VkInstance *instance, VkDebugUtilsMessengerEXT *messenger,
                                  bool *validation_enabled) {
    if (volkInitialize() != VK_SUCCESS)
        return error_set(PIXEEN_ERROR_NO_DEVICE, "gpu: the Vulkan loader (libvulkan.so.1) was not found; " NO_DRIVER_HINT);
    uint32_t loader_version = volkGetInstanceVersion();
    if (loader_version < VK_API_VERSION_1_2)
        return error_set(PIXEEN_ERROR_NO_DEVICE, "gpu: the Vulkan loader supports version %u.%u (expected 1.2 or later)",
                         VK_API_VERSION_MAJOR(loader_version), VK_API_VERSION_MINOR(loader_version));

    static const char validation_layer[] = "VK_LAYER_KHRONOS_validation";
    validation = validation || env_flag("PIXEEN_VALIDATION");
    bool use_validation = validation && layer_available(validation_layer);
    if (validation && !use_validation)
        log_warn("validation requested but %s is not installed (Debian: vulkan-validationlayers)", validation_layer);

    const char *layers[] = {validation_layer};
    const char *extensions[2];
    uint32_t extension_count = 0;
    if (use_validation) extensions[extension_count++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
    /* MoltenVK (macOS) is a "portability" driver: the loader lists it only for instances that enable
     * VK_KHR_portability_enumeration and ask for portability drivers. Untested: no Mac has run this. */
    bool portability = instance_extension_available(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
    if (portability) extensions[extension_count++] = VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME;
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "pixeen",
        .pEngineName = "pixeen",
        .engineVersion = VK_MAKE_API_VERSION(0, PIXEEN_VERSION_MAJOR, PIXEEN_VERSION_MINOR, PIXEEN_VERSION_PATCH),
        .apiVersion = VK_API_VERSION_1_2,
    };
    VkDebugUtilsMessengerCreateInfoEXT messenger_info = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = on_validation_message,
    };
    VkInstanceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pNext = use_validation ? &messenger_info : NULL, /* also catches instance creation messages */
        .pApplicationInfo = &app,
        .enabledLayerCount = use_validation ? 1 : 0,
        .ppEnabledLayerNames = layers,
        .enabledExtensionCount = extension_count,
        .ppEnabledExtensionNames = extensions,
        .flags = portability ? VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR : 0,
    };
    VkResult result = vkCreateInstance(&info, NULL, instance);
    if (result == VK_ERROR_INCOMPATIBLE_DRIVER)
        return error_set(PIXEEN_ERROR_NO_DEVICE, "gpu: no Vulkan driver is installed; " NO_DRIVER_HINT);
    VK_TRY(result);
    volkLoadInstance(*instance); /* device functions via loader trampolines */
    *validation_enabled = use_validation;
    *messenger = VK_NULL_HANDLE;
    if (use_validation) VK_TRY(vkCreateDebugUtilsMessengerEXT(*instance, &messenger_info, NULL, messenger));
    return PIXEEN_OK;
}

static bool has_extension(VkPhysicalDevice physical, const char *name) {
    uint32_t count = 0;
    if (vkEnumerateDeviceExtensionProperties(physical, NULL, &count, NULL) != VK_SUCCESS) return false;
    VkExtensionProperties *props = calloc(count ? count : 1, sizeof *props);
    bool found = false;
    if (props && vkEnumerateDeviceExtensionProperties(physical, NULL, &count, props) == VK_SUCCESS)
        for (uint32_t i = 0; i < count && !found; i++) found = strcmp(props[i].extensionName, name) == 0;
    free(props);
    return found;
}

static gpu_device_type device_type_of(VkPhysicalDeviceType type) {
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return GPU_DEVICE_INTEGRATED;
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return GPU_DEVICE_DISCRETE;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return GPU_DEVICE_VIRTUAL;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return GPU_DEVICE_CPU;
    default: return GPU_DEVICE_OTHER;
    }
}

static uint32_t compute_queue_family(VkPhysicalDevice physical, bool *timestamps) {
    uint32_t count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &count, NULL);
    VkQueueFamilyProperties families[32];
    if (count > 32) count = 32;
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &count, families);
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < count; i++) {
        if (!(families[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
        /* Prefer a family with timestamps; among those the first (usually graphics+compute, the
         * one every driver runs fastest and that shares the app's renderer queue). */
        if (best == UINT32_MAX || (families[best].timestampValidBits == 0 && families[i].timestampValidBits > 0))
            best = i;
    }
    *timestamps = best != UINT32_MAX && families[best].timestampValidBits > 0;
    return best;
}

void gpu_caps_query(VkPhysicalDevice physical, gpu_caps *caps) {
    memset(caps, 0, sizeof *caps);
    VkPhysicalDeviceVulkan11Properties props11 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES};
    VkPhysicalDeviceVulkan12Properties props12 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES,
                                                  .pNext = &props11};
    VkPhysicalDeviceSubgroupSizeControlPropertiesEXT size_control = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES_EXT, .pNext = &props12};
    bool has_size_control = has_extension(physical, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
    VkPhysicalDeviceProperties2 props = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                         .pNext = has_size_control ? (void *)&size_control : (void *)&props12};
    vkGetPhysicalDeviceProperties2(physical, &props);

    VkPhysicalDeviceVulkan11Features f11 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    VkPhysicalDeviceVulkan12Features f12 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, .pNext = &f11};
    VkPhysicalDeviceFeatures2 features = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f12};
    vkGetPhysicalDeviceFeatures2(physical, &features);

    const VkPhysicalDeviceLimits *limits = &props.properties.limits;
    snprintf(caps->name, sizeof caps->name, "%s", props.properties.deviceName);
    snprintf(caps->driver_name, sizeof caps->driver_name, "%s", props12.driverName);
    snprintf(caps->driver_info, sizeof caps->driver_info, "%s", props12.driverInfo);
    caps->vendor_id = props.properties.vendorID;
    caps->device_id = props.properties.deviceID;
    caps->driver_id = (uint32_t)props12.driverID;
    caps->api_version = props.properties.apiVersion;
    caps->driver_version = props.properties.driverVersion;
    caps->type = device_type_of(props.properties.deviceType);
    caps->is_lavapipe = props12.driverID == VK_DRIVER_ID_MESA_LLVMPIPE;
    memcpy(caps->pipeline_cache_uuid, props.properties.pipelineCacheUUID, 16);

    caps->fp16 = f12.shaderFloat16;
    caps->int8 = f12.shaderInt8;
    caps->int64 = features.features.shaderInt64;
    caps->storage16 = f11.storageBuffer16BitAccess;
    caps->storage8 = f12.storageBuffer8BitAccess;
    caps->buffer_device_address = f12.bufferDeviceAddress;
    caps->push_descriptors = has_extension(physical, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
    caps->subgroup_size = props11.subgroupSize;
    caps->subgroup_ops = (props11.subgroupSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT)
                             ? props11.subgroupSupportedOperations
                             : 0;
    caps->subgroup_size_control = has_size_control;
    caps->min_subgroup_size = has_size_control ? size_control.minSubgroupSize : props11.subgroupSize;
    caps->max_subgroup_size = has_size_control ? size_control.maxSubgroupSize : props11.subgroupSize;

    caps->max_shared_memory = limits->maxComputeSharedMemorySize;
    caps->max_storage_buffer_range = limits->maxStorageBufferRange;
    caps->max_texel_buffer_elements = limits->maxTexelBufferElements;
    VkFormatProperties r16f;
    vkGetPhysicalDeviceFormatProperties(physical, VK_FORMAT_R16_SFLOAT, &r16f);
    caps->image_r16f = (r16f.bufferFeatures & VK_FORMAT_FEATURE_STORAGE_TEXEL_BUFFER_BIT) != 0;
    caps->max_workgroup_invocations = limits->maxComputeWorkGroupInvocations;
    for (int i = 0; i < 3; i++) {
        caps->max_workgroup_size[i] = limits->maxComputeWorkGroupSize[i];
        caps->max_workgroup_count[i] = limits->maxComputeWorkGroupCount[i];
    }
    caps->max_push_constants = limits->maxPushConstantsSize;
    caps->max_memory_allocation = props11.maxMemoryAllocationSize;
    caps->min_storage_offset_alignment = limits->minStorageBufferOffsetAlignment;
    caps->min_texel_offset_alignment = limits->minTexelBufferOffsetAlignment;
    bool queue_timestamps = false;
    compute_queue_family(physical, &queue_timestamps);
    caps->timestamps = queue_timestamps && limits->timestampPeriod > 0;
    caps->timestamp_period = limits->timestampPeriod;

    VkPhysicalDeviceMemoryProperties memory;
    vkGetPhysicalDeviceMemoryProperties(physical, &memory);
    caps->heap_count = memory.memoryHeapCount < GPU_MAX_HEAPS ? memory.memoryHeapCount : GPU_MAX_HEAPS;
    for (uint32_t i = 0; i < caps->heap_count; i++) {
        caps->heap_size[i] = memory.memoryHeaps[i].size;
        caps->heap_device_local[i] = memory.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT;
        if (caps->heap_device_local[i]) caps->device_local_bytes += caps->heap_size[i];
    }
    const VkMemoryPropertyFlags unified = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
    for (uint32_t i = 0; i < memory.memoryTypeCount; i++)
        if ((memory.memoryTypes[i].propertyFlags & unified) == unified) caps->unified_memory = true;
}

/* Automatic preference: discrete > integrated > virtual > CPU > other; ties by device memory. */
static int type_rank(gpu_device_type type) {
    switch (type) {
    case GPU_DEVICE_DISCRETE: return 4;
    case GPU_DEVICE_INTEGRATED: return 3;
    case GPU_DEVICE_VIRTUAL: return 2;
    case GPU_DEVICE_CPU: return 1;
    default: return 0;
    }
}

static bool device_usable(const gpu_caps *caps) { return caps->api_version >= VK_API_VERSION_1_2; }

int gpu_device_choose(const gpu_caps *caps, uint32_t count, const char *selector) {
    if (!selector || !selector[0]) selector = getenv("PIXEEN_DEVICE");
    if (selector && selector[0]) {
        char *end = NULL;
        long index = strtol(selector, &end, 10);
        if (end && *end == '\0') {
            if (index < 0 || (uint32_t)index >= count) {
                error_set(PIXEEN_ERROR_NO_DEVICE, "gpu: device index %ld does not exist (there are %u devices; see `pixeen devices`)",
                          index, count);
                return -1;
            }
            if (!device_usable(&caps[index])) {
                error_set(PIXEEN_ERROR_NO_DEVICE, "gpu: device %ld (%s) supports Vulkan %u.%u (expected 1.2 or later)", index,
                          caps[index].name, VK_API_VERSION_MAJOR(caps[index].api_version),
                          VK_API_VERSION_MINOR(caps[index].api_version));
                return -1;
            }
            return (int)index;
        }
        for (uint32_t i = 0; i < count; i++)
            if (strstr(caps[i].name, selector) && device_usable(&caps[i])) return (int)i;
        error_set(PIXEEN_ERROR_NO_DEVICE, "gpu: no usable device's name contains '%s' (see `pixeen devices`)", selector);
        return -1;
    }
    int best = -1;
    for (uint32_t i = 0; i < count; i++) {
        if (!device_usable(&caps[i])) continue;
        if (best < 0 || type_rank(caps[i].type) > type_rank(caps[best].type) ||
            (type_rank(caps[i].type) == type_rank(caps[best].type) &&
             caps[i].device_local_bytes > caps[best].device_local_bytes))
            best = (int)i;
    }
    if (best < 0) error_set(PIXEEN_ERROR_NO_DEVICE, "gpu: no device supports Vulkan 1.2; " NO_DRIVER_HINT);
    return best;
}

/* Enumerates physical devices; on success the caller frees *physicals and *caps. */
static pixeen_status enumerate(VkInstance instance, VkPhysicalDevice **physicals, gpu_caps **caps, uint32_t *count) {
    *count = 0;
    VK_TRY(vkEnumeratePhysicalDevices(instance, count, NULL));
    if (*count == 0) return error_set(PIXEEN_ERROR_NO_DEVICE, "gpu: the Vulkan loader found no device; " NO_DRIVER_HINT);
    *physicals = calloc(*count, sizeof **physicals);
    *caps = calloc(*count, sizeof **caps);
    if (!*physicals || !*caps) {
        free(*physicals);
        free(*caps);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory listing devices");
    }
    VkResult result = vkEnumeratePhysicalDevices(instance, count, *physicals);
    if (result < 0) {
        free(*physicals);
        free(*caps);
        return gpu_vk_status(result, "vkEnumeratePhysicalDevices", __FILE__, __LINE__);
    }
    for (uint32_t i = 0; i < *count; i++) gpu_caps_query((*physicals)[i], &(*caps)[i]);
    return PIXEEN_OK;
}

static pixeen_status create_device(gpu_context *ctx) {
    const gpu_caps *caps = &ctx->caps;
    bool timestamps = false;
    ctx->queue_family = compute_queue_family(ctx->physical, &timestamps);
    if (ctx->queue_family == UINT32_MAX)
        return error_set(PIXEEN_ERROR_NO_DEVICE, "gpu: device '%s' has no compute queue", caps->name);

    VkPhysicalDeviceVulkan11Features f11 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
        .storageBuffer16BitAccess = caps->storage16,
    };
    VkPhysicalDeviceVulkan12Features f12 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
        .pNext = &f11,
        .shaderFloat16 = caps->fp16,
        .shaderInt8 = caps->int8,
        .storageBuffer8BitAccess = caps->storage8,
    };
    VkPhysicalDeviceFeatures2 features = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
        .pNext = &f12,
        .features = {.shaderInt64 = caps->int64},
    };
    const char *extensions[3];
    uint32_t extension_count = 0;
    if (caps->push_descriptors) extensions[extension_count++] = VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME;
    /* A CPU driver's device memory is this process's memory: give it ours (memory.c). */
    if (caps->type == GPU_DEVICE_CPU && !ctx->tuning.no_host_import &&
        has_extension(ctx->physical, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) {
        VkPhysicalDeviceExternalMemoryHostPropertiesEXT host = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT,
        };
        VkPhysicalDeviceProperties2 props = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &host};
        vkGetPhysicalDeviceProperties2(ctx->physical, &props);
        ctx->import_alignment = host.minImportedHostPointerAlignment ? host.minImportedHostPointerAlignment : 4096;
        ctx->import_host_memory = true;
        extensions[extension_count++] = VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME;
    }
    /* A portability-subset device (MoltenVK) must have the extension enabled (Vulkan spec,
     * VK_KHR_portability_subset); the features it may lack are ones Pixeen does not use (triangle
     * fans, image view swizzles, ...). Untested on such a device. */
    static const char portability_subset[] = "VK_KHR_portability_subset";
    if (has_extension(ctx->physical, portability_subset)) extensions[extension_count++] = portability_subset;
    float priority = 1.0f;
    VkDeviceQueueCreateInfo queue_info = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = ctx->queue_family,
        .queueCount = 1,
        .pQueuePriorities = &priority,
    };
    VkDeviceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .pNext = &features,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &queue_info,
        .enabledExtensionCount = extension_count,
        .ppEnabledExtensionNames = extensions,
    };
    VK_TRY(vkCreateDevice(ctx->physical, &info, NULL, &ctx->device));
    vkGetDeviceQueue(ctx->device, ctx->queue_family, 0, &ctx->queue);
    ctx->push_descriptors = caps->push_descriptors;
    ctx->caps.timestamps = timestamps && caps->timestamp_period > 0;
    return PIXEEN_OK;
}

/* The command pool, transfer command buffer and fence (on our own device or a borrowed one). */
static pixeen_status create_transfer_objects(gpu_context *ctx) {
    VkCommandPoolCreateInfo pool_info = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
        .queueFamilyIndex = ctx->queue_family,
    };
    VK_TRY(vkCreateCommandPool(ctx->device, &pool_info, NULL, &ctx->command_pool));
    VkCommandBufferAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = ctx->command_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    VK_TRY(vkAllocateCommandBuffers(ctx->device, &alloc, &ctx->transfer_cmd));
    VkFenceCreateInfo fence_info = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VK_TRY(vkCreateFence(ctx->device, &fence_info, NULL, &ctx->transfer_fence));
    return PIXEEN_OK;
}

VkResult gpu_queue_submit(gpu_context *ctx, const VkSubmitInfo *submit, VkFence fence) {
    if (ctx->lock_queue) ctx->lock_queue(ctx->queue_user);
    VkResult result = vkQueueSubmit(ctx->queue, 1, submit, fence);
    if (ctx->unlock_queue) ctx->unlock_queue(ctx->queue_user);
    return result;
}

VkResult gpu_queue_wait_idle(gpu_context *ctx) {
    /* Every Pixeen submission is waited for by its fence before the call that made it returns, so
     * on a shared queue there is nothing of ours to wait for: waiting would only stall on the
     * application's rendering. */
    if (ctx->borrowed) return VK_SUCCESS;
    return vkQueueWaitIdle(ctx->queue);
}

/* Checks the application's device against what Pixeen needs and sets caps to what it may use. */
static pixeen_status borrowed_check(gpu_context *ctx, const gpu_borrowed_device *b) {
    gpu_caps *caps = &ctx->caps;
    if (caps->api_version < VK_API_VERSION_1_2)
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "gpu: the application's device '%s' supports Vulkan %u.%u (expected 1.2 or later)",
                         caps->name, VK_API_VERSION_MAJOR(caps->api_version), VK_API_VERSION_MINOR(caps->api_version));
    if (!caps->storage16)
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "gpu: the application's device '%s' lacks storageBuffer16BitAccess (Pixeen's weights are fp16)",
                         caps->name);
    if (!b->storage16)
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "gpu: the application's device was created without storageBuffer16BitAccess (enable it in "
                         "VkPhysicalDeviceVulkan11Features and set PIXEEN_VULKAN_FEATURE_STORAGE_16BIT)");
    if (caps->fp16 && !b->fp16)
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "gpu: the application's device '%s' supports shaderFloat16 but was created without it (enable it in "
                         "VkPhysicalDeviceVulkan12Features and set PIXEEN_VULKAN_FEATURE_FLOAT16)", caps->name);
    if (!caps->fp16 && b->fp16)
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "gpu: PIXEEN_VULKAN_FEATURE_FLOAT16 is set but device '%s' lacks shaderFloat16", caps->name);
    if (!caps->push_descriptors && b->push_descriptors)
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "gpu: PIXEEN_VULKAN_FEATURE_PUSH_DESCRIPTOR is set but device '%s' lacks VK_KHR_push_descriptor",
                         caps->name);
    uint32_t count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(ctx->physical, &count, NULL);
    VkQueueFamilyProperties families[32];
    if (count > 32) count = 32; /* no device has more than a handful */
    vkGetPhysicalDeviceQueueFamilyProperties(ctx->physical, &count, families);
    if (b->queue_family >= count || !(families[b->queue_family].queueFlags & VK_QUEUE_COMPUTE_BIT))
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "gpu: the application's queue family %u %s", b->queue_family,
                         b->queue_family >= count ? "does not exist" : "has no compute support");
    /* Features the device was not created with must not be used. */
    caps->push_descriptors = b->push_descriptors;
    caps->int8 = caps->int64 = caps->storage8 = false;
    caps->buffer_device_address = false;
    caps->timestamps = caps->timestamps && families[b->queue_family].timestampValidBits > 0;
    return PIXEEN_OK;
}

static pixeen_status borrow(gpu_context *ctx, const gpu_borrowed_device *b) {
    if (!b->instance || !b->physical_device || !b->device || !b->queue)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "gpu: the application's Vulkan instance, physical device, device and queue are all required");
    if ((b->lock_queue == NULL) != (b->unlock_queue == NULL))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "gpu: lock_queue and unlock_queue must be given together");
    if (b->get_instance_proc_addr) {
        volkInitializeCustom((PFN_vkGetInstanceProcAddr)b->get_instance_proc_addr);
    } else if (volkInitialize() != VK_SUCCESS) {
        return error_set(PIXEEN_ERROR_NO_DEVICE, "gpu: the Vulkan loader (libvulkan.so.1) was not found");
    }
    ctx->borrowed = true;
    ctx->instance = (VkInstance)b->instance;
    ctx->physical = (VkPhysicalDevice)b->physical_device;
    volkLoadInstance(ctx->instance); /* device functions via loader trampolines, as for our own */
    gpu_caps_query(ctx->physical, &ctx->caps);
    PX_TRY(borrowed_check(ctx, b));
    ctx->device = (VkDevice)b->device;
    ctx->queue = (VkQueue)b->queue;
    ctx->queue_family = b->queue_family;
    ctx->push_descriptors = b->push_descriptors;
    ctx->lock_queue = b->lock_queue;
    ctx->unlock_queue = b->unlock_queue;
    ctx->queue_user = b->queue_user;
    return PIXEEN_OK;
}

pixeen_status gpu_context_create(const gpu_context_desc *desc, gpu_context **out) {
    gpu_context_desc defaults = {0};
    if (!desc) desc = &defaults;
    *out = NULL;
    gpu_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory");
    gpu_tuning_from_env(&ctx->tuning);
    ctx->no_pipeline_cache = desc->no_pipeline_cache;
    ctx->force_staging = desc->force_staging;
    if (desc->borrowed) {
        pixeen_status status = borrow(ctx, desc->borrowed);
        if (status == PIXEEN_OK) status = create_transfer_objects(ctx);
        if (status == PIXEEN_OK) status = gpu_memory_init(ctx);
        if (status != PIXEEN_OK) {
            gpu_context_destroy(ctx);
            return status;
        }
        if (!ctx->no_pipeline_cache) gpu_pipeline_cache_load(ctx);
        log_info("using the application's %s (%s %s)", ctx->caps.name, ctx->caps.driver_name, ctx->caps.driver_info);
        *out = ctx;
        return PIXEEN_OK;
    }
    pixeen_status status = gpu_instance_create(desc->validation, &ctx->instance, &ctx->messenger, &ctx->validation);
    if (status != PIXEEN_OK) {
        gpu_context_destroy(ctx);
        return status;
    }
    VkPhysicalDevice *physicals = NULL;
    gpu_caps *caps = NULL;
    uint32_t count = 0;
    status = enumerate(ctx->instance, &physicals, &caps, &count);
    if (status == PIXEEN_OK) {
        int chosen = gpu_device_choose(caps, count, desc->device);
        if (chosen < 0) {
            status = PIXEEN_ERROR_NO_DEVICE;
        } else {
            ctx->physical = physicals[chosen];
            ctx->caps = caps[chosen];
        }
        free(physicals);
        free(caps);
    }
    if (status == PIXEEN_OK) status = create_device(ctx);
    if (status == PIXEEN_OK) status = create_transfer_objects(ctx);
    if (status == PIXEEN_OK) status = gpu_memory_init(ctx);
    if (status != PIXEEN_OK) {
        gpu_context_destroy(ctx);
        return status;
    }
    if (!ctx->no_pipeline_cache) gpu_pipeline_cache_load(ctx);
    log_info("using %s (%s %s)", ctx->caps.name, ctx->caps.driver_name, ctx->caps.driver_info);
    *out = ctx;
    return PIXEEN_OK;
}

void gpu_context_destroy(gpu_context *ctx) {
    if (!ctx) return;
    if (ctx->device) {
        /* On a borrowed device, only our own submissions matter, and each was waited for by its
         * fence; vkDeviceWaitIdle would also need every application queue synchronized. */
        if (!ctx->borrowed) vkDeviceWaitIdle(ctx->device);
        if (!ctx->no_pipeline_cache) gpu_pipeline_cache_save(ctx);
        gpu_pipelines_destroy(ctx);
        gpu_buffer_destroy(ctx->compile_dummy);
        gpu_memory_shutdown(ctx);
        if (ctx->transfer_fence) vkDestroyFence(ctx->device, ctx->transfer_fence, NULL);
        if (ctx->command_pool) vkDestroyCommandPool(ctx->device, ctx->command_pool, NULL);
        if (!ctx->borrowed) vkDestroyDevice(ctx->device, NULL);
    }
    if (ctx->messenger) vkDestroyDebugUtilsMessengerEXT(ctx->instance, ctx->messenger, NULL);
    if (ctx->instance && !ctx->borrowed) vkDestroyInstance(ctx->instance, NULL);
    free(ctx->profile);
    free(ctx);
}

const gpu_caps *gpu_context_caps(const gpu_context *ctx) { return &ctx->caps; }

const gpu_tuning *gpu_context_tuning(const gpu_context *ctx) { return &ctx->tuning; }

gpu_tuning *gpu_context_tuning_edit(gpu_context *ctx) { return &ctx->tuning; }

bool gpu_context_validation_enabled(const gpu_context *ctx) { return ctx->validation; }

bool gpu_context_borrowed(const gpu_context *ctx) { return ctx->borrowed; }

void gpu_groups_2d(const gpu_context *ctx, uint64_t total, uint32_t *x, uint32_t *y) {
    uint64_t max_x = ctx->caps.max_workgroup_count[0];
    if (total <= max_x) {
        *x = (uint32_t)(total ? total : 1);
        *y = 1;
        return;
    }
    *y = (uint32_t)((total + max_x - 1) / max_x);
    *x = (uint32_t)((total + *y - 1) / *y);
}
