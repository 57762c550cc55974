/* context.c — pixeen_context: the public handle around a gpu_context, with the context's last
 * error message, its cancel flag and the busy flag that refuses overlapping generations; an
 * application's own Vulkan device (pixeen_vulkan_device) is translated for the GPU layer here. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "core/log.h"

pixeen_status api_finish(pixeen_context *ctx, pixeen_status status) {
    if (ctx) snprintf(ctx->last_error, sizeof ctx->last_error, "%s", status == PIXEEN_OK ? "" : error_message());
    return status;
}

pixeen_status api_check_reserved(const uint32_t *reserved, size_t count, const char *what) {
    for (size_t i = 0; i < count; i++)
        if (reserved[i])
            return error_set(PIXEEN_ERROR_UNSUPPORTED,
                             "%s: reserved word %zu is set: the program was built against a newer pixeen.h "
                             "than this library (%s)",
                             what, i, pixeen_version());
    return PIXEEN_OK;
}

/* The context whose log callback receives diagnostics (the log sink is process-wide). */
static _Atomic(pixeen_context *) log_owner;

static void forward_log(log_level level, const char *message, void *user) {
    pixeen_context *ctx = user;
    ctx->log(ctx->log_level_map[level], message, ctx->log_user);
}

PIXEEN_API pixeen_status pixeen_context_create(const pixeen_context_desc *desc, pixeen_context **out) {
    error_clear();
    if (!out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "context: the output pointer is NULL");
    *out = NULL;
    pixeen_context_desc defaults = {0};
    if (!desc) desc = &defaults;
    PX_TRY(api_check_reserved(desc->reserved, sizeof desc->reserved / sizeof desc->reserved[0], "context"));
    gpu_borrowed_device borrowed = {0};
    if (desc->vulkan) {
        const pixeen_vulkan_device *v = desc->vulkan;
        PX_TRY(api_check_reserved(v->reserved, sizeof v->reserved / sizeof v->reserved[0], "context: vulkan device"));
        const uint32_t known = PIXEEN_VULKAN_FEATURE_STORAGE_16BIT | PIXEEN_VULKAN_FEATURE_FLOAT16 |
                               PIXEEN_VULKAN_FEATURE_PUSH_DESCRIPTOR;
        if (v->features & ~known)
            return error_set(PIXEEN_ERROR_UNSUPPORTED, "context: unknown Vulkan feature bits 0x%x (this library is %s)",
                             v->features & ~known, pixeen_version());
        borrowed = (gpu_borrowed_device){
            .instance = v->instance,
            .physical_device = v->physical_device,
            .device = v->device,
            .queue = v->queue,
            .queue_family = v->queue_family,
            .storage16 = v->features & PIXEEN_VULKAN_FEATURE_STORAGE_16BIT,
            .fp16 = v->features & PIXEEN_VULKAN_FEATURE_FLOAT16,
            .push_descriptors = v->features & PIXEEN_VULKAN_FEATURE_PUSH_DESCRIPTOR,
            .get_instance_proc_addr = (void (*)(void))v->get_instance_proc_addr,
            .lock_queue = v->lock_queue,
            .unlock_queue = v->unlock_queue,
            .queue_user = v->queue_user,
        };
    }
    pixeen_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "context: out of host memory");
    if (desc->log) {
        ctx->log = desc->log;
        ctx->log_user = desc->log_user;
        ctx->log_level_map[LOG_ERROR] = PIXEEN_LOG_ERROR;
        ctx->log_level_map[LOG_WARN] = PIXEEN_LOG_WARN;
        ctx->log_level_map[LOG_INFO] = PIXEEN_LOG_INFO;
        ctx->log_level_map[LOG_DEBUG] = PIXEEN_LOG_DEBUG;
        log_set_sink(forward_log, ctx);
        atomic_store(&log_owner, ctx);
    }
    gpu_context_desc gdesc = {.device = desc->device,
                              .validation = desc->validation != 0,
                              .borrowed = desc->vulkan ? &borrowed : NULL};
    pixeen_status status = gpu_context_create(&gdesc, &ctx->gpu);
    if (status != PIXEEN_OK) {
        pixeen_context *self = ctx;
        if (desc->log && atomic_compare_exchange_strong(&log_owner, &self, NULL)) log_set_sink(NULL, NULL);
        free(ctx);
        return status;
    }
    *out = ctx;
    return PIXEEN_OK;
}

PIXEEN_API void pixeen_context_destroy(pixeen_context *ctx) {
    if (!ctx) return;
    gpu_context_destroy(ctx->gpu);
    pixeen_context *self = ctx;
    if (ctx->log && atomic_compare_exchange_strong(&log_owner, &self, NULL)) log_set_sink(NULL, NULL);
    free(ctx);
}

PIXEEN_API const char *pixeen_context_last_error(const pixeen_context *ctx) { return ctx ? ctx->last_error : ""; }

PIXEEN_API const char *pixeen_context_device_name(const pixeen_context *ctx) {
    return ctx ? gpu_context_caps(ctx->gpu)->name : "";
}

PIXEEN_API void pixeen_context_cancel(pixeen_context *ctx) {
    if (ctx) atomic_store(&ctx->cancel, 1);
}

PIXEEN_API void pixeen_context_profile_print(pixeen_context *ctx, FILE *out) {
    if (ctx && out) gpu_profile_print(ctx->gpu, out);
}
