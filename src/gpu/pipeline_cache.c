/* pipeline_cache.c — the persistent VkPipelineCache in the user's cache directory.
 *
 * File: $XDG_CACHE_HOME/pixeen/pipelines-<vendor>-<device>-<pipelineCacheUUID>.bin (else
 * ~/.cache/pixeen/...): the UUID in the name gives every driver build its own file, so two drivers
 * of one device (Mesa 22's and Mesa 25's lavapipe both report 10005:0000) used in turn do not each
 * throw the other's away. On load the Vulkan cache header is validated against this device (header
 * size and version, vendor, device, pipelineCacheUUID); a file that does not match — a truncated or
 * corrupt file — is ignored with a warning and replaced on exit. Writing is atomic: a temporary
 * file in the same directory, fsync, rename. Only compiled-pipeline data from the driver is
 * stored: no prompts, images or keys ever reach it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"
#include "core/log.h"
#include "gpu/gpu_internal.h"

/* Caches above this are not ours (a full SD pipeline set is a few MB); refusing them bounds what
 * a corrupt file can make us allocate. */
#define CACHE_FILE_MAX (256u << 20)

static bool cache_dir(char *dir, size_t size, bool create_dir) {
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = platform_home_dir();
    if (xdg && xdg[0] == '/')
        snprintf(dir, size, "%s/pixeen", xdg);
    else if (home && home[0])
        snprintf(dir, size, "%s/.cache/pixeen", home);
    else
        return false;
    if (create_dir) {
        char parent[3072];
        snprintf(parent, sizeof parent, "%s", dir);
        char *slash = strrchr(parent, '/');
        if (slash) {
            *slash = '\0';
            mkdir(parent, 0700); /* $XDG_CACHE_HOME or ~/.cache may not exist yet */
        }
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) return false;
    }
    return true;
}

static bool cache_path(const gpu_context *ctx, char *path, size_t size, bool create_dir) {
    char dir[3072], uuid[33];
    if (!cache_dir(dir, sizeof dir, create_dir)) return false;
    for (int i = 0; i < 16; i++) snprintf(uuid + 2 * i, 3, "%02x", ctx->caps.pipeline_cache_uuid[i]);
    snprintf(path, size, "%s/pipelines-%04x-%04x-%s.bin", dir, ctx->caps.vendor_id, ctx->caps.device_id, uuid);
    return true;
}

bool gpu_pipeline_cache_file(const gpu_context *ctx, char *path, size_t size) {
    return cache_path(ctx, path, size, false);
}

/* The header every VkPipelineCache blob starts with (VK_PIPELINE_CACHE_HEADER_VERSION_ONE). */
static bool header_matches(const gpu_context *ctx, const uint8_t *data, size_t size) {
    if (size < 32) return false;
    uint32_t header_size, version, vendor, device;
    memcpy(&header_size, data, 4);
    memcpy(&version, data + 4, 4);
    memcpy(&vendor, data + 8, 4);
    memcpy(&device, data + 12, 4);
    return header_size >= 32 && header_size <= size && version == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
           vendor == ctx->caps.vendor_id && device == ctx->caps.device_id &&
           memcmp(data + 16, ctx->caps.pipeline_cache_uuid, 16) == 0;
}

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *data = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long length = ftell(f);
        if (length > 0 && length <= (long)CACHE_FILE_MAX && fseek(f, 0, SEEK_SET) == 0) {
            data = malloc((size_t)length);
            if (data && fread(data, 1, (size_t)length, f) != (size_t)length) {
                free(data);
                data = NULL;
            }
            *size = (size_t)length;
        }
    }
    fclose(f);
    return data;
}

void gpu_pipeline_cache_load(gpu_context *ctx) {
    char path[4096];
    size_t size = 0;
    uint8_t *data = cache_path(ctx, path, sizeof path, false) ? read_file(path, &size) : NULL;
    if (data && !header_matches(ctx, data, size)) {
        log_warn("gpu: ignoring pipeline cache %s: it was written for another device or driver, or is corrupt", path);
        free(data);
        data = NULL;
    }
    VkPipelineCacheCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
        .initialDataSize = data ? size : 0,
        .pInitialData = data,
    };
    VkResult r = vkCreatePipelineCache(ctx->device, &info, NULL, &ctx->pipeline_cache);
    if (r != VK_SUCCESS && data) { /* a driver may still reject the contents: start empty */
        log_warn("gpu: the driver rejected pipeline cache %s; starting with an empty one", path);
        info.initialDataSize = 0;
        info.pInitialData = NULL;
        r = vkCreatePipelineCache(ctx->device, &info, NULL, &ctx->pipeline_cache);
        free(data);
        data = NULL;
    }
    if (r != VK_SUCCESS) ctx->pipeline_cache = VK_NULL_HANDLE; /* pipelines still build without one */
    ctx->pipeline_cache_loaded = data != NULL;
    free(data);
}

void gpu_pipeline_cache_save(gpu_context *ctx) {
    char path[4096], tmp[4200];
    if (!ctx->pipeline_cache || !ctx->pipeline_cache_dirty || !cache_path(ctx, path, sizeof path, true)) return;
    size_t size = 0;
    if (vkGetPipelineCacheData(ctx->device, ctx->pipeline_cache, &size, NULL) != VK_SUCCESS || size == 0 ||
        size > CACHE_FILE_MAX)
        return;
    uint8_t *data = malloc(size);
    if (!data) return;
    if (vkGetPipelineCacheData(ctx->device, ctx->pipeline_cache, &size, data) != VK_SUCCESS) {
        free(data);
        return;
    }
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp); /* mode 0600, unique: concurrent processes never write the same file */
    bool ok = fd >= 0;
    for (size_t done = 0; ok && done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        done += ok ? (size_t)n : 0;
    }
    if (fd >= 0) {
        ok = ok && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
        ok = ok && platform_rename_replace(tmp, path) == 0;
        if (!ok) unlink(tmp);
    }
    if (!ok) log_warn("gpu: could not write pipeline cache %s", path);
    free(data);
    /* The name before the UUID was in it: the file of whichever driver ran last, now stale. */
    char dir[3072];
    if (ok && cache_dir(dir, sizeof dir, false)) {
        snprintf(tmp, sizeof tmp, "%s/pipelines-%04x-%04x.bin", dir, ctx->caps.vendor_id, ctx->caps.device_id);
        unlink(tmp);
    }
}
