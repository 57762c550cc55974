/* devices_print.c — `pixeen devices`: every Vulkan device, its driver, memory and capabilities,
 * and which one Pixeen would choose. Needs no device to be created. */
#include <stdlib.h>

#include "gpu/gpu_internal.h"

static const char *type_name(gpu_device_type type) {
    switch (type) {
    case GPU_DEVICE_DISCRETE: return "discrete GPU";
    case GPU_DEVICE_INTEGRATED: return "integrated GPU";
    case GPU_DEVICE_VIRTUAL: return "virtual GPU";
    case GPU_DEVICE_CPU: return "CPU";
    default: return "other";
    }
}

static void print_subgroup_ops(FILE *out, uint32_t ops) {
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        {VK_SUBGROUP_FEATURE_BASIC_BIT, "basic"},         {VK_SUBGROUP_FEATURE_VOTE_BIT, "vote"},
        {VK_SUBGROUP_FEATURE_ARITHMETIC_BIT, "arithmetic"}, {VK_SUBGROUP_FEATURE_BALLOT_BIT, "ballot"},
        {VK_SUBGROUP_FEATURE_SHUFFLE_BIT, "shuffle"},     {VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT, "shuffle-relative"},
        {VK_SUBGROUP_FEATURE_CLUSTERED_BIT, "clustered"}, {VK_SUBGROUP_FEATURE_QUAD_BIT, "quad"},
    };
    const char *sep = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ops & names[i].bit) {
            fprintf(out, "%s%s", sep, names[i].name);
            sep = ",";
        }
    if (!*sep) fprintf(out, "none");
}

static void print_caps(FILE *out, uint32_t index, const gpu_caps *c, bool chosen) {
    fprintf(out, "%s[%u] %s (%s)\n", chosen ? "* " : "  ", index, c->name, type_name(c->type));
    fprintf(out, "      driver      %s %s (id %u), Vulkan %u.%u.%u, vendor 0x%04x device 0x%04x\n", c->driver_name,
            c->driver_info, c->driver_id, VK_API_VERSION_MAJOR(c->api_version), VK_API_VERSION_MINOR(c->api_version),
            VK_API_VERSION_PATCH(c->api_version), c->vendor_id, c->device_id);
    fprintf(out, "      memory      ");
    for (uint32_t h = 0; h < c->heap_count; h++)
        fprintf(out, "%sheap %u: %.1f GiB%s", h ? ", " : "", h, (double)c->heap_size[h] / (1 << 30),
                c->heap_device_local[h] ? " device-local" : "");
    fprintf(out, "%s\n", c->unified_memory ? " (unified)" : "");
    fprintf(out, "      arithmetic  fp16 %s, int8 %s, int64 %s; storage 16-bit %s, 8-bit %s\n", c->fp16 ? "yes" : "no",
            c->int8 ? "yes" : "no", c->int64 ? "yes" : "no", c->storage16 ? "yes" : "no", c->storage8 ? "yes" : "no");
    fprintf(out, "      subgroups   size %u (%u..%u%s), ops ", c->subgroup_size, c->min_subgroup_size, c->max_subgroup_size,
            c->subgroup_size_control ? ", size control" : "");
    print_subgroup_ops(out, c->subgroup_ops);
    fprintf(out, "\n");
    fprintf(out, "      limits      shared memory %u KiB, storage buffer range %llu MiB, workgroup %u invocations, "
                 "push constants %u B, allocation %llu MiB\n",
            c->max_shared_memory >> 10, (unsigned long long)(c->max_storage_buffer_range >> 20),
            c->max_workgroup_invocations, c->max_push_constants, (unsigned long long)(c->max_memory_allocation >> 20));
    fprintf(out, "      features    buffer device address %s, push descriptors %s, timestamps %s",
            c->buffer_device_address ? "yes" : "no", c->push_descriptors ? "yes" : "no", c->timestamps ? "yes" : "no");
    if (c->timestamps) fprintf(out, " (%.2f ns/tick)", c->timestamp_period);
    fprintf(out, "%s\n", c->api_version < VK_API_VERSION_1_2 ? "\n      unusable    Vulkan 1.2 is required" : "");
}

pixeen_status gpu_devices_print(FILE *out, const char *selector) {
    VkInstance instance = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
    bool validation = false;
    PX_TRY(gpu_instance_create(false, &instance, &messenger, &validation));
    uint32_t count = 0;
    VkResult r = vkEnumeratePhysicalDevices(instance, &count, NULL);
    VkPhysicalDevice *physicals = calloc(count ? count : 1, sizeof *physicals);
    gpu_caps *caps = calloc(count ? count : 1, sizeof *caps);
    pixeen_status status = PIXEEN_OK;
    if (r < 0) {
        status = gpu_vk_status(r, "vkEnumeratePhysicalDevices", __FILE__, __LINE__);
    } else if (!physicals || !caps) {
        status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory");
    } else if (count == 0) {
        status = error_set(PIXEEN_ERROR_NO_DEVICE,
                           "gpu: the Vulkan loader found no device; install a Vulkan driver: on Debian/Ubuntu "
                           "`apt-get install mesa-vulkan-drivers` (Mesa: AMD, Intel and the CPU driver lavapipe), "
                           "or your GPU vendor's driver");
    } else if ((r = vkEnumeratePhysicalDevices(instance, &count, physicals)) < 0) {
        status = gpu_vk_status(r, "vkEnumeratePhysicalDevices", __FILE__, __LINE__);
    }
    if (status == PIXEEN_OK) {
        for (uint32_t i = 0; i < count; i++) gpu_caps_query(physicals[i], &caps[i]);
        int chosen = gpu_device_choose(caps, count, selector);
        fprintf(out, "%u Vulkan device%s:\n", count, count == 1 ? "" : "s");
        for (uint32_t i = 0; i < count; i++) print_caps(out, i, &caps[i], (int)i == chosen);
        if (chosen >= 0)
            fprintf(out, "Pixeen would use [%d] %s%s.\n", chosen, caps[chosen].name,
                    caps[chosen].type == GPU_DEVICE_CPU ? " (a CPU driver: correct but slow)" : "");
        else
            fprintf(out, "Pixeen would use none: %s\n", error_message());
        status = chosen >= 0 ? PIXEEN_OK : PIXEEN_ERROR_NO_DEVICE;
    }
    free(physicals);
    free(caps);
    vkDestroyInstance(instance, NULL);
    return status;
}
