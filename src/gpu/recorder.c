/* recorder.c — operators append dispatches to one command buffer; the recorder inserts a barrier
 * only where a dispatch touches memory an earlier one wrote (read-after-write, write-after-write)
 * or writes memory an earlier one read (write-after-read) since the last barrier. Independent
 * dispatches (the Q, K and V projections, say) run without barriers between them.
 *
 * A recording can be submitted any number of times (replay): the denoising loop records a UNet
 * step once and replays it, changing only host-visible scalars between submits.
 *
 * Descriptors are pushed into the command buffer (VK_KHR_push_descriptor); on drivers without it
 * they come from a descriptor pool owned by the recorder and reset with each recording. Texel
 * buffer views are made while recording and live as long as the recording.
 *
 * Labels passed to gpu_record_dispatch must outlive the recording (string literals in practice).
 */
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu_internal.h"

typedef struct hazard_range {
    uint32_t block;
    uint64_t begin, end;
} hazard_range;

typedef struct range_list {
    hazard_range *items;
    uint32_t count, capacity;
} range_list;

struct gpu_recorder {
    gpu_context *ctx;
    VkCommandBuffer cmd;
    VkFence fence;
    bool recording, ended;
    pixeen_status status; /* first error while recording (sticky) */

    range_list written, read; /* since the last barrier */
    uint32_t dispatches, barriers;

    VkBufferView *views;
    uint32_t view_count, view_capacity;
    VkDescriptorPool pool; /* only without push descriptors */
    uint32_t pool_sets;

    bool timing;
    VkQueryPool queries;
    uint32_t query_capacity, query_count;
    uint32_t timed_dispatches; /* dispatches whose timestamps fit the pool this recording */
    bool query_overflow;       /* the last recording had more dispatches than the pool holds */
    const char **labels; /* label of dispatch i (timestamps i and i+1 bracket it) */
    double last_ns;
};

static bool range_list_push(range_list *list, hazard_range r) {
    if (list->count == list->capacity) {
        uint32_t capacity = list->capacity ? list->capacity * 2 : 32;
        hazard_range *grown = realloc(list->items, capacity * sizeof *grown);
        if (!grown) return false;
        list->items = grown;
        list->capacity = capacity;
    }
    list->items[list->count++] = r;
    return true;
}

static bool range_list_overlaps(const range_list *list, hazard_range r) {
    for (uint32_t i = 0; i < list->count; i++)
        if (list->items[i].block == r.block && list->items[i].begin < r.end && r.begin < list->items[i].end)
            return true;
    return false;
}

static void fail(gpu_recorder *rec, pixeen_status status) {
    if (rec->status == PIXEEN_OK) rec->status = status;
}

void gpu_recorder_fail(gpu_recorder *rec, pixeen_status status) { fail(rec, status); }

static pixeen_status create_query_pool(gpu_recorder *rec, uint32_t capacity) {
    gpu_context *ctx = rec->ctx;
    if (rec->queries) vkDestroyQueryPool(ctx->device, rec->queries, NULL);
    rec->queries = VK_NULL_HANDLE;
    free(rec->labels);
    rec->labels = calloc(capacity, sizeof *rec->labels);
    if (!rec->labels) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory");
    VkQueryPoolCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
        .queryType = VK_QUERY_TYPE_TIMESTAMP,
        .queryCount = capacity,
    };
    VK_TRY(vkCreateQueryPool(ctx->device, &info, NULL, &rec->queries));
    rec->query_capacity = capacity;
    return PIXEEN_OK;
}

pixeen_status gpu_recorder_create(gpu_context *ctx, gpu_recorder **out) {
    *out = NULL;
    gpu_recorder *rec = calloc(1, sizeof *rec);
    if (!rec) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory");
    rec->ctx = ctx;
    VkCommandBufferAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = ctx->command_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    /* Signalled at creation: "no submission in flight", so begin() and destroy() can always wait. */
    VkFenceCreateInfo fence_info = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO, .flags = VK_FENCE_CREATE_SIGNALED_BIT};
    VkResult r = vkAllocateCommandBuffers(ctx->device, &alloc, &rec->cmd);
    if (r == VK_SUCCESS) r = vkCreateFence(ctx->device, &fence_info, NULL, &rec->fence);
    if (r != VK_SUCCESS) {
        pixeen_status status = gpu_vk_status(r, "vkAllocateCommandBuffers/vkCreateFence", __FILE__, __LINE__);
        gpu_recorder_destroy(rec);
        return status;
    }
    const char *profile = getenv("PIXEEN_PROFILE");
    rec->timing = ((profile && strcmp(profile, "0") != 0) || ctx->profile_all) && ctx->caps.timestamps;
    *out = rec;
    return PIXEEN_OK;
}

static void release_recording_objects(gpu_recorder *rec) {
    gpu_context *ctx = rec->ctx;
    for (uint32_t i = 0; i < rec->view_count; i++) vkDestroyBufferView(ctx->device, rec->views[i], NULL);
    rec->view_count = 0;
    if (rec->pool) vkResetDescriptorPool(ctx->device, rec->pool, 0);
    rec->pool_sets = 0;
}

void gpu_recorder_destroy(gpu_recorder *rec) {
    if (!rec) return;
    gpu_context *ctx = rec->ctx;
    if (rec->fence) vkWaitForFences(ctx->device, 1, &rec->fence, VK_TRUE, UINT64_MAX);
    release_recording_objects(rec);
    if (rec->pool) vkDestroyDescriptorPool(ctx->device, rec->pool, NULL);
    if (rec->queries) vkDestroyQueryPool(ctx->device, rec->queries, NULL);
    if (rec->fence) vkDestroyFence(ctx->device, rec->fence, NULL);
    if (rec->cmd) vkFreeCommandBuffers(ctx->device, ctx->command_pool, 1, &rec->cmd);
    free(rec->views);
    free(rec->labels);
    free(rec->written.items);
    free(rec->read.items);
    free(rec);
}

gpu_context *gpu_recorder_context(gpu_recorder *rec) { return rec->ctx; }

void gpu_recorder_set_timing(gpu_recorder *rec, bool on) { rec->timing = on && rec->ctx->caps.timestamps; }

void gpu_recorder_begin(gpu_recorder *rec) {
    gpu_context *ctx = rec->ctx;
    rec->status = PIXEEN_OK;
    rec->dispatches = rec->barriers = 0;
    rec->written.count = rec->read.count = 0;
    rec->query_count = 0;
    rec->timed_dispatches = 0;
    rec->ended = false;
    rec->last_ns = 0;
    vkWaitForFences(ctx->device, 1, &rec->fence, VK_TRUE, UINT64_MAX); /* a replay may still run */
    release_recording_objects(rec);
    VkResult r = vkResetCommandBuffer(rec->cmd, 0);
    VkCommandBufferBeginInfo begin = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    if (r == VK_SUCCESS) r = vkBeginCommandBuffer(rec->cmd, &begin);
    if (r != VK_SUCCESS) {
        fail(rec, gpu_vk_status(r, "vkBeginCommandBuffer", __FILE__, __LINE__));
        return;
    }
    rec->recording = true;
    if (rec->timing) {
        /* 4096 timestamps cover a whole SD 1.5 step (~1000 dispatches); a longer recording grows
         * the pool for the next one. */
        if (!rec->queries || rec->query_overflow) {
            pixeen_status status = create_query_pool(rec, rec->query_overflow ? rec->query_capacity * 2 : 4096);
            rec->query_overflow = false;
            if (status != PIXEEN_OK) {
                rec->timing = false;
                return;
            }
        }
        vkCmdResetQueryPool(rec->cmd, rec->queries, 0, rec->query_capacity);
        vkCmdWriteTimestamp(rec->cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, rec->queries, rec->query_count++);
    }
}

static void barrier(gpu_recorder *rec) {
    VkMemoryBarrier b = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
        .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                         VK_ACCESS_TRANSFER_WRITE_BIT,
    };
    const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    vkCmdPipelineBarrier(rec->cmd, stages, stages, 0, 1, &b, 0, NULL, 0, NULL);
    rec->written.count = rec->read.count = 0;
    rec->barriers++;
}

/* Records the ranges an upcoming command touches, inserting a barrier first if needed. */
static void track(gpu_recorder *rec, const hazard_range *ranges, const bool *writes, uint32_t count) {
    bool conflict = false;
    for (uint32_t i = 0; i < count && !conflict; i++)
        conflict = range_list_overlaps(&rec->written, ranges[i]) || (writes[i] && range_list_overlaps(&rec->read, ranges[i]));
    if (conflict) barrier(rec);
    for (uint32_t i = 0; i < count; i++)
        if (!range_list_push(writes[i] ? &rec->written : &rec->read, ranges[i]))
            fail(rec, error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory while recording"));
}

static bool recording_ok(gpu_recorder *rec) {
    if (!rec->recording && rec->status == PIXEEN_OK)
        fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "gpu: command recorded outside gpu_recorder_begin/end"));
    return rec->recording && rec->status == PIXEEN_OK;
}

static VkFormat texel_format(gpu_binding_kind kind, uint32_t *texel_bytes) {
    switch (kind) {
    case GPU_BIND_TEXEL_F32X4:
    case GPU_BIND_IMAGE_F32X4: *texel_bytes = 16; return VK_FORMAT_R32G32B32A32_SFLOAT;
    case GPU_BIND_TEXEL_F16X4:
    case GPU_BIND_IMAGE_F16X4: *texel_bytes = 8; return VK_FORMAT_R16G16B16A16_SFLOAT;
    case GPU_BIND_TEXEL_F32:
    case GPU_BIND_IMAGE_F32: *texel_bytes = 4; return VK_FORMAT_R32_SFLOAT;
    case GPU_BIND_TEXEL_F16:
    case GPU_BIND_IMAGE_F16: *texel_bytes = 2; return VK_FORMAT_R16_SFLOAT;
    case GPU_BIND_TEXEL_U32: *texel_bytes = 4; return VK_FORMAT_R32_UINT;
    case GPU_BIND_TEXEL_U32X4: *texel_bytes = 16; return VK_FORMAT_R32G32B32A32_UINT;
    default: *texel_bytes = 0; return VK_FORMAT_UNDEFINED;
    }
}

static pixeen_status make_view(gpu_recorder *rec, const gpu_binding *b, uint64_t size, gpu_binding_kind kind,
                               VkBufferView *view) {
    gpu_context *ctx = rec->ctx;
    uint32_t texel_bytes;
    VkFormat format = texel_format(kind, &texel_bytes);
    uint64_t texels = size / texel_bytes;
    if (size % texel_bytes || texels > ctx->caps.max_texel_buffer_elements)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "gpu: texel binding of %llu bytes: not a whole number of %u-byte texels or over the "
                         "device's %u-texel limit",
                         (unsigned long long)size, texel_bytes, ctx->caps.max_texel_buffer_elements);
    if (rec->view_count == rec->view_capacity) {
        uint32_t capacity = rec->view_capacity ? rec->view_capacity * 2 : 64;
        VkBufferView *grown = realloc(rec->views, capacity * sizeof *grown);
        if (!grown) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory");
        rec->views = grown;
        rec->view_capacity = capacity;
    }
    VkBufferViewCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO,
        .buffer = b->buffer->block->buffer,
        .format = format,
        .offset = b->buffer->offset + b->offset,
        .range = size,
    };
    VK_TRY(vkCreateBufferView(ctx->device, &info, NULL, view));
    rec->views[rec->view_count++] = *view;
    return PIXEEN_OK;
}

static pixeen_status descriptor_set_for(gpu_recorder *rec, gpu_pipeline *pipeline, VkDescriptorSet *set) {
    gpu_context *ctx = rec->ctx;
    if (!rec->pool) {
        /* Sized for a whole UNet step's dispatches; a recording that needs more fails clearly. */
        VkDescriptorPoolSize sizes[] = {
            {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 8192 * 4},
            {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, 8192 * 4},
            {VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER, 8192},
        };
        VkDescriptorPoolCreateInfo info = {
            .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
            .maxSets = 8192,
            .poolSizeCount = sizeof sizes / sizeof sizes[0],
            .pPoolSizes = sizes,
        };
        VK_TRY(vkCreateDescriptorPool(ctx->device, &info, NULL, &rec->pool));
    }
    VkDescriptorSetAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
        .descriptorPool = rec->pool,
        .descriptorSetCount = 1,
        .pSetLayouts = &pipeline->set_layout,
    };
    VK_TRY(vkAllocateDescriptorSets(ctx->device, &alloc, set));
    rec->pool_sets++;
    return PIXEEN_OK;
}
/* Binds the pipeline and its descriptors (pushed where the device offers push descriptors, else
 * written into a set from the recorder's pool). False, with the recorder failed, on error. */
static bool bind_pipeline(gpu_recorder *rec, gpu_pipeline *pipeline, VkWriteDescriptorSet *writes, uint32_t count) {
    vkCmdBindPipeline(rec->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline->pipeline);
    if (rec->ctx->push_descriptors) {
        vkCmdPushDescriptorSetKHR(rec->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline->layout, 0, count, writes);
        return true;
    }
    VkDescriptorSet set;
    pixeen_status status = descriptor_set_for(rec, pipeline, &set);
    if (status != PIXEEN_OK) {
        fail(rec, status);
        return false;
    }
    for (uint32_t i = 0; i < count; i++) writes[i].dstSet = set;
    vkUpdateDescriptorSets(rec->ctx->device, count, writes, 0, NULL);
    vkCmdBindDescriptorSets(rec->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline->layout, 0, 1, &set, 0, NULL);
    return true;
}


void gpu_record_dispatch(gpu_recorder *rec, gpu_pipeline *pipeline, const gpu_binding *bindings,
                         uint32_t binding_count, const void *push, uint32_t push_size, uint32_t groups_x,
                         uint32_t groups_y, uint32_t groups_z, const char *label) {
    if (!recording_ok(rec)) return;
    gpu_context *ctx = rec->ctx;
    const gpu_pipeline_desc *d = &pipeline->desc;
    if (binding_count != d->binding_count || push_size != d->push_size) {
        fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "gpu: dispatch of '%s' with %u bindings and %u push bytes (expected %u and %u)",
                            d->shader, binding_count, push_size, d->binding_count, d->push_size));
        return;
    }
    if (groups_x > ctx->caps.max_workgroup_count[0] || groups_y > ctx->caps.max_workgroup_count[1] ||
        groups_z > ctx->caps.max_workgroup_count[2]) {
        fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "gpu: dispatch of '%s' with %u x %u x %u workgroups exceeds the device limit",
                            d->shader, groups_x, groups_y, groups_z));
        return;
    }
    if (groups_x == 0 || groups_y == 0 || groups_z == 0) return; /* nothing to do: legal, but skip */

    hazard_range ranges[GPU_MAX_BINDINGS];
    bool writes[GPU_MAX_BINDINGS];
    VkDescriptorBufferInfo buffer_infos[GPU_MAX_BINDINGS];
    VkBufferView views[GPU_MAX_BINDINGS];
    VkWriteDescriptorSet descriptor_writes[GPU_MAX_BINDINGS];
    for (uint32_t i = 0; i < binding_count; i++) {
        const gpu_binding *b = &bindings[i];
        uint64_t size = b->size ? b->size : (b->offset < b->buffer->size ? b->buffer->size - b->offset : 0);
        if (b->offset + size > b->buffer->size || size == 0) {
            fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "gpu: '%s' binding %u: range %llu+%llu outside its %llu-byte buffer",
                                d->shader, i, (unsigned long long)b->offset, (unsigned long long)size,
                                (unsigned long long)b->buffer->size));
            return;
        }
        ranges[i] = (hazard_range){b->buffer->block->id, b->buffer->offset + b->offset, b->buffer->offset + b->offset + size};
        writes[i] = b->write;
        descriptor_writes[i] = (VkWriteDescriptorSet){
            .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
            .dstBinding = i,
            .descriptorCount = 1,
            .descriptorType = gpu_descriptor_type(d->bindings[i]),
        };
        if (d->bindings[i] == GPU_BIND_STORAGE) {
            if (size > ctx->caps.max_storage_buffer_range || (b->buffer->offset + b->offset) % ctx->caps.min_storage_offset_alignment) {
                fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                                    "gpu: '%s' binding %u: %llu bytes at offset %llu exceed maxStorageBufferRange (%llu) "
                                    "or break its alignment (%llu); the operator must split the tensor",
                                    d->shader, i, (unsigned long long)size, (unsigned long long)b->offset,
                                    (unsigned long long)ctx->caps.max_storage_buffer_range,
                                    (unsigned long long)ctx->caps.min_storage_offset_alignment));
                return;
            }
            buffer_infos[i] = (VkDescriptorBufferInfo){b->buffer->block->buffer, b->buffer->offset + b->offset, size};
            descriptor_writes[i].pBufferInfo = &buffer_infos[i];
        } else {
            if (b->write && !gpu_binding_is_image(d->bindings[i])) {
                fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "gpu: '%s' binding %u: uniform texel buffers are read-only",
                                    d->shader, i));
                return;
            }
            pixeen_status status = make_view(rec, b, size, d->bindings[i], &views[i]);
            if (status != PIXEEN_OK) {
                fail(rec, error_wrap(status, "gpu: '%s' binding %u: ", d->shader, i));
                return;
            }
            descriptor_writes[i].pTexelBufferView = &views[i];
        }
    }
    track(rec, ranges, writes, binding_count);

    if (!bind_pipeline(rec, pipeline, descriptor_writes, binding_count)) return;
    if (push_size) vkCmdPushConstants(rec->cmd, pipeline->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_size, push);
    vkCmdDispatch(rec->cmd, groups_x, groups_y, groups_z);
    /* One slot stays free for the final timestamp written by gpu_recorder_end. */
    if (rec->timing && rec->query_count + 1 < rec->query_capacity) {
        rec->labels[rec->query_count - 1] = label ? label : d->shader;
        vkCmdWriteTimestamp(rec->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, rec->queries, rec->query_count++);
        rec->timed_dispatches++;
    } else if (rec->timing) {
        rec->query_overflow = true;
    }
    rec->dispatches++;
}

void gpu_record_compile(gpu_recorder *rec, gpu_pipeline *pipeline, gpu_buffer *dummy) {
    if (!recording_ok(rec)) return;
    const gpu_pipeline_desc *d = &pipeline->desc;
    VkDescriptorBufferInfo buffer_infos[GPU_MAX_BINDINGS];
    VkBufferView views[GPU_MAX_BINDINGS];
    VkWriteDescriptorSet writes[GPU_MAX_BINDINGS];
    for (uint32_t i = 0; i < d->binding_count; i++) {
        bool storage = d->bindings[i] == GPU_BIND_STORAGE;
        writes[i] = (VkWriteDescriptorSet){
            .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
            .dstBinding = i,
            .descriptorCount = 1,
            .descriptorType = gpu_descriptor_type(d->bindings[i]),
        };
        if (storage) {
            buffer_infos[i] = (VkDescriptorBufferInfo){dummy->block->buffer, dummy->offset, dummy->size};
            writes[i].pBufferInfo = &buffer_infos[i];
        } else {
            gpu_binding b = {.buffer = dummy};
            pixeen_status status = make_view(rec, &b, dummy->size, d->bindings[i], &views[i]);
            if (status != PIXEEN_OK) {
                fail(rec, error_wrap(status, "gpu: compiling '%s': binding %u: ", d->shader, i));
                return;
            }
            writes[i].pTexelBufferView = &views[i];
        }
    }
    if (!bind_pipeline(rec, pipeline, writes, d->binding_count)) return;
    static const uint8_t zeros[GPU_MAX_PUSH_BYTES];
    if (d->push_size) vkCmdPushConstants(rec->cmd, pipeline->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, d->push_size, zeros);
    vkCmdDispatch(rec->cmd, 0, 0, 0);
}

static bool transfer_range(gpu_recorder *rec, gpu_buffer *buf, uint64_t offset, uint64_t size, hazard_range *r) {
    if (offset > buf->size || size > buf->size - offset) {
        fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "gpu: copy/fill of %llu bytes at %llu outside a %llu-byte buffer",
                            (unsigned long long)size, (unsigned long long)offset, (unsigned long long)buf->size));
        return false;
    }
    *r = (hazard_range){buf->block->id, buf->offset + offset, buf->offset + offset + size};
    return true;
}

void gpu_record_copy(gpu_recorder *rec, gpu_buffer *src, uint64_t src_offset, gpu_buffer *dst, uint64_t dst_offset,
                     uint64_t size) {
    hazard_range ranges[2];
    const bool writes[2] = {false, true};
    if (!recording_ok(rec) || !transfer_range(rec, src, src_offset, size, &ranges[0]) ||
        !transfer_range(rec, dst, dst_offset, size, &ranges[1]))
        return;
    track(rec, ranges, writes, 2);
    VkBufferCopy region = {src->offset + src_offset, dst->offset + dst_offset, size};
    vkCmdCopyBuffer(rec->cmd, src->block->buffer, dst->block->buffer, 1, &region);
}

void gpu_record_fill(gpu_recorder *rec, gpu_buffer *dst, uint64_t offset, uint64_t size, uint32_t pattern) {
    hazard_range range;
    const bool writes[1] = {true};
    if (!recording_ok(rec) || !transfer_range(rec, dst, offset, size, &range)) return;
    if (size % 4 || offset % 4) {
        fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "gpu: fill of %llu bytes at %llu is not 4-byte aligned",
                            (unsigned long long)size, (unsigned long long)offset));
        return;
    }
    track(rec, &range, writes, 1);
    vkCmdFillBuffer(rec->cmd, dst->block->buffer, dst->offset + offset, size, pattern);
}

pixeen_status gpu_recorder_end(gpu_recorder *rec) {
    if (rec->recording) {
        /* A final timestamp: the whole recording's GPU time, copies and fills included. */
        if (rec->timing && rec->query_count < rec->query_capacity)
            vkCmdWriteTimestamp(rec->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, rec->queries, rec->query_count++);
        /* Make the results visible to later submissions and to host reads (downloads). */
        VkMemoryBarrier b = {
            .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
            .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
            .dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_SHADER_READ_BIT,
        };
        vkCmdPipelineBarrier(rec->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                             VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT |
                                 VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                             0, 1, &b, 0, NULL, 0, NULL);
        VkResult r = vkEndCommandBuffer(rec->cmd);
        if (r != VK_SUCCESS) fail(rec, gpu_vk_status(r, "vkEndCommandBuffer", __FILE__, __LINE__));
        rec->recording = false;
        rec->ended = true;
    }
    return rec->status;
}

static void collect_timings(gpu_recorder *rec) {
    gpu_context *ctx = rec->ctx;
    uint32_t n = rec->query_count;
    if (n < 2) return;
    uint64_t *ticks = malloc(n * sizeof *ticks);
    if (!ticks) return;
    if (vkGetQueryPoolResults(ctx->device, rec->queries, 0, n, n * sizeof *ticks, ticks, sizeof *ticks,
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) == VK_SUCCESS) {
        double period = ctx->caps.timestamp_period;
        /* ticks[i] .. ticks[i + 1] brackets dispatch i; the last tick is the end of the recording. */
        for (uint32_t i = 0; i < rec->timed_dispatches; i++)
            gpu_profile_add(ctx, rec->labels[i], (double)(ticks[i + 1] - ticks[i]) * period);
        rec->last_ns = (double)(ticks[n - 1] - ticks[0]) * period;
    }
    free(ticks);
}

pixeen_status gpu_recorder_submit(gpu_recorder *rec) {
    gpu_context *ctx = rec->ctx;
    if (rec->status != PIXEEN_OK) return rec->status;
    if (!rec->ended) return error_set(PIXEEN_ERROR_INTERNAL, "gpu: submit before gpu_recorder_end");
    VkSubmitInfo submit = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
        .commandBufferCount = 1,
        .pCommandBuffers = &rec->cmd,
    };
    VK_TRY(vkResetFences(ctx->device, 1, &rec->fence));
    VK_TRY(gpu_queue_submit(ctx, &submit, rec->fence));
    VK_TRY(vkWaitForFences(ctx->device, 1, &rec->fence, VK_TRUE, UINT64_MAX));
    if (rec->timing) collect_timings(rec);
    return PIXEEN_OK;
}

uint32_t gpu_recorder_dispatch_count(const gpu_recorder *rec) { return rec->dispatches; }

uint32_t gpu_recorder_barrier_count(const gpu_recorder *rec) { return rec->barriers; }

double gpu_recorder_last_ns(const gpu_recorder *rec) { return rec->last_ns; }
