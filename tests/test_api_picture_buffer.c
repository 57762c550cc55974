/* test_api_picture_buffer.c — init images and masks in the application's own VkBuffer
 * (pixeen_picture_desc.buffer/offset/size/context): the test creates its own VkInstance and
 * VkDevice through volk (as a renderer would), shares them with Pixeen, writes RGBA8 pictures with
 * padded rows into a VkBuffer of its own at an offset, and edits from there. The results must equal
 * the same pictures given as host RGBA8 (pixeen_picture_desc.rgba): at the picture's size, with a
 * Lanczos resize on the GPU (src/image's taps; rare one-level roundings, see test_op_picture), and
 * as an inpainting mask. Also the validation (size, offset, stride, no context, a context on
 * Pixeen's own device, two sources) and a silent validation layer on the application's instance. */
#include <stdbool.h>
#include <volk.h>

#include "api_test.h"

static int validation_messages;

static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                 VkDebugUtilsMessageTypeFlagsEXT type,
                                                 const VkDebugUtilsMessengerCallbackDataEXT *data, void *user) {
    (void)type, (void)user;
    if (severity & (VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)) {
        validation_messages++;
        fprintf(stderr, "validation: %s\n", data->pMessage);
    }
    return VK_FALSE;
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

#define W 40
#define H 24
#define PAD 3      /* pixels after each row */
#define OFFSET 256 /* bytes before the first picture */

/* A gradient with noise (the init image) and a disc (the mask, white = repaint). */
static void draw(uint8_t *image, uint8_t *mask, size_t stride) {
    uint32_t s = 12345;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *p = image + (size_t)y * stride + (size_t)x * 4, *m = mask + (size_t)y * stride + (size_t)x * 4;
            s = s * 1664525u + 1013904223u;
            p[0] = (uint8_t)(x * 6), p[1] = (uint8_t)(y * 10), p[2] = (uint8_t)(s >> 24), p[3] = 255;
            uint8_t v = (x - 20) * (x - 20) + (y - 12) * (y - 12) < 64 ? 255 : 0;
            m[0] = m[1] = m[2] = v, m[3] = 255;
        }
}

static uint8_t *edit(pixeen_model *pm, const pixeen_picture *init, const pixeen_picture *mask, int width) {
    pixeen_edit_desc e = {.init_image = init, .mask = mask, .strength = 0.75f};
    pixeen_generate_desc g = {.prompt = "a red lighthouse", .steps = 4, .seed = 99, .width = width,
                              .height = width ? width * H / W : 0, .sampler = PIXEEN_SAMPLER_EULER, .edit = &e};
    pixeen_image *image = NULL;
    CHECK_OK(pixeen_generate(pm, &g, &image));
    if (!image) return NULL;
    pixeen_image_info info;
    pixeen_image_get_info(image, &info);
    size_t n = (size_t)info.width * info.height * 4;
    uint8_t *px = malloc(n);
    CHECK_OK(pixeen_image_read(image, 0, px, n));
    pixeen_image_destroy(image);
    return px;
}

static void compare(const uint8_t *a, const uint8_t *b, size_t pixels, const char *what) {
    if (!a || !b) {
        CHECK(!"both images exist");
        return;
    }
    double sum = 0;
    int worst = 0;
    for (size_t i = 0; i < pixels * 4; i++) {
        if (i % 4 == 3) continue;
        int d = abs((int)a[i] - (int)b[i]);
        sum += d;
        worst = d > worst ? d : worst;
    }
    double mean = sum / (double)(pixels * 3) / 255.0;
    printf("%-44s image mean |diff| %.3g (max %d levels)\n", what, mean, worst);
    CHECK(mean < 0.5 / 255.0);
}

int main(void) {
    if (volkInitialize() != VK_SUCCESS) TEST_SKIP("no Vulkan loader");
    const char *env = getenv("PIXEEN_VALIDATION");
    bool validation = env && !strcmp(env, "1") && has_layer("VK_LAYER_KHRONOS_validation");
    const char *layers[] = {"VK_LAYER_KHRONOS_validation"};
    const char *instance_extensions[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
    VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO, .apiVersion = VK_API_VERSION_1_2};
    VkInstanceCreateInfo ii = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, .pApplicationInfo = &app,
                               .enabledLayerCount = validation ? 1 : 0, .ppEnabledLayerNames = layers,
                               .enabledExtensionCount = validation ? 1 : 0, .ppEnabledExtensionNames = instance_extensions};
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
    uint32_t count = 1;
    VkPhysicalDevice physical = VK_NULL_HANDLE;
    VkResult r = vkEnumeratePhysicalDevices(instance, &count, &physical);
    if ((r != VK_SUCCESS && r != VK_INCOMPLETE) || count == 0) TEST_SKIP("no Vulkan device");
    VkPhysicalDeviceVulkan11Features f11 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    VkPhysicalDeviceVulkan12Features f12 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, .pNext = &f11};
    VkPhysicalDeviceFeatures2 supported = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f12};
    vkGetPhysicalDeviceFeatures2(physical, &supported);
    if (!f11.storageBuffer16BitAccess) TEST_SKIP("the device lacks 16-bit storage");
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
                                            .pNext = &e11, .shaderFloat16 = f12.shaderFloat16};
    VkPhysicalDeviceFeatures2 enabled = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &e12};
    float priority = 1.0f;
    VkDeviceQueueCreateInfo qi = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, .queueFamilyIndex = family,
                                  .queueCount = 1, .pQueuePriorities = &priority};
    VkDeviceCreateInfo di = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, .pNext = &enabled,
                             .queueCreateInfoCount = 1, .pQueueCreateInfos = &qi};
    VkDevice device = VK_NULL_HANDLE;
    CHECK(vkCreateDevice(physical, &di, NULL, &device) == VK_SUCCESS);
    volkLoadDevice(device);
    VkQueue queue = VK_NULL_HANDLE;
    vkGetDeviceQueue(device, family, 0, &queue);

    /* the application's pictures: init image then mask, rows padded, at an offset */
    const size_t stride = (W + PAD) * 4, one = stride * H, bytes = OFFSET + 2 * one;
    VkBufferCreateInfo bi = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = bytes,
                             .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
    VkBuffer buffer = VK_NULL_HANDLE;
    CHECK(vkCreateBuffer(device, &bi, NULL, &buffer) == VK_SUCCESS);
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(device, buffer, &req);
    VkPhysicalDeviceMemoryProperties props;
    vkGetPhysicalDeviceMemoryProperties(physical, &props);
    uint32_t type = UINT32_MAX;
    const VkMemoryPropertyFlags want = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    for (uint32_t i = 0; i < props.memoryTypeCount && type == UINT32_MAX; i++)
        if ((req.memoryTypeBits & (1u << i)) && (props.memoryTypes[i].propertyFlags & want) == want) type = i;
    if (type == UINT32_MAX) TEST_SKIP("no host-visible memory to write the test's pictures");
    VkMemoryAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .allocationSize = req.size,
                               .memoryTypeIndex = type};
    VkDeviceMemory memory = VK_NULL_HANDLE;
    CHECK(vkAllocateMemory(device, &ai, NULL, &memory) == VK_SUCCESS);
    CHECK(vkBindBufferMemory(device, buffer, memory, 0) == VK_SUCCESS);
    uint8_t *mapped = NULL;
    CHECK(vkMapMemory(device, memory, 0, VK_WHOLE_SIZE, 0, (void **)&mapped) == VK_SUCCESS);
    memset(mapped, 0x5A, bytes);
    draw(mapped + OFFSET, mapped + OFFSET + one, stride);
    uint8_t *host = malloc(2 * one); /* the same pictures in host memory */
    memcpy(host, mapped + OFFSET, 2 * one);
    vkUnmapMemory(device, memory);

    pixeen_vulkan_device vk = {.instance = instance, .physical_device = physical, .device = device, .queue = queue,
                               .queue_family = family,
                               .features = PIXEEN_VULKAN_FEATURE_STORAGE_16BIT |
                                           (f12.shaderFloat16 ? PIXEEN_VULKAN_FEATURE_FLOAT16 : 0u),
                               .get_instance_proc_addr = (pixeen_vulkan_get_instance_proc_addr_fn)vkGetInstanceProcAddr};
    pixeen_context *ctx = NULL;
    CHECK_OK(pixeen_context_create(&(pixeen_context_desc){.vulkan = &vk}, &ctx));
    if (!ctx) return test_finish();
    char path[4096], tokenizer_dir[4096];
    snprintf(path, sizeof path, "%s", test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"));
    snprintf(tokenizer_dir, sizeof tokenizer_dir, "%s", test_data_path("sd15-tiny/model/tokenizer"));
    pixeen_model *pm = NULL;
    CHECK_OK(pixeen_model_load(ctx, &(pixeen_model_desc){.path = path, .tokenizer_dir = tokenizer_dir,
                                                         .precision = PIXEEN_PRECISION_FP32}, &pm));
    uint64_t handle = (uint64_t)(uintptr_t)buffer;
    pixeen_picture_desc gd = {.buffer = handle, .offset = OFFSET, .size = one, .width = W, .height = H,
                              .stride = stride, .context = ctx};
    pixeen_picture *g_init = NULL, *g_mask = NULL, *h_init = NULL, *h_mask = NULL;
    CHECK_OK(pixeen_picture_load(&gd, &g_init));
    gd.offset = OFFSET + one;
    CHECK_OK(pixeen_picture_load(&gd, &g_mask));
    CHECK_OK(pixeen_picture_load(&(pixeen_picture_desc){.rgba = host, .width = W, .height = H, .stride = stride}, &h_init));
    CHECK_OK(pixeen_picture_load(&(pixeen_picture_desc){.rgba = host + one, .width = W, .height = H, .stride = stride}, &h_mask));
    int pw = 0, ph = 0;
    CHECK_OK(pixeen_picture_get_size(g_init, &pw, &ph));
    CHECK(pw == W && ph == H);

    if (pm && g_init && g_mask && h_init && h_mask) {
        uint8_t *a = edit(pm, g_init, NULL, 0), *b = edit(pm, h_init, NULL, 0);
        compare(a, b, W * H, "img2img, VkBuffer vs host RGBA8:");
        free(a), free(b);
        a = edit(pm, g_init, NULL, 64), b = edit(pm, h_init, NULL, 64); /* resized: GPU vs host Lanczos */
        compare(a, b, 64 * 38, "img2img resized to 64x38, VkBuffer vs host:");
        free(a), free(b);
        a = edit(pm, g_init, g_mask, 0), b = edit(pm, h_init, h_mask, 0);
        compare(a, b, W * H, "inpainting, both from the VkBuffer vs host:");
        free(a), free(b);
        a = edit(pm, h_init, g_mask, 0), b = edit(pm, h_init, h_mask, 0);
        compare(a, b, W * H, "inpainting, the mask from the VkBuffer:");
        free(a), free(b);
    }

    /* validation */
    pixeen_picture *none = NULL;
    const struct {
        pixeen_picture_desc d;
        pixeen_status want;
        const char *needle;
    } bad[] = {
        {{.buffer = handle, .offset = OFFSET, .size = one - PAD * 4 - 1, .width = W, .height = H, .stride = stride, .context = ctx},
         PIXEEN_ERROR_INVALID_ARGUMENT, "needs"},
        {{.buffer = handle, .offset = OFFSET + 2, .size = one, .width = W, .height = H, .stride = stride, .context = ctx},
         PIXEEN_ERROR_INVALID_ARGUMENT, "multiples of 4"},
        {{.buffer = handle, .size = one, .width = W, .height = H, .stride = stride + 2, .context = ctx},
         PIXEEN_ERROR_INVALID_ARGUMENT, "multiples of 4"},
        {{.buffer = handle, .size = one, .width = W, .height = H, .stride = W * 4 - 4, .context = ctx},
         PIXEEN_ERROR_INVALID_ARGUMENT, "at least"},
        {{.buffer = handle, .size = one, .width = W, .height = H}, PIXEEN_ERROR_INVALID_ARGUMENT, "needs the context"},
        {{.buffer = handle, .size = one, .width = 0, .height = H, .context = ctx}, PIXEEN_ERROR_INVALID_ARGUMENT, "1..8192"},
        {{.buffer = handle, .size = one, .width = 9000, .height = 1, .context = ctx}, PIXEEN_ERROR_INVALID_ARGUMENT, "1..8192"},
        {{.buffer = handle, .rgba = host, .size = one, .width = W, .height = H, .context = ctx}, PIXEEN_ERROR_INVALID_ARGUMENT,
         "one of"},
        {{.rgba = host, .width = W, .height = H, .offset = 4}, PIXEEN_ERROR_INVALID_ARGUMENT, "go with a VkBuffer"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pixeen_status st = pixeen_picture_load(&bad[i].d, &none);
        bool ok = st == bad[i].want && !none && strstr(pixeen_last_error(), bad[i].needle);
        if (!ok) fprintf(stderr, "case %zu: %s: %s\n", i, pixeen_status_string(st), pixeen_last_error());
        CHECK(ok);
    }
    /* a context on Pixeen's own device: the application's buffer means nothing there */
    pixeen_context *own = api_test_context();
    pixeen_picture_desc od = {.buffer = handle, .size = one, .width = W, .height = H, .stride = stride, .context = own};
    CHECK_STATUS(pixeen_picture_load(&od, &none), PIXEEN_ERROR_UNSUPPORTED);
    CHECK(strstr(pixeen_last_error(), "its own Vulkan device") != NULL);
    pixeen_context_destroy(own);

    pixeen_picture_destroy(g_init), pixeen_picture_destroy(g_mask);
    pixeen_picture_destroy(h_init), pixeen_picture_destroy(h_mask);
    pixeen_model_destroy(pm);
    pixeen_context_destroy(ctx);
    /* Pixeen never destroyed the application's buffer: it is still the application's to free */
    vkDestroyBuffer(device, buffer, NULL);
    vkFreeMemory(device, memory, NULL);
    vkDestroyDevice(device, NULL);
    if (messenger) vkDestroyDebugUtilsMessengerEXT(instance, messenger, NULL);
    vkDestroyInstance(instance, NULL);
    printf("validation messages on the application's instance: %d\n", validation_messages);
    CHECK(validation_messages == 0);
    free(host);
    return test_finish();
}
