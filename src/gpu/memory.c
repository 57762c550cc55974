/* memory.c — device memory in large blocks, sub-allocated first-fit with coalescing, and the
 * staging path for uploads and downloads.
 *
 * Each block is one vkAllocateMemory plus one VkBuffer over all of it; a gpu_buffer is a range of
 * a block. Blocks are 256 MiB (capped by the device's maxMemoryAllocationSize): an SD 1.5 model's
 * weights and activations fit in a handful, and one allocation per tensor would exceed the
 * allocation-count limit of some drivers (4096 on many). A request larger than a block gets a
 * block of its own. Empty blocks are released at once so peak memory follows the working set.
 *
 * What it leaves out: defragmentation (weights and per-resolution arenas are long-lived).
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/platform.h"
#include "gpu/gpu_internal.h"

#define BLOCK_SIZE_DEFAULT (256ull << 20)
/* Staging buffer: 16 MiB amortises the submit-and-wait per chunk (~0.1 ms on lavapipe, tens of us
 * on GPUs) while keeping host memory small when streaming multi-GB checkpoints. */
#define STAGING_SIZE (16ull << 20)

static uint64_t align_up(uint64_t value, uint64_t alignment) { return (value + alignment - 1) / alignment * alignment; }

static int find_memory_type(const VkPhysicalDeviceMemoryProperties *props, VkMemoryPropertyFlags required,
                            VkMemoryPropertyFlags preferred, uint32_t allowed_types) {
    for (int pass = 0; pass < 2; pass++) {
        VkMemoryPropertyFlags want = pass == 0 ? required | preferred : required;
        for (uint32_t i = 0; i < props->memoryTypeCount; i++)
            if ((allowed_types & (1u << i)) && (props->memoryTypes[i].propertyFlags & want) == want) return (int)i;
    }
    return -1;
}

static VkBufferUsageFlags block_usage(void) {
    return VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
           VK_BUFFER_USAGE_STORAGE_TEXEL_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
           VK_BUFFER_USAGE_TRANSFER_DST_BIT;
}

pixeen_status gpu_memory_init(gpu_context *ctx) {
    vkGetPhysicalDeviceMemoryProperties(ctx->physical, &ctx->memory_props);
    /* Which memory types a buffer with our usage may live in. */
    VkBufferCreateInfo probe_info = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = 4096,
        .usage = block_usage(),
    };
    VkBuffer probe;
    VK_TRY(vkCreateBuffer(ctx->device, &probe_info, NULL, &probe));
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(ctx->device, probe, &req);
    vkDestroyBuffer(ctx->device, probe, NULL);

    int device_type = find_memory_type(&ctx->memory_props, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0, req.memoryTypeBits);
    if (device_type < 0) device_type = find_memory_type(&ctx->memory_props, 0, 0, req.memoryTypeBits);
    int host_type = find_memory_type(&ctx->memory_props,
                                     VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                                     VK_MEMORY_PROPERTY_HOST_CACHED_BIT, req.memoryTypeBits);
    if (device_type < 0 || host_type < 0)
        return error_set(PIXEEN_ERROR_NO_DEVICE, "gpu: device '%s' has no memory type for storage buffers%s",
                         ctx->caps.name, host_type < 0 ? " (host-visible)" : "");
    ctx->memory_type[GPU_MEMORY_DEVICE] = (uint32_t)device_type;
    ctx->memory_type[GPU_MEMORY_HOST] = (uint32_t)host_type;

    ctx->block_size = BLOCK_SIZE_DEFAULT;
    if (ctx->caps.max_memory_allocation && ctx->block_size > ctx->caps.max_memory_allocation)
        ctx->block_size = ctx->caps.max_memory_allocation;
    /* Every range may be bound as a storage buffer or a texel buffer, and 256 covers the
     * nonCoherentAtomSize of every driver we know; the device's own limits can raise it. */
    ctx->alignment = 256;
    if (ctx->caps.min_storage_offset_alignment > ctx->alignment) ctx->alignment = ctx->caps.min_storage_offset_alignment;
    if (ctx->caps.min_texel_offset_alignment > ctx->alignment) ctx->alignment = ctx->caps.min_texel_offset_alignment;
    if (req.alignment > ctx->alignment) ctx->alignment = req.alignment;

    return gpu_buffer_create(ctx, GPU_MEMORY_HOST, STAGING_SIZE, "staging", &ctx->staging);
}

static void block_release(gpu_context *ctx, gpu_block *block) {
    if (block->buffer) vkDestroyBuffer(ctx->device, block->buffer, NULL);
    if (block->memory) {
        if (block->mapped && !block->host) vkUnmapMemory(ctx->device, block->memory);
        vkFreeMemory(ctx->device, block->memory, NULL);
        ctx->allocated -= block->size;
    }
    platform_memory_prefault_stop(block->prefault);
    platform_memory_release(block->host, (size_t)block->host_size);
    free(block->free);
    free(block);
}

void gpu_memory_shutdown(gpu_context *ctx) {
    gpu_buffer_destroy(ctx->staging);
    ctx->staging = NULL;
    for (gpu_block *b = ctx->blocks, *next; b; b = next) {
        next = b->next;
        if (b->live) log_warn("gpu: %u buffer(s) still alive at shutdown (a leak)", b->live);
        block_release(ctx, b);
    }
    ctx->blocks = NULL;
}

/* A CPU driver's device memory, taken from memory we map ourselves (VK_EXT_external_memory_host).
 * What the driver would allocate is no better than ours and can be worse: Mesa 25's lavapipe maps
 * a memfd, shared memory that gets no transparent huge pages, so filling 2 GiB of weights took
 * 600,000 page faults (6 s of an 8 s model load on the 2-core VM; the kernels themselves measured
 * no faster on huge pages). Ours is anonymous, 2 MiB-aligned, asked for huge pages and kept out of
 * core dumps (platform_memory_reserve). A driver that refuses the pointer gets its own allocation. */
static VkResult import_host_memory(gpu_context *ctx, gpu_block *block, const VkMemoryRequirements *req) {
    uint64_t size = align_up(req->size, ctx->import_alignment);
    void *host = size == (size_t)size ? platform_memory_reserve((size_t)size) : NULL;
    if (!host) return VK_ERROR_OUT_OF_HOST_MEMORY;
    VkMemoryHostPointerPropertiesEXT props = {.sType = VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT};
    VkResult r = vkGetMemoryHostPointerPropertiesEXT(ctx->device, VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
                                                     host, &props);
    int type = r == VK_SUCCESS ? find_memory_type(&ctx->memory_props, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT,
                                                  VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT,
                                                  props.memoryTypeBits & req->memoryTypeBits)
                               : -1;
    if (type < 0) r = r == VK_SUCCESS ? VK_ERROR_INVALID_EXTERNAL_HANDLE : r;
    VkImportMemoryHostPointerInfoEXT import = {
        .sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT,
        .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
        .pHostPointer = host,
    };
    VkMemoryAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .pNext = &import,
        .allocationSize = size,
        .memoryTypeIndex = (uint32_t)type,
    };
    if (r == VK_SUCCESS) r = vkAllocateMemory(ctx->device, &alloc, NULL, &block->memory);
    if (r != VK_SUCCESS) {
        block->memory = VK_NULL_HANDLE;
        platform_memory_release(host, (size_t)size);
        return r;
    }
    block->host = host;
    block->host_size = size;
    block->mapped = host;
    /* Weights fill it from its start at once: fault it in from its end meanwhile. */
    if (ctx->expect_fill) block->prefault = platform_memory_prefault_start(host, (size_t)size);
    return VK_SUCCESS;
}

static pixeen_status block_create(gpu_context *ctx, gpu_memory kind, uint64_t size, gpu_block **out) {
    if (ctx->caps.max_memory_allocation && size > ctx->caps.max_memory_allocation)
        return error_set(PIXEEN_ERROR_GPU_OUT_OF_MEMORY,
                         "gpu: a buffer of %llu MiB exceeds the device's largest allocation (%llu MiB)",
                         (unsigned long long)(size >> 20), (unsigned long long)(ctx->caps.max_memory_allocation >> 20));
    gpu_block *block = calloc(1, sizeof *block);
    if (!block) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory");
    block->kind = kind;
    block->size = size;
    block->id = ++ctx->next_block_id;
    bool import = ctx->import_host_memory && kind == GPU_MEMORY_DEVICE;
    VkExternalMemoryBufferCreateInfo external = {
        .sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO,
        .handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
    };
    VkBufferCreateInfo buffer_info = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .pNext = import ? &external : NULL,
        .size = size,
        .usage = block_usage(),
    };
    VkResult r = vkCreateBuffer(ctx->device, &buffer_info, NULL, &block->buffer);
    VkMemoryRequirements req = {0};
    if (r == VK_SUCCESS) vkGetBufferMemoryRequirements(ctx->device, block->buffer, &req);
    if (r == VK_SUCCESS && import) {
        r = import_host_memory(ctx, block, &req);
        if (r != VK_SUCCESS && r != VK_ERROR_OUT_OF_HOST_MEMORY) { /* refused: the driver's own memory from now on */
            log_debug("gpu: the driver did not take host memory as device memory (VkResult %d); it allocates its own",
                      (int)r);
            ctx->import_host_memory = false;
            block_release(ctx, block);
            return block_create(ctx, kind, size, out);
        }
    } else if (r == VK_SUCCESS) {
        VkMemoryAllocateInfo alloc = {
            .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
            .allocationSize = req.size,
            .memoryTypeIndex = ctx->memory_type[kind],
        };
        r = vkAllocateMemory(ctx->device, &alloc, NULL, &block->memory);
    }
    if (r == VK_SUCCESS) {
        ctx->allocated += size;
        if (ctx->allocated > ctx->peak) ctx->peak = ctx->allocated;
        r = vkBindBufferMemory(ctx->device, block->buffer, block->memory, 0);
    }
    VkMemoryPropertyFlags flags = ctx->memory_props.memoryTypes[ctx->memory_type[kind]].propertyFlags;
    if (r == VK_SUCCESS && !block->host && (flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
        r = vkMapMemory(ctx->device, block->memory, 0, VK_WHOLE_SIZE, 0, &block->mapped);
    /* Mesa 25's lavapipe returns VK_SUCCESS with mmap's MAP_FAILED ((void *)-1) as the pointer when
     * the address space runs out (RLIMIT_AS): writing through it would crash, so call it a failed map. */
    if (r == VK_SUCCESS && (flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) &&
        (!block->mapped || block->mapped == (void *)(intptr_t)-1)) {
        block->mapped = NULL;
        r = VK_ERROR_MEMORY_MAP_FAILED;
    }
    /* A CPU driver's device memory is this process's anonymous memory, untouched so far: huge
     * pages make filling it (2 GiB of weights) take a fault per 2 MiB instead of per 4 KiB. */
    if (r == VK_SUCCESS && block->mapped && !block->host && ctx->caps.type == GPU_DEVICE_CPU)
        platform_memory_advise_huge(block->mapped, (size_t)size);
    block->free = malloc(sizeof *block->free * 4);
    if (r != VK_SUCCESS || !block->free) {
        pixeen_status status;
        if (!block->free) {
            status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory");
        } else if (ctx->caps.type == GPU_DEVICE_CPU && (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_MEMORY_MAP_FAILED ||
                                                       r == VK_ERROR_OUT_OF_HOST_MEMORY)) {
            /* A CPU driver (lavapipe) takes its "device" memory from the process: it is the host's
             * memory or address space (ulimit -v) that ran out, whatever VkResult says. */
            status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY,
                               "gpu: out of host memory or address space (%s failed with VkResult %d after %llu MiB; the "
                               "CPU driver '%s' keeps device memory in this process: check free memory and ulimit -v, "
                               "or use a smaller size or batch)",
                               r == VK_ERROR_MEMORY_MAP_FAILED ? "vkMapMemory"
                               : import                        ? "mmap or vkAllocateMemory"
                                                               : "vkAllocateMemory",
                               (int)r,
                               (unsigned long long)(ctx->allocated >> 20), ctx->caps.name);
        } else {
            status = gpu_vk_status(r, "vkAllocateMemory/vkCreateBuffer", __FILE__, __LINE__);
        }
        error_wrap(status, "gpu: allocating a %llu MiB block: ", (unsigned long long)(size >> 20));
        block_release(ctx, block);
        return status;
    }
    block->free_capacity = 4;
    block->free[0] = (gpu_range){0, size};
    block->free_count = 1;
    block->next = ctx->blocks;
    ctx->blocks = block;
    *out = block;
    return PIXEEN_OK;
}

/* First fit in a block's free list; returns false if nothing fits. */
static bool block_carve(gpu_block *block, uint64_t size, uint64_t *offset) {
    for (uint32_t i = 0; i < block->free_count; i++) {
        gpu_range *r = &block->free[i];
        if (r->size < size) continue;
        *offset = r->offset;
        r->offset += size;
        r->size -= size;
        if (r->size == 0) {
            memmove(r, r + 1, (block->free_count - i - 1) * sizeof *r);
            block->free_count--;
        }
        return true;
    }
    return false;
}

/* Returns a range to the free list, merging with its neighbours. */
static bool block_return(gpu_block *block, uint64_t offset, uint64_t size) {
    uint32_t i = 0;
    while (i < block->free_count && block->free[i].offset < offset) i++;
    bool merge_prev = i > 0 && block->free[i - 1].offset + block->free[i - 1].size == offset;
    bool merge_next = i < block->free_count && offset + size == block->free[i].offset;
    if (merge_prev && merge_next) {
        block->free[i - 1].size += size + block->free[i].size;
        memmove(&block->free[i], &block->free[i + 1], (block->free_count - i - 1) * sizeof *block->free);
        block->free_count--;
    } else if (merge_prev) {
        block->free[i - 1].size += size;
    } else if (merge_next) {
        block->free[i].offset = offset;
        block->free[i].size += size;
    } else {
        if (block->free_count == block->free_capacity) {
            gpu_range *grown = realloc(block->free, sizeof *grown * block->free_capacity * 2);
            if (!grown) return false; /* the range leaks inside the block; the block still frees */
            block->free = grown;
            block->free_capacity *= 2;
        }
        memmove(&block->free[i + 1], &block->free[i], (block->free_count - i) * sizeof *block->free);
        block->free[i] = (gpu_range){offset, size};
        block->free_count++;
    }
    return true;
}

pixeen_status gpu_buffer_create(gpu_context *ctx, gpu_memory memory, uint64_t size, const char *label,
                                gpu_buffer **out) {
    *out = NULL;
    if (size == 0) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "gpu: buffer '%s' has size 0", label ? label : "?");
    gpu_buffer *buf = calloc(1, sizeof *buf);
    if (!buf) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory");
    uint64_t reserved = align_up(size, ctx->alignment);
    gpu_block *block = NULL;
    uint64_t offset = 0;
    for (gpu_block *b = ctx->blocks; b && !block; b = b->next)
        if (b->kind == memory && block_carve(b, reserved, &offset)) block = b;
    if (!block) {
        uint64_t block_size = reserved > ctx->block_size ? reserved : ctx->block_size;
        if (memory == GPU_MEMORY_HOST && reserved <= STAGING_SIZE) block_size = STAGING_SIZE * 2;
        pixeen_status status = block_create(ctx, memory, block_size, &block);
        if (status != PIXEEN_OK) {
            free(buf);
            return error_wrap(status, "gpu: buffer '%s' (%llu bytes): ", label ? label : "?", (unsigned long long)size);
        }
        block_carve(block, reserved, &offset);
    }
    block->live++;
    *buf = (gpu_buffer){.ctx = ctx, .block = block, .offset = offset, .size = size, .reserved = reserved};
    *out = buf;
    return PIXEEN_OK;
}

pixeen_status gpu_buffer_wrap(gpu_context *ctx, uint64_t handle, uint64_t size, gpu_buffer **out) {
    *out = NULL;
    gpu_block *block = calloc(1, sizeof *block);
    gpu_buffer *buf = calloc(1, sizeof *buf);
    if (!block || !buf) {
        free(block);
        free(buf);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory");
    }
    memcpy(&block->buffer, &handle, sizeof block->buffer); /* a pointer on 64-bit targets, a uint64_t on 32-bit */
    block->size = size;
    block->kind = GPU_MEMORY_DEVICE;
    block->id = ++ctx->next_block_id; /* its own identity for the recorder's hazard tracking */
    block->live = 1;
    block->borrowed = true;
    *buf = (gpu_buffer){.ctx = ctx, .block = block, .offset = 0, .size = size, .reserved = size};
    *out = buf;
    return PIXEEN_OK;
}

void gpu_buffer_destroy(gpu_buffer *buf) {
    if (!buf) return;
    gpu_context *ctx = buf->ctx;
    gpu_block *block = buf->block;
    if (block->borrowed) { /* the application's: only our records of it go */
        free(block);
        free(buf);
        return;
    }
    block_return(block, buf->offset, buf->reserved);
    if (--block->live == 0) {
        gpu_block **link = &ctx->blocks;
        while (*link != block) link = &(*link)->next;
        *link = block->next;
        block_release(ctx, block);
    }
    free(buf);
}

static pixeen_status transfer_begin(gpu_context *ctx) {
    VkCommandBufferBeginInfo begin = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
        .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
    };
    VK_TRY(vkResetCommandBuffer(ctx->transfer_cmd, 0));
    VK_TRY(vkBeginCommandBuffer(ctx->transfer_cmd, &begin));
    return PIXEEN_OK;
}

/* Ends, submits and waits for the transfer command buffer. The barrier makes the copy visible to
 * compute shaders and host reads that follow. */
static pixeen_status transfer_submit(gpu_context *ctx) {
    VkMemoryBarrier barrier = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
        .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_HOST_READ_BIT,
    };
    vkCmdPipelineBarrier(ctx->transfer_cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, NULL, 0,
                         NULL);
    VK_TRY(vkEndCommandBuffer(ctx->transfer_cmd));
    VkSubmitInfo submit = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
        .commandBufferCount = 1,
        .pCommandBuffers = &ctx->transfer_cmd,
    };
    VK_TRY(vkResetFences(ctx->device, 1, &ctx->transfer_fence));
    VK_TRY(gpu_queue_submit(ctx, &submit, ctx->transfer_fence));
    VK_TRY(vkWaitForFences(ctx->device, 1, &ctx->transfer_fence, VK_TRUE, UINT64_MAX));
    return PIXEEN_OK;
}

static pixeen_status check_range(const gpu_buffer *buf, uint64_t offset, uint64_t size, const char *what) {
    if (offset > buf->size || size > buf->size - offset)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "gpu: %s of %llu bytes at offset %llu exceeds the buffer (%llu bytes)",
                         what, (unsigned long long)size, (unsigned long long)offset, (unsigned long long)buf->size);
    return PIXEEN_OK;
}

pixeen_status gpu_buffer_write_stream(gpu_context *ctx, gpu_buffer *buf, uint64_t offset, uint64_t size,
                                      gpu_produce_fn produce, void *user) {
    PX_TRY(check_range(buf, offset, size, "upload"));
    /* All GPU work that might read this range must be finished: uploads are synchronous and happen
     * between recorded submissions, never inside one. */
    VK_TRY(gpu_queue_wait_idle(ctx));
    if (buf->block->mapped && !ctx->force_staging) { /* host-visible device memory (unified memory, lavapipe): no copy */
        return produce((char *)buf->block->mapped + buf->offset + offset, 0, size, user);
    }
    uint8_t *staging = (uint8_t *)ctx->staging->block->mapped + ctx->staging->offset;
    for (uint64_t done = 0; done < size;) {
        uint64_t chunk = size - done < STAGING_SIZE ? size - done : STAGING_SIZE;
        PX_TRY(produce(staging, done, chunk, user));
        PX_TRY(transfer_begin(ctx));
        VkBufferCopy region = {
            .srcOffset = ctx->staging->offset,
            .dstOffset = buf->offset + offset + done,
            .size = chunk,
        };
        vkCmdCopyBuffer(ctx->transfer_cmd, ctx->staging->block->buffer, buf->block->buffer, 1, &region);
        PX_TRY(transfer_submit(ctx));
        memset(staging, 0, chunk); /* uploads carry token ids and noise too: no copy left behind */
        done += chunk;
    }
    return PIXEEN_OK;
}

static pixeen_status produce_memcpy(void *dst, uint64_t offset, uint64_t bytes, void *user) {
    memcpy(dst, (const uint8_t *)user + offset, bytes);
    return PIXEEN_OK;
}

pixeen_status gpu_buffer_upload(gpu_context *ctx, gpu_buffer *buf, uint64_t offset, const void *data, uint64_t size) {
    return gpu_buffer_write_stream(ctx, buf, offset, size, produce_memcpy, (void *)(uintptr_t)data);
}

pixeen_status gpu_buffer_download(gpu_context *ctx, const gpu_buffer *buf, uint64_t offset, void *data, uint64_t size) {
    PX_TRY(check_range(buf, offset, size, "download"));
    VK_TRY(gpu_queue_wait_idle(ctx));
    if (buf->block->mapped && !ctx->force_staging) {
        memcpy(data, (const char *)buf->block->mapped + buf->offset + offset, size);
        return PIXEEN_OK;
    }
    uint8_t *staging = (uint8_t *)ctx->staging->block->mapped + ctx->staging->offset;
    for (uint64_t done = 0; done < size;) {
        uint64_t chunk = size - done < STAGING_SIZE ? size - done : STAGING_SIZE;
        PX_TRY(transfer_begin(ctx));
        VkBufferCopy region = {
            .srcOffset = buf->offset + offset + done,
            .dstOffset = ctx->staging->offset,
            .size = chunk,
        };
        vkCmdCopyBuffer(ctx->transfer_cmd, buf->block->buffer, ctx->staging->block->buffer, 1, &region);
        PX_TRY(transfer_submit(ctx));
        memcpy((uint8_t *)data + done, staging, chunk);
        /* Downloads carry images and latents: leave no copy in host-visible staging memory. */
        memset(staging, 0, chunk);
        done += chunk;
    }
    return PIXEEN_OK;
}

void gpu_buffer_destroy_wiped(gpu_buffer *buf) {
    if (!buf) return;
    gpu_context *ctx = buf->ctx;
    bool wiped = false;
    if (gpu_queue_wait_idle(ctx) == VK_SUCCESS) {
        if (buf->block->mapped) {
            memset((char *)buf->block->mapped + buf->offset, 0, buf->reserved);
            wiped = true;
        } else if (transfer_begin(ctx) == PIXEEN_OK) {
            vkCmdFillBuffer(ctx->transfer_cmd, buf->block->buffer, buf->offset, buf->reserved, 0);
            wiped = transfer_submit(ctx) == PIXEEN_OK;
        }
    }
    if (!wiped) log_warn("gpu: could not clear a buffer that held private data before releasing it");
    gpu_buffer_destroy(buf);
}

uint64_t gpu_buffer_size(const gpu_buffer *buf) { return buf->size; }

void gpu_buffer_vk_handle(const gpu_buffer *buf, uint64_t *handle, uint64_t *offset) {
    *handle = 0; /* VkBuffer is a pointer on 64-bit targets and a uint64_t on 32-bit ones */
    memcpy(handle, &buf->block->buffer, sizeof buf->block->buffer);
    *offset = buf->offset;
}

void *gpu_buffer_map(gpu_buffer *buf) {
    if (buf->block->kind != GPU_MEMORY_HOST || !buf->block->mapped) return NULL;
    return (char *)buf->block->mapped + buf->offset;
}

uint64_t gpu_memory_allocated(const gpu_context *ctx) { return ctx->allocated; }

bool gpu_memory_host_imported(const gpu_context *ctx) { return ctx->import_host_memory; }

void gpu_memory_expect_fill(gpu_context *ctx, bool on) { ctx->expect_fill = on; }

uint64_t gpu_memory_peak(const gpu_context *ctx) { return ctx->peak; }
