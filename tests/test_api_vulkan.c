/* test_api_vulkan.c — an application that shares its GPU with Pixeen: the test creates its own
 * VkInstance and VkDevice through volk (as a renderer would), hands them to pixeen_context_create
 * (pixeen_vulkan_device, borrowed), generates, takes the image's VkBuffer
 * (pixeen_image_get_vulkan_buffer) and copies it with its own command buffer on its own queue —
 * no host round trip through Pixeen — and compares with pixeen_image_read. It then checks that
 * Pixeen destroyed neither device nor instance (the test keeps using and then destroys them),
 * that the queue lock callbacks bracketed every queue use, that missing features are refused with
 * a clear message, and that the validation layer (enabled on the test's instance when installed)
 * stayed silent. */
#include <pthread.h>
#include <stdbool.h>
#include <volk.h>

#include "api_test.h"

static int validation_messages;
static int lock_depth, lock_calls, lock_errors;
static pthread_mutex_t queue_mutex = PTHREAD_MUTEX_INITIALIZER;

static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                 VkDebugUtilsMessageTypeFlagsEXT type,
                                                 const VkDebugUtilsMessengerCallbackDataEXT *data, void *user) {
    (void)type;
    (void)user;
    if (severity & (VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)) {
        validation_messages++;
        fprintf(stderr, "validation: %s\n", data->pMessage);
    }
    return VK_FALSE;
}

static void lock_queue(void *user) {
    pthread_mutex_lock(user);
    lock_errors += lock_depth != 0;
    lock_depth++;
    lock_calls++;
}

static void unlock_queue(void *user) {
    lock_depth--;
    pthread_mutex_unlock(user);
}

static bool has_layer(const char *name) {
    uint32_t n = 0;
    vkEnumerateInstanceLayerProperties(&n, NULL);
    VkLayerProperties layers[64];
    if (n > 64) n = 64;
    vkEnumerateInstanceLayerProperties(&n, layers);
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(layers[i].layerName, name)) return true;
    return false;
}

static bool has_device_extension(VkPhysicalDevice physical, const char *name) {
    uint32_t n = 0;
    vkEnumerateDeviceExtensionProperties(physical, NULL, &n, NULL);
    VkExtensionProperties *props = calloc(n ? n : 1, sizeof *props);
    vkEnumerateDeviceExtensionProperties(physical, NULL, &n, props);
    bool found = false;
    for (uint32_t i = 0; i < n; i++) found |= !strcmp(props[i].extensionName, name);
    free(props);
    return found;
}

/* The application's side of the handshake: a memory type index with `flags`. */
static uint32_t memory_type(VkPhysicalDevice physical, uint32_t bits, VkMemoryPropertyFlags flags) {
    VkPhysicalDeviceMemoryProperties props;
    vkGetPhysicalDeviceMemoryProperties(physical, &props);
    for (uint32_t i = 0; i < props.memoryTypeCount; i++)
        if ((bits & (1u << i)) && (props.memoryTypes[i].propertyFlags & flags) == flags) return i;
    return UINT32_MAX;
}

int main(void) {
    if (volkInitialize() != VK_SUCCESS) TEST_SKIP("no Vulkan loader");
    const char *env = getenv("PIXEEN_VALIDATION");
    bool validation = env && !strcmp(env, "1") && has_layer("VK_LAYER_KHRONOS_validation");
    const char *layers[] = {"VK_LAYER_KHRONOS_validation"};
    const char *instance_extensions[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
    VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO, .pApplicationName = "renderer",
                             .apiVersion = VK_API_VERSION_1_2};
    VkInstanceCreateInfo ii = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                               .pApplicationInfo = &app,
                               .enabledLayerCount = validation ? 1 : 0,
                               .ppEnabledLayerNames = layers,
                               .enabledExtensionCount = validation ? 1 : 0,
                               .ppEnabledExtensionNames = instance_extensions};
    VkInstance instance = VK_NULL_HANDLE;
    if (vkCreateInstance(&ii, NULL, &instance) != VK_SUCCESS) TEST_SKIP("no Vulkan driver");
    volkLoadInstance(instance);
    VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
    if (validation) {
        VkDebugUtilsMessengerCreateInfoEXT mi = {
            .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
            .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT,
            .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT,
            .pfnUserCallback = on_message};
        CHECK(vkCreateDebugUtilsMessengerEXT(instance, &mi, NULL, &messenger) == VK_SUCCESS);
    }
    printf("validation on the application's instance: %s\n", validation ? "on" : "off");

    uint32_t count = 1;
    VkPhysicalDevice physical = VK_NULL_HANDLE;
    VkResult r = vkEnumeratePhysicalDevices(instance, &count, &physical);
    if ((r != VK_SUCCESS && r != VK_INCOMPLETE) || count == 0) TEST_SKIP("no Vulkan device");
    VkPhysicalDeviceVulkan11Features f11 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    VkPhysicalDeviceVulkan12Features f12 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, .pNext = &f11};
    VkPhysicalDeviceFeatures2 supported = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f12};
    vkGetPhysicalDeviceFeatures2(physical, &supported);
    if (!f11.storageBuffer16BitAccess) TEST_SKIP("the device lacks 16-bit storage");
    bool fp16 = f12.shaderFloat16, push = has_device_extension(physical, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);

    /* a queue family with graphics and compute, as a renderer would pick */
    uint32_t families = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &families, NULL);
    VkQueueFamilyProperties fam[16];
    if (families > 16) families = 16;
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &families, fam);
    uint32_t family = UINT32_MAX;
    for (uint32_t i = 0; i < families && family == UINT32_MAX; i++)
        if (fam[i].queueFlags & VK_QUEUE_COMPUTE_BIT) family = i;
    CHECK(family != UINT32_MAX);

    VkPhysicalDeviceVulkan11Features e11 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
                                            .storageBuffer16BitAccess = VK_TRUE};
    VkPhysicalDeviceVulkan12Features e12 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
                                            .pNext = &e11, .shaderFloat16 = fp16};
    VkPhysicalDeviceFeatures2 enabled = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &e12};
    const char *device_extensions[] = {VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME};
    float priority = 1.0f;
    VkDeviceQueueCreateInfo qi = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, .queueFamilyIndex = family,
                                  .queueCount = 1, .pQueuePriorities = &priority};
    VkDeviceCreateInfo di = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, .pNext = &enabled,
                             .queueCreateInfoCount = 1, .pQueueCreateInfos = &qi,
                             .enabledExtensionCount = push ? 1 : 0, .ppEnabledExtensionNames = device_extensions};
    VkDevice device = VK_NULL_HANDLE;
    CHECK(vkCreateDevice(physical, &di, NULL, &device) == VK_SUCCESS);
    VkQueue queue = VK_NULL_HANDLE;
    vkGetDeviceQueue(device, family, 0, &queue);

    pixeen_vulkan_device vk = {
        .instance = instance,
        .physical_device = physical,
        .device = device,
        .queue = queue,
        .queue_family = family,
        .features = PIXEEN_VULKAN_FEATURE_STORAGE_16BIT | (fp16 ? PIXEEN_VULKAN_FEATURE_FLOAT16 : 0u) |
                    (push ? PIXEEN_VULKAN_FEATURE_PUSH_DESCRIPTOR : 0u),
        .get_instance_proc_addr = (pixeen_vulkan_get_instance_proc_addr_fn)vkGetInstanceProcAddr,
        .lock_queue = lock_queue,
        .unlock_queue = unlock_queue,
        .queue_user = &queue_mutex,
    };
    pixeen_context *ctx = NULL;

    /* refusals, each before touching the device */
    pixeen_vulkan_device bad = vk;
    bad.features = 0;
    CHECK_STATUS(pixeen_context_create(&(pixeen_context_desc){.vulkan = &bad}, &ctx), PIXEEN_ERROR_UNSUPPORTED);
    CHECK(ctx == NULL && strstr(pixeen_last_error(), "storageBuffer16BitAccess"));
    if (fp16) {
        bad.features = PIXEEN_VULKAN_FEATURE_STORAGE_16BIT;
        CHECK_STATUS(pixeen_context_create(&(pixeen_context_desc){.vulkan = &bad}, &ctx), PIXEEN_ERROR_UNSUPPORTED);
        CHECK(strstr(pixeen_last_error(), "shaderFloat16") != NULL);
    }
    bad.features = vk.features | (1u << 10);
    CHECK_STATUS(pixeen_context_create(&(pixeen_context_desc){.vulkan = &bad}, &ctx), PIXEEN_ERROR_UNSUPPORTED);
    bad = vk;
    bad.reserved[0] = 1;
    CHECK_STATUS(pixeen_context_create(&(pixeen_context_desc){.vulkan = &bad}, &ctx), PIXEEN_ERROR_UNSUPPORTED);
    bad = vk;
    bad.queue_family = 99;
    CHECK_STATUS(pixeen_context_create(&(pixeen_context_desc){.vulkan = &bad}, &ctx), PIXEEN_ERROR_UNSUPPORTED);
    CHECK(strstr(pixeen_last_error(), "queue family 99") != NULL);
    bad = vk;
    bad.device = NULL;
    CHECK_STATUS(pixeen_context_create(&(pixeen_context_desc){.vulkan = &bad}, &ctx), PIXEEN_ERROR_INVALID_ARGUMENT);
    bad = vk;
    bad.unlock_queue = NULL;
    CHECK_STATUS(pixeen_context_create(&(pixeen_context_desc){.vulkan = &bad}, &ctx), PIXEEN_ERROR_INVALID_ARGUMENT);

    /* the real thing */
    CHECK_OK(pixeen_context_create(&(pixeen_context_desc){.vulkan = &vk}, &ctx));
    if (!ctx) return test_finish();
    printf("device: %s (the application's)\n", pixeen_context_device_name(ctx));
    pixeen_model *model = api_test_model(ctx);
    pixeen_generate_desc g = api_test_request();
    pixeen_image *image = NULL;
    CHECK_OK(pixeen_generate(model, &g, &image));
    uint8_t expected[16 * 16 * 4], got[16 * 16 * 4];
    CHECK_OK(pixeen_image_read(image, 0, expected, sizeof expected));
    uint64_t handle = 0, offset = 0, size = 0;
    CHECK_OK(pixeen_image_get_vulkan_buffer(image, 0, &handle, &offset, &size));
    CHECK(handle != 0 && size == sizeof expected);
    CHECK_STATUS(pixeen_image_get_vulkan_buffer(image, 1, &handle, &offset, &size), PIXEEN_ERROR_INVALID_ARGUMENT);

    /* the application copies the pixels on its own queue, from Pixeen's VkBuffer */
    VkBuffer src = (VkBuffer)(uintptr_t)handle;
    VkBufferCreateInfo bi = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = size,
                             .usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT, .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
    VkBuffer dst = VK_NULL_HANDLE;
    CHECK(vkCreateBuffer(device, &bi, NULL, &dst) == VK_SUCCESS);
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(device, dst, &req);
    VkMemoryAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .allocationSize = req.size,
                               .memoryTypeIndex = memory_type(physical, req.memoryTypeBits,
                                                              VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                                                  VK_MEMORY_PROPERTY_HOST_COHERENT_BIT)};
    VkDeviceMemory memory = VK_NULL_HANDLE;
    CHECK(vkAllocateMemory(device, &ai, NULL, &memory) == VK_SUCCESS);
    CHECK(vkBindBufferMemory(device, dst, memory, 0) == VK_SUCCESS);
    VkCommandPool pool = VK_NULL_HANDLE;
    VkCommandPoolCreateInfo pi = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, .queueFamilyIndex = family};
    CHECK(vkCreateCommandPool(device, &pi, NULL, &pool) == VK_SUCCESS);
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    VkCommandBufferAllocateInfo ci = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, .commandPool = pool,
                                      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY, .commandBufferCount = 1};
    CHECK(vkAllocateCommandBuffers(device, &ci, &cmd) == VK_SUCCESS);
    VkCommandBufferBeginInfo begin = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                      .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
    vkBeginCommandBuffer(cmd, &begin);
    VkBufferMemoryBarrier before = {.sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
                                    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                                    .dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT,
                                    .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                                    .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                                    .buffer = src, .offset = offset, .size = size};
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, NULL, 1, &before,
                         0, NULL);
    vkCmdCopyBuffer(cmd, src, dst, 1, &(VkBufferCopy){.srcOffset = offset, .dstOffset = 0, .size = size});
    VkMemoryBarrier host = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER, .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                            .dstAccessMask = VK_ACCESS_HOST_READ_BIT};
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &host, 0, NULL, 0, NULL);
    vkEndCommandBuffer(cmd);
    VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &cmd};
    pthread_mutex_lock(&queue_mutex); /* the renderer side of the shared queue lock */
    CHECK(vkQueueSubmit(queue, 1, &si, VK_NULL_HANDLE) == VK_SUCCESS);
    CHECK(vkQueueWaitIdle(queue) == VK_SUCCESS);
    pthread_mutex_unlock(&queue_mutex);
    void *mapped = NULL;
    CHECK(vkMapMemory(device, memory, 0, size, 0, &mapped) == VK_SUCCESS);
    if (mapped) memcpy(got, mapped, sizeof got);
    vkUnmapMemory(device, memory);
    CHECK(memcmp(got, expected, sizeof got) == 0);

    pixeen_image_destroy(image);
    pixeen_model_destroy(model);
    pixeen_context_destroy(ctx);
    printf("queue lock taken %d times\n", lock_calls);
    CHECK(lock_calls > 0 && lock_errors == 0 && lock_depth == 0);

    /* the device and instance are still the application's: it keeps using, then destroys them */
    vkResetCommandPool(device, pool, 0);
    vkBeginCommandBuffer(cmd, &begin);
    vkCmdFillBuffer(cmd, dst, 0, size, 0);
    vkEndCommandBuffer(cmd);
    CHECK(vkQueueSubmit(queue, 1, &si, VK_NULL_HANDLE) == VK_SUCCESS);
    CHECK(vkDeviceWaitIdle(device) == VK_SUCCESS);
    vkDestroyCommandPool(device, pool, NULL);
    vkDestroyBuffer(device, dst, NULL);
    vkFreeMemory(device, memory, NULL);
    vkDestroyDevice(device, NULL);
    if (messenger) vkDestroyDebugUtilsMessengerEXT(instance, messenger, NULL);
    vkDestroyInstance(instance, NULL);
    CHECK(validation_messages == 0);
    return test_finish();
}
